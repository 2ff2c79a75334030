// Entry point for `azd up`: one resource group with the function app, its storage,
// monitoring and identity, plus the identity's role on the AKS target resource group.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds the resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region of every resource here; it must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID); gets data roles on the storage account for debugging. Empty: none.')
param principalId string = ''

@minLength(36)
@maxLength(36)
@description('Application (client) id of the Entra app registration used by App Service Authentication.')
param authClientId string

@description('Tenant of that app registration. Empty: the tenant of this subscription.')
param authTenantId string = ''

@maxLength(90)
@description('Resource group where the app creates and deletes AKS clusters. Empty: rg-<environmentName>-aks.')
param aksResourceGroupName string = ''

@description('Create (or update the tags of) the AKS resource group in this region. Set false to use an existing one elsewhere.')
param createAksResourceGroup bool = true

@description('Where the failed-operations and stuck-attempts alerts are e-mailed. Empty: they fire without an action group.')
param alertEmail string = ''

@description('Export log fields as customDimensions with OpenTelemetry (costs worker start-up time; docs/monitoring.md). False: queries read the message JSON.')
param exportTelemetryDimensions bool = true

@allowed([
  'azureStorage'
  'durableTaskScheduler'
])
@description('Where Durable Functions keeps orchestration state: the storage account, or a Durable Task Scheduler (README "When to switch to the Durable Task Scheduler"). A switch starts an empty task hub.')
param durableBackend string = 'azureStorage'

@allowed([
  'Consumption'
  'Dedicated'
])
@description('SKU of the Durable Task Scheduler (durableBackend durableTaskScheduler only).')
param durableTaskSchedulerSku string = 'Consumption'

@minValue(1)
@maxValue(3)
@description('Capacity units of a Dedicated Durable Task Scheduler.')
param durableTaskSchedulerCapacity int = 1

// Flex Consumption has no fixed outbound addresses, so the default admits every address and
// access rests on the Entra role alone. An empty list would deny the app too.
@minLength(1)
@description('Addresses (IPv4, IPv6 or CIDR) that may reach the Durable Task Scheduler.')
param durableTaskSchedulerIpAllowlist array = [
  '0.0.0.0/0'
]

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var effectiveAuthTenantId = !empty(authTenantId) ? authTenantId : tenant().tenantId
var effectiveAksResourceGroupName = !empty(aksResourceGroupName) ? aksResourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}-aks'
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var usesDurableTaskScheduler = durableBackend == 'durableTaskScheduler'
// host.json's hubName: the Scheduler's task hub carries the same name as the storage one.
var durableTaskHubName = 'AksProvisioningHub'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// Holds the users' clusters. Not tagged azd-env-name: it outlives the app by intent. Note that
// `azd down` still deletes every resource group this deployment touched (the role assignment
// below lives here), clusters included; see the README.
resource aksRg 'Microsoft.Resources/resourceGroups@2024-03-01' = if (createAksResourceGroup) {
  name: effectiveAksResourceGroupName
  location: location
  tags: {
    'aks-provisioning-env': environmentName
  }
}

module identity 'core/identity/user-assigned-identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentStorageContainerName
    tableName: 'JobState'
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module durableTaskScheduler 'app/durable-task-scheduler.bicep' = if (usesDurableTaskScheduler) {
  name: 'durableTaskScheduler'
  scope: rg
  params: {
    name: '${abbrs.durableTaskSchedulers}${resourceToken}'
    location: location
    tags: tags
    taskHubName: durableTaskHubName
    skuName: durableTaskSchedulerSku
    capacity: durableTaskSchedulerCapacity
    ipAllowlist: durableTaskSchedulerIpAllowlist
    managedIdentityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    jobStateTableName: storage.outputs.tableName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    authClientId: authClientId
    authTenantId: effectiveAuthTenantId
    exportTelemetryDimensions: exportTelemetryDimensions
    durableBackend: durableBackend
    durableTaskSchedulerEndpoint: usesDurableTaskScheduler ? durableTaskScheduler!.outputs.endpoint : ''
    durableTaskHubName: durableTaskHubName
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    managedIdentityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
  }
}

module aksRbac 'app/aks-rbac.bicep' = {
  name: 'aksRbac'
  scope: resourceGroup(effectiveAksResourceGroupName)
  params: {
    managedIdentityPrincipalId: identity.outputs.principalId
    environmentName: environmentName
  }
  dependsOn: [
    aksRg
  ]
}

module preflightRbac 'app/preflight-rbac.bicep' = {
  name: 'preflightRbac'
  params: {
    managedIdentityPrincipalId: identity.outputs.principalId
    environmentName: environmentName
  }
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    failedOperationsAlertName: '${abbrs.insightsScheduledQueryRules}failed-operations-${resourceToken}'
    stuckAttemptsAlertName: '${abbrs.insightsScheduledQueryRules}stuck-attempts-${resourceToken}'
    actionGroupName: '${abbrs.insightsActionGroups}${resourceToken}'
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    alertEmail: alertEmail
  }
}

module workbook 'app/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    functionAppHost: api.outputs.hostName
  }
}

// azd reads these into the environment (.azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AUTH_CALLBACK_URL string = '${api.outputs.uri}/.auth/login/aad/callback'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AKS_RESOURCE_GROUP string = effectiveAksResourceGroupName
output MONITORING_WORKBOOK_URL string = workbook.outputs.portalUrl
output DURABLE_BACKEND string = durableBackend
output DURABLE_TASK_SCHEDULER_DASHBOARD_URL string = usesDurableTaskScheduler ? durableTaskScheduler!.outputs.dashboardUrl : ''
