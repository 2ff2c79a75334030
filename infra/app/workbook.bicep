// The operator's view in the portal: one shared workbook over Application Insights, built from
// workbook.json (layout) and queries/*.kql (the queries docs/monitoring.md shows, word for word).
// tests/unit/test_infra_workbook.py assembles it the same way and checks it.
param location string = resourceGroup().location
param tags object = {}
param applicationInsightsName string
@description('Host name of the function app, for the orchestration-history links.')
param functionAppHost string
param displayName string = 'AKS provisioning'

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Every query starts with the shared app_events function (customDimensions or message JSON).
var appEvents = loadTextContent('queries/app_events.kql')
var queries = {
  attempts_over_time: '${appEvents}${loadTextContent('queries/attempts_over_time.kql')}'
  failures_by_category: '${appEvents}${loadTextContent('queries/failures_by_category.kql')}'
  duration_percentiles: '${appEvents}${loadTextContent('queries/duration_percentiles.kql')}'
  stuck_attempts: '${appEvents}${loadTextContent('queries/stuck_attempts.kql')}'
  preflight_failures: '${appEvents}${loadTextContent('queries/preflight_failures.kql')}'
  lifecycle_operations: '${appEvents}${loadTextContent('queries/lifecycle_operations.kql')}'
  partial_cancels: '${appEvents}${loadTextContent('queries/partial_cancels.kql')}'
  task_history: '${appEvents}${loadTextContent('queries/task_history.kql')}'
}
var layout = loadJsonContent('workbook.json')
var queryItems = map(layout.queryItems, item => union(item, {
  content: union(item.content, { query: queries[item.name] })
}))
var notebook = union(layout.notebook, {
  items: concat(layout.header, queryItems, layout.footer)
  fallbackResourceIds: [
    applicationInsights.id
  ]
})

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name must be a GUID; this one is stable per resource group.
  name: guid(resourceGroup().id, 'aks-provisioning-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: toLower(applicationInsights.id)
    serializedData: replace(string(notebook), '__FUNCTION_APP_HOST__', functionAppHost)
  }
}

output workbookId string = workbook.id
output portalUrl string = '${environment().portal}/#@${tenant().tenantId}/resource${workbook.id}/workbook'
