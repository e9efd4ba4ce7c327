metadata description = 'FastPath on an ErGw3AZ gateway linked to a 10 Gbps circuit.'

param location string = 'westeurope'

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-hub-weu'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.40.0.0/16']
    }
    subnets: [
      {
        name: 'GatewaySubnet'
        properties: { addressPrefix: '10.40.255.224/27' }
      }
    ]
  }
}

resource erGateway 'Microsoft.Network/virtualNetworkGateways@2024-05-01' = {
  name: 'ergw-hub-weu'
  location: location
  properties: {
    gatewayType: 'ExpressRoute'
    sku: { name: 'ErGw3AZ', tier: 'ErGw3AZ' }
    ipConfigurations: [
      {
        name: 'default'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: {
            id: resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'GatewaySubnet')
          }
        }
      }
    ]
  }
}

resource circuitAms 'Microsoft.Network/expressRouteCircuits@2024-05-01' = {
  name: 'erc-weu-ams-equinix'
  location: location
  sku: { name: 'Standard_MeteredData', tier: 'Standard', family: 'MeteredData' }
  properties: {
    allowClassicOperations: false
    serviceProviderProperties: {
      serviceProviderName: 'Equinix'
      peeringLocation: 'Amsterdam'
      bandwidthInMbps: 10000
    }
    peerings: [
      {
        name: 'AzurePrivatePeering'
        properties: {
          peeringType: 'AzurePrivatePeering'
          peerASN: 65020
          primaryPeerAddressPrefix: '192.168.200.0/30'
          secondaryPeerAddressPrefix: '192.168.200.4/30'
          vlanId: 210
          state: 'Enabled'
        }
      }
    ]
  }
}

resource connectionAms 'Microsoft.Network/connections@2024-05-01' = {
  name: 'cn-ergw-hub-weu-ams'
  location: location
  properties: {
    connectionType: 'ExpressRoute'
    virtualNetworkGateway1: { id: erGateway.id }
    peer: { id: circuitAms.id }
    routingWeight: 100
    expressRouteGatewayBypass: true
  }
}
