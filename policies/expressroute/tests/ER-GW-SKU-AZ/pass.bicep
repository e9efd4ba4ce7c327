metadata description = 'Hub VNet with a zone-redundant ErGw2AZ ExpressRoute gateway.'

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
