metadata description = 'ExpressRoute hub with one spoke peered with gateway transit (1 of 500 peerings).'

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
    sku: { name: 'ErGw2AZ', tier: 'ErGw2AZ' }
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

resource spoke 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-spoke-app-weu'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.41.0.0/16']
    }
    subnets: [
      {
        name: 'snet-app'
        properties: { addressPrefix: '10.41.1.0/24' }
      }
    ]
  }
}

resource hubToSpoke 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01' = {
  parent: vnet
  name: 'peer-hub-to-spoke-app'
  properties: {
    remoteVirtualNetwork: { id: spoke.id }
    allowVirtualNetworkAccess: true
    allowForwardedTraffic: true
    allowGatewayTransit: true
    useRemoteGateways: false
  }
  dependsOn: [erGateway]
}

resource spokeToHub 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01' = {
  parent: spoke
  name: 'peer-spoke-app-to-hub'
  properties: {
    remoteVirtualNetwork: { id: vnet.id }
    allowVirtualNetworkAccess: true
    allowForwardedTraffic: true
    allowGatewayTransit: false
    useRemoteGateways: true
  }
  dependsOn: [erGateway]
}
