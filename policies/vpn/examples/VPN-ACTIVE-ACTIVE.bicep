resource gateway 'Microsoft.Network/virtualNetworkGateways@2024-05-01' = {
  name: 'vgw-hub-weu'
  location: location
  properties: {
    gatewayType: 'Vpn'
    vpnType: 'RouteBased'
    vpnGatewayGeneration: 'Generation2'
    sku: { name: 'VpnGw2AZ', tier: 'VpnGw2AZ' }
    activeActive: true // two instances, two ipConfigurations, two public IPs
    enableBgp: true
    bgpSettings: { asn: 65010 }
    ipConfigurations: [for (pip, i) in [pip1, pip2]: {
      name: 'ipconfig-0${i + 1}'
      properties: {
        privateIPAllocationMethod: 'Dynamic'
        subnet: { id: resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'GatewaySubnet') }
        publicIPAddress: { id: pip.id }
      }
    }]
  }
}
