// hub 10.20.0.0/16, on-premises 172.16.0.0/16 over a site-to-site connection
param location string = 'westeurope'

resource vnetHubWeu 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-hub-weu'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.20.0.0/16']
    }
    subnets: [
      {
        name: 'snet-shared'
        properties: { addressPrefix: '10.20.1.0/24' }
      }
      {
        name: 'GatewaySubnet'
        properties: { addressPrefix: '10.20.255.224/27' }
      }
    ]
  }
}

resource pipVgwHubWeu01 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-vgw-hub-weu-01'
  location: location
  sku: { name: 'Standard', tier: 'Regional' }
  zones: ['1', '2', '3']
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource pipVgwHubWeu02 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-vgw-hub-weu-02'
  location: location
  sku: { name: 'Standard', tier: 'Regional' }
  zones: ['1', '2', '3']
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource vgwHubWeu 'Microsoft.Network/virtualNetworkGateways@2024-05-01' = {
  name: 'vgw-hub-weu'
  location: location
  properties: {
    gatewayType: 'Vpn'
    vpnType: 'RouteBased'
    vpnGatewayGeneration: 'Generation2'
    sku: { name: 'VpnGw2AZ', tier: 'VpnGw2AZ' }
    activeActive: true
    enableBgp: true
    bgpSettings: { asn: 65010 }
    ipConfigurations: [
      {
        name: 'ipconfig-01'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: {
            id: resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub-weu', 'GatewaySubnet')
          }
          publicIPAddress: {
            id: pipVgwHubWeu01.id
          }
        }
      }
      {
        name: 'ipconfig-02'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: {
            id: resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub-weu', 'GatewaySubnet')
          }
          publicIPAddress: {
            id: pipVgwHubWeu02.id
          }
        }
      }
    ]
  }
  dependsOn: [vnetHubWeu]
}

resource lgwDcAms 'Microsoft.Network/localNetworkGateways@2024-05-01' = {
  name: 'lgw-dc-ams'
  location: location
  properties: {
    gatewayIpAddress: '81.2.69.160'
    localNetworkAddressSpace: {
      addressPrefixes: ['172.16.0.0/16']
    }
    bgpSettings: { asn: 65050, bgpPeeringAddress: '172.16.255.254' }
  }
}

resource cnVgwHubWeuToDcAms 'Microsoft.Network/connections@2024-05-01' = {
  name: 'cn-vgw-hub-weu-to-dc-ams'
  location: location
  properties: {
    connectionType: 'IPsec'
    connectionProtocol: 'IKEv2'
    virtualNetworkGateway1: {
      id: vgwHubWeu.id
    }
    localNetworkGateway2: {
      id: lgwDcAms.id
    }
    enableBgp: true
  }
}
