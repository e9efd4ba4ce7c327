@secure()
@description('From Key Vault, e.g. in the parameter file: "reference": { "keyVault": { "id": ... }, "secretName": ... }')
param vpnSharedKey string

resource connection 'Microsoft.Network/connections@2024-05-01' = {
  name: 'cn-vgw-hub-weu-to-dc-ams'
  location: location
  properties: {
    connectionType: 'IPsec'
    connectionProtocol: 'IKEv2'
    virtualNetworkGateway1: { id: gateway.id, properties: {} }
    localNetworkGateway2: { id: onPremises.id, properties: {} }
    sharedKey: vpnSharedKey // a secure parameter, never a literal; one key per connection
    enableBgp: true
    dpdTimeoutSeconds: 45
    ipsecPolicies: [
      {
        saLifeTimeSeconds: 27000
        saDataSizeKilobytes: 102400000
        ipsecEncryption: 'GCMAES256'
        ipsecIntegrity: 'GCMAES256'
        ikeEncryption: 'GCMAES256'
        ikeIntegrity: 'SHA384'
        dhGroup: 'DHGroup24'
        pfsGroup: 'PFS24'
      }
    ]
  }
}
