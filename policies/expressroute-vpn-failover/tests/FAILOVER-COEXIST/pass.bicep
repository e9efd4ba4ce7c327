metadata description = 'ErGw1AZ and an active-active VpnGw2AZ gateway in one /27 GatewaySubnet, a circuit in Amsterdam and an IPsec connection to the data centre.'

param location string = 'westeurope'
@description('Pre-shared key agreed with the on-premises VPN device (from Key Vault at deployment).')
@secure()
param vpnSharedKey string

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
    sku: { name: 'ErGw1AZ', tier: 'ErGw1AZ' }
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

resource vpnPip1 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-vgw-hub-weu-01'
  location: location
  sku: { name: 'Standard', tier: 'Regional' }
  zones: ['1', '2', '3']
  properties: { publicIPAllocationMethod: 'Static' }
}

resource vpnPip2 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-vgw-hub-weu-02'
  location: location
  sku: { name: 'Standard', tier: 'Regional' }
  zones: ['1', '2', '3']
  properties: { publicIPAllocationMethod: 'Static' }
}

resource vpnGateway 'Microsoft.Network/virtualNetworkGateways@2024-05-01' = {
  name: 'vgw-hub-weu'
  location: location
  properties: {
    gatewayType: 'Vpn'
    vpnType: 'RouteBased'
    vpnGatewayGeneration: 'Generation2'
    sku: { name: 'VpnGw2AZ', tier: 'VpnGw2AZ' }
    activeActive: true
    enableBgp: true
    bgpSettings: { asn: 65515 }
    ipConfigurations: [
      {
        name: 'ipconfig-01'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: {
            id: resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'GatewaySubnet')
          }
          publicIPAddress: { id: vpnPip1.id }
        }
      }
      {
        name: 'ipconfig-02'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: {
            id: resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'GatewaySubnet')
          }
          publicIPAddress: { id: vpnPip2.id }
        }
      }
    ]
  }
  dependsOn: [erGateway]
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
      bandwidthInMbps: 1000
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
  }
}

resource onPrem 'Microsoft.Network/localNetworkGateways@2024-05-01' = {
  name: 'lgw-dc-amsterdam'
  location: location
  properties: {
    gatewayIpAddress: '145.220.78.10'
    localNetworkAddressSpace: {
      addressPrefixes: ['172.16.0.0/16']
    }
    bgpSettings: { asn: 65020, bgpPeeringAddress: '172.16.255.254' }
  }
}

resource vpnConnection 'Microsoft.Network/connections@2024-05-01' = {
  name: 'cn-vgw-hub-weu-to-dc-amsterdam'
  location: location
  properties: {
    connectionType: 'IPsec'
    connectionProtocol: 'IKEv2'
    virtualNetworkGateway1: { id: vpnGateway.id }
    localNetworkGateway2: { id: onPrem.id }
    sharedKey: vpnSharedKey
    enableBgp: true
    routingWeight: 0
  }
}
