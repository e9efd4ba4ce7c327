// LNG-ENDPOINT: compliant example (the same deployment as pass.json)
metadata description = 'Local network gateway with the public IP of the on-premises VPN device'

param location string = 'westeurope'

resource onPrem 'Microsoft.Network/localNetworkGateways@2024-05-01' = {
  name: 'lgw-dc-ams'
  location: location
  properties: {
    gatewayIpAddress: '81.2.69.160'
    localNetworkAddressSpace: {
      addressPrefixes: ['172.16.0.0/16']
    }
    bgpSettings: { asn: 65050, bgpPeeringAddress: '172.16.255.254' }
  }
}
