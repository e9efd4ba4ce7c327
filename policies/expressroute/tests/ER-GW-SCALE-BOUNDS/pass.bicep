metadata description = 'ErGwScale gateway in Germany West Central (ErGwScale is not offered in West Europe) autoscaling between 2 and 10 scale units.'

param location string = 'germanywestcentral'

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-hub-gwc'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.60.0.0/16']
    }
    subnets: [
      {
        name: 'GatewaySubnet'
        properties: { addressPrefix: '10.60.255.224/27' }
      }
    ]
  }
}

resource erGateway 'Microsoft.Network/virtualNetworkGateways@2024-05-01' = {
  name: 'ergw-hub-gwc'
  location: location
  properties: {
    gatewayType: 'ExpressRoute'
    sku: { name: 'ErGwScale', tier: 'ErGwScale' }
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
    autoScaleConfiguration: {
      bounds: { min: 2, max: 10 }
    }
  }
}
