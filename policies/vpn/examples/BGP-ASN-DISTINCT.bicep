resource onPremises 'Microsoft.Network/localNetworkGateways@2024-05-01' = {
  name: 'lgw-dc-ams'
  location: location
  properties: {
    gatewayIpAddress: onPremGatewayIp
    localNetworkAddressSpace: { addressPrefixes: ['172.16.0.0/16'] } // the on-premises ranges
    bgpSettings: { asn: 65050, bgpPeeringAddress: '172.16.255.254' } // an ASN other than the gateway's 65010
  }
}
