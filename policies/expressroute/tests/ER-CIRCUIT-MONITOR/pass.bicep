metadata description = 'A circuit with a metric alert on its BGP availability.'

param location string = 'westeurope'
param actionGroupId string = '/subscriptions/6d3f5c2a-1b4e-4f7a-9c8d-2e5f1a3b7c90/resourceGroups/rg-monitor-weu/providers/Microsoft.Insights/actionGroups/ag-network-oncall'

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

resource circuitBgpAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-erc-weu-ams-equinix-bgp'
  location: 'global'
  properties: {
    description: 'BGP availability of the circuit below 100 %'
    severity: 1
    enabled: true
    scopes: [circuitAms.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: 'bgp-availability'
          metricName: 'BgpAvailability'
          metricNamespace: 'Microsoft.Network/expressRouteCircuits'
          operator: 'LessThan'
          threshold: 100
          timeAggregation: 'Average'
          criterionType: 'StaticThresholdCriterion'
        }
      ]
    }
    actions: [
      { actionGroupId: actionGroupId }
    ]
  }
}
