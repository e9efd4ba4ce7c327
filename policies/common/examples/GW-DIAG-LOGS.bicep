resource gatewayDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag-vgw-hub-weu'
  scope: gateway
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [for category in ['GatewayDiagnosticLog', 'TunnelDiagnosticLog', 'RouteDiagnosticLog', 'IKEDiagnosticLog']: {
      category: category
      enabled: true
    }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}
