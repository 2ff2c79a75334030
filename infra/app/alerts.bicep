// Two log alerts over Application Insights, both from the shared queries (queries/*.kql, the
// ones docs/monitoring.md shows): failed operations of every type, one alert per task_type and
// trigger (user, or the cost guardrail: idle, schedule, expiry), and attempts stuck past the
// deadline.
param failedOperationsAlertName string
param stuckAttemptsAlertName string
param actionGroupName string
param location string = resourceGroup().location
param tags object = {}
param applicationInsightsName string
@description('Address the alerts are e-mailed to; empty: no action group.')
param alertEmail string = ''
@description('Failed operations of one type in 15 minutes above which the alert fires.')
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

var appEvents = loadTextContent('queries/app_events.kql')
var failedOperationsQuery = '${appEvents}${loadTextContent('queries/alert_failed_operations.kql')}'
// The workbook's stuck-attempts table, counted.
var stuckAttemptsQuery = '${appEvents}${loadTextContent('queries/stuck_attempts.kql')}| summarize stuck = count()\n'
var actionGroups = empty(alertEmail) ? [] : [
  actionGroup.id
]

resource failedOperationsAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: failedOperationsAlertName
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'AKS provisioning: failed operations'
    description: 'More than ${threshold} operations of one type (aks_provision, aks_delete, aks_stop, aks_start, aks_scale, aks_upgrade) failed in 15 minutes, counted per trigger (user, idle, schedule, expiry). Start with the workbook\'s failures by category (docs/monitoring.md).'
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
          query: failedOperationsQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          dimensions: [
            {
              name: 'task_type'
              operator: 'Include'
              values: [
                '*'
              ]
            }
            {
              name: 'trigger'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
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
      actionGroups: actionGroups
    }
  }
}

resource stuckAttemptsAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: stuckAttemptsAlertName
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'AKS provisioning: attempts stuck past the deadline'
    description: 'An operation was accepted more than the deadline (PROVISION_DEADLINE_MINUTES) ago and never finished. The workbook\'s stuck attempts table lists them; follow each task id to its orchestration history (docs/monitoring.md).'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    // The query looks back 2 days itself; the window must cover that.
    evaluationFrequency: 'PT30M'
    windowSize: 'P2D'
    criteria: {
      allOf: [
        {
          query: stuckAttemptsQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'stuck'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroups
    }
  }
}

output failedOperationsAlertId string = failedOperationsAlert.id
output stuckAttemptsAlertId string = stuckAttemptsAlert.id
