// the GatewaySubnet is the last /27 of 10.20.0.0/16
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
