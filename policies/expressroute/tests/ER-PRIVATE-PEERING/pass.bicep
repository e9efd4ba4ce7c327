metadata description = 'Circuit with an Azure private peering: two /30s, VLAN 210, on-premises ASN 65020.'

param location string = 'westeurope'

resource circuitAms 'Microsoft.Network/expressRouteCircuits@2024-05-01' = {
  name: 'erc-weu-ams-equinix'
  location: location
  sku: { name: 'Standard_MeteredData', tier: 'Standard', family: 'MeteredData' }
  properties: {
    allowClassicOperations: false
    serviceProviderProperties: {
      serviceProviderName: 'Equinix'
      peeringLocation: 'Amsterdam'
      bandwidthInMbps: 1000
    }
    peerings: [
      {
        name: 'AzurePrivatePeering'
        properties: {
          peeringType: 'AzurePrivatePeering'
          peerASN: 65020
          primaryPeerAddressPrefix: '192.168.200.0/30'
          secondaryPeerAddressPrefix: '192.168.200.4/30'
          vlanId: 210
          state: 'Enabled'
        }
      }
    ]
  }
}
