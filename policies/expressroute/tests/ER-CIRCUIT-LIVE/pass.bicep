metadata description = 'A circuit as a template declares it: whether the provider provisioned it is known only from live data (not applicable).'

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
