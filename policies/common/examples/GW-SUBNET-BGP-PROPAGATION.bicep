resource gatewayRoutes 'Microsoft.Network/routeTables@2024-05-01' = {
  name: 'rt-gatewaysubnet-weu'
  location: location
  properties: {
    disableBgpRoutePropagation: false // the gateway must keep learning on-premises routes
    routes: [
      // specific prefixes only: never 0.0.0.0/0 on the GatewaySubnet
      { name: 'spoke-via-firewall', properties: { addressPrefix: '10.30.0.0/16', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.20.2.4' } }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-hub-weu'
  location: location
  properties: {
    addressSpace: { addressPrefixes: ['10.20.0.0/16'] }
    subnets: [
      { name: 'snet-shared', properties: { addressPrefix: '10.20.1.0/24' } }
      { name: 'GatewaySubnet', properties: { addressPrefix: '10.20.255.224/27', routeTable: { id: gatewayRoutes.id } } }
    ]
  }
}
