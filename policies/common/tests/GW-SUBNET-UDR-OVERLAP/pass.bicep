// the GatewaySubnet's route table routes a spoke range only
param location string = 'westeurope'

resource rtGatewayWeu 'Microsoft.Network/routeTables@2024-05-01' = {
  name: 'rt-gateway-weu'
  location: location
  properties: {
    disableBgpRoutePropagation: false
    routes: [
      {
        name: 'to-spoke-app'
        properties: {
          addressPrefix: '10.21.0.0/16'
          nextHopType: 'VirtualAppliance'
          nextHopIpAddress: '10.20.2.4'
        }
      }
    ]
  }
}

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
        properties: {
          addressPrefix: '10.20.255.224/27'
          routeTable: {
            id: rtGatewayWeu.id
          }
        }
      }
    ]
  }
}
