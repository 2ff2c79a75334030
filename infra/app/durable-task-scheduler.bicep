// Durable Functions state in a Durable Task Scheduler instead of the storage account: the
// scheduler, its task hub, and the one data role both the app and the deploying user need.
// main.bicep deploys this only with durableBackend 'durableTaskScheduler'; README "When to
// switch to the Durable Task Scheduler" says when that pays and what was verified.
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Task hub the app uses; api.bicep points host.json\'s hubName at it.')
param taskHubName string

@allowed([
  'Consumption'
  'Dedicated'
])
@description('Consumption: pay per action, up to 500 actions/s. Dedicated: capacity units of 2,000 actions/s each.')
param skuName string = 'Consumption'

@minValue(1)
@maxValue(3)
@description('Capacity units; only the Dedicated SKU takes them.')
param capacity int = 1

// An empty list denies every caller, the app included, so at least one entry is required.
@minLength(1)
@description('Addresses (IPv4, IPv6 or CIDR) that may reach the scheduler.')
param ipAllowlist array

param managedIdentityPrincipalId string
@description('Object id of the deploying user, for the scheduler\'s dashboard; empty: no user role.')
param userPrincipalId string = ''

// Built-in role "Durable Task Data Contributor": every data action on schedulers and task hubs.
var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    ipAllowlist: ipAllowlist
    sku: skuName == 'Dedicated' ? {
      name: skuName
      capacity: capacity
    } : {
      name: skuName
    }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

// On the scheduler (it holds this app's task hub only): the app runs orchestrations, activities
// and the management API through it.
resource identityDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scheduler.id, managedIdentityPrincipalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The dashboard signs the user in with Entra ID and shows only what this role allows.
resource userDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(scheduler.id, userPrincipalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: userPrincipalId
  }
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
output dashboardUrl string = taskHub.properties.dashboardUrl
