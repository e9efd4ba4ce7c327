metadata description = 'An ExpressRoute Local circuit in Amsterdam (unlimited data) with its private peering and no Global Reach.'

param location string = 'westeurope'

resource circuitAms 'Microsoft.Network/expressRouteCircuits@2024-05-01' = {
  name: 'erc-weu-ams-equinix'
  location: location
  sku: { name: 'Local_UnlimitedData', tier: 'Local', family: 'UnlimitedData' }
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
