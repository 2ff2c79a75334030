// Alert on the rate of failed provisions: more than `threshold` attempts finished with
// outcome "failed" in the last 15 minutes, evaluated every 5 minutes over Application Insights.
param alertRuleName string
param actionGroupName string
param location string = resourceGroup().location
param tags object = {}
param applicationInsightsName string
@description('Address the alert is e-mailed to; empty: no action group.')
param alertEmail string = ''
param threshold int = 5

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'aksprov'
    enabled: true
    emailReceivers: [
      {
        name: 'owner'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// The app logs one trace per attempt event whose message starts with the event name and
// ends with a JSON object of its fields (docs/monitoring.md). The Python worker does not forward
// logging `extra` fields to customDimensions, so fields are parsed from the message; if the
// app later exports logs with OpenTelemetry, customDimensions carries them and is used instead.
// sum(itemCount) undoes Application Insights sampling.
var failedAttemptsQuery = '''
traces
| where message startswith "attempt_finished"
| extend fields = iff(isnotempty(tostring(customDimensions.event)), customDimensions, parse_json(extract(@"(\{.*\})\s*$", 1, message)))
| where tostring(fields.event) == "attempt_finished" and tostring(fields.outcome) == "failed"
| summarize failures = sum(itemCount)
'''

resource failedProvisionsAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: alertRuleName
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'AKS provisioning: failed provisions'
    description: 'More than ${threshold} AKS provision attempts failed in 15 minutes. See docs/monitoring.md for the failures-by-category query.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: failedAttemptsQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThan'
          threshold: threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: empty(alertEmail) ? [] : [
        actionGroup.id
      ]
    }
  }
}

output alertRuleId string = failedProvisionsAlert.id
