// an ErGw3AZ gateway with 16 circuit connections in a /26 GatewaySubnet
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
        properties: { addressPrefix: '10.20.255.192/26' }
      }
    ]
  }
}

resource pipErgwHubWeu 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-ergw-hub-weu'
  location: location
  sku: { name: 'Standard', tier: 'Regional' }
  zones: ['1', '2', '3']
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource ergwHubWeu 'Microsoft.Network/virtualNetworkGateways@2024-05-01' = {
  name: 'ergw-hub-weu'
  location: location
  properties: {
    gatewayType: 'ExpressRoute'
    sku: { name: 'ErGw3AZ', tier: 'ErGw3AZ' }
    ipConfigurations: [
      {
        name: 'ipconfig-01'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: {
            id: resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub-weu', 'GatewaySubnet')
          }
          publicIPAddress: {
            id: pipErgwHubWeu.id
          }
        }
      }
    ]
  }
  dependsOn: [vnetHubWeu]
}

// one connection per circuit; the circuits belong to the connectivity team's subscription
resource circuitConnections 'Microsoft.Network/connections@2024-05-01' = [for i in range(1, 16): {
  name: 'cn-ergw-hub-weu-to-cct-${padLeft(string(i), 2, '0')}'
  location: location
  properties: {
    connectionType: 'ExpressRoute'
    routingWeight: 0
    virtualNetworkGateway1: { id: ergwHubWeu.id }
    peer: {
      id: '/subscriptions/0b5e3c8e-7d1a-4f6b-9a2e-3c4d5e6f7a8b/resourceGroups/rg-er-circuits/providers/Microsoft.Network/expressRouteCircuits/cct-weu-${padLeft(string(i), 2, '0')}'
    }
  }
}]
