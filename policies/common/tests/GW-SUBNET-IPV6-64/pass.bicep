// a dual-stack GatewaySubnet with a /64 IPv6 range
param location string = 'westeurope'

resource vnetHubWeu 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-hub-weu'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.20.0.0/16', 'fd00:db8:deca::/48']
    }
    subnets: [
      {
        name: 'snet-shared'
        properties: { addressPrefix: '10.20.1.0/24' }
      }
      {
        name: 'GatewaySubnet'
        properties: {
          addressPrefixes: ['10.20.255.224/27', 'fd00:db8:deca:ff::/64']
        }
      }
    ]
  }
}
