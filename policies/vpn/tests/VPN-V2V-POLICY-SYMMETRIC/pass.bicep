// VPN-V2V-POLICY-SYMMETRIC: compliant example (the same deployment as pass.json)
metadata description = 'Two hubs linked VNet-to-VNet, the same custom IPsec/IKE policy on both connections'

param location string = 'westeurope'

@secure()
@description('Pre-shared key of the tunnel, passed from Key Vault at deployment')
param vpnSharedKey string

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
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

resource vnetNeu 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-hub-neu'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.30.0.0/16']
    }
    subnets: [
      {
        name: 'snet-shared'
        properties: { addressPrefix: '10.30.1.0/24' }
      }
      {
        name: 'GatewaySubnet'
        properties: { addressPrefix: '10.30.255.224/27' }
      }
    ]
  }
}

resource pip1 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-vgw-hub-weu-01'
  location: location
  sku: { name: 'Standard', tier: 'Regional' }
  zones: ['1', '2', '3']
  properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' }
}

resource pip2 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-vgw-hub-weu-02'
  location: location
  sku: { name: 'Standard', tier: 'Regional' }
  zones: ['1', '2', '3']
  properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' }
}

resource pipNeu1 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-vgw-hub-neu-01'
  location: location
  sku: { name: 'Standard', tier: 'Regional' }
  zones: ['1', '2', '3']
  properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' }
}

resource pipNeu2 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-vgw-hub-neu-02'
  location: location
  sku: { name: 'Standard', tier: 'Regional' }
  zones: ['1', '2', '3']
  properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' }
}

resource gateway 'Microsoft.Network/virtualNetworkGateways@2024-05-01' = {
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
          subnet: { id: '${vnet.id}/subnets/GatewaySubnet' }
          publicIPAddress: { id: pip1.id }
        }
      }
      {
        name: 'ipconfig-02'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: { id: '${vnet.id}/subnets/GatewaySubnet' }
          publicIPAddress: { id: pip2.id }
        }
      }
    ]
  }
}

resource gatewayNeu 'Microsoft.Network/virtualNetworkGateways@2024-05-01' = {
  name: 'vgw-hub-neu'
  location: location
  properties: {
    gatewayType: 'Vpn'
    vpnType: 'RouteBased'
    vpnGatewayGeneration: 'Generation2'
    sku: { name: 'VpnGw2AZ', tier: 'VpnGw2AZ' }
    activeActive: true
    enableBgp: true
    bgpSettings: { asn: 65020 }
    ipConfigurations: [
      {
        name: 'ipconfig-01'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: { id: '${vnetNeu.id}/subnets/GatewaySubnet' }
          publicIPAddress: { id: pipNeu1.id }
        }
      }
      {
        name: 'ipconfig-02'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: { id: '${vnetNeu.id}/subnets/GatewaySubnet' }
          publicIPAddress: { id: pipNeu2.id }
        }
      }
    ]
  }
}

resource connection 'Microsoft.Network/connections@2024-05-01' = {
  name: 'cn-vgw-hub-weu-to-vgw-hub-neu'
  location: location
  properties: {
    connectionType: 'Vnet2Vnet'
    connectionProtocol: 'IKEv2'
    virtualNetworkGateway1: { id: gateway.id }
    virtualNetworkGateway2: { id: gatewayNeu.id }
    sharedKey: vpnSharedKey
    enableBgp: true
    dpdTimeoutSeconds: 45
    usePolicyBasedTrafficSelectors: false
    ipsecPolicies: [
      {
        saLifeTimeSeconds: 27000
        saDataSizeKilobytes: 102400000
        ipsecEncryption: 'GCMAES256'
        ipsecIntegrity: 'GCMAES256'
        ikeEncryption: 'AES256'
        ikeIntegrity: 'SHA256'
        dhGroup: 'DHGroup14'
        pfsGroup: 'PFS2048'
      }
    ]
  }
}

resource connectionNeu 'Microsoft.Network/connections@2024-05-01' = {
  name: 'cn-vgw-hub-neu-to-vgw-hub-weu'
  location: location
  properties: {
    connectionType: 'Vnet2Vnet'
    connectionProtocol: 'IKEv2'
    virtualNetworkGateway1: { id: gatewayNeu.id }
    virtualNetworkGateway2: { id: gateway.id }
    sharedKey: vpnSharedKey
    enableBgp: true
    dpdTimeoutSeconds: 45
    usePolicyBasedTrafficSelectors: false
    ipsecPolicies: [
      {
        saLifeTimeSeconds: 27000
        saDataSizeKilobytes: 102400000
        ipsecEncryption: 'GCMAES256'
        ipsecIntegrity: 'GCMAES256'
        ikeEncryption: 'AES256'
        ikeIntegrity: 'SHA256'
        dhGroup: 'DHGroup14'
        pfsGroup: 'PFS2048'
      }
    ]
  }
}
