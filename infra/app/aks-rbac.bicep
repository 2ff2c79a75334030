// Deployed at the AKS target resource group: a custom role with exactly the actions the app
// uses on clusters there (create, read, stop, start, scale, upgrade, abort, delete, add,
// autoscale or delete a node pool, and the node CPU metrics the cost guardrails' idle rule
// reads), assigned to the function app's identity. Least privilege: no credentials, no
// run-command, nothing outside this resource group.
//
// Clusters that join a custom VNet or use a user-assigned cluster identity would also need
// "Network Contributor" on the subnet and "Managed Identity Operator" on that identity;
// the app does not create such clusters, so they are not granted.
param managedIdentityPrincipalId string

@description('Seeds the role name so two environments in one subscription do not collide.')
param environmentName string

// Keep in sync with README "Azure deployment: roles" (tests/unit/test_infra_roles.py checks both).
var clusterActions = [
  'Microsoft.ContainerService/managedClusters/read'
  'Microsoft.ContainerService/managedClusters/write'
  'Microsoft.ContainerService/managedClusters/delete'
  'Microsoft.ContainerService/managedClusters/start/action'
  'Microsoft.ContainerService/managedClusters/stop/action'
  'Microsoft.ContainerService/managedClusters/abort/action'
  'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action'
  'Microsoft.ContainerService/managedClusters/agentPools/read'
  'Microsoft.ContainerService/managedClusters/agentPools/write'
  'Microsoft.ContainerService/managedClusters/agentPools/delete'
  'Microsoft.ContainerService/managedClusters/upgradeProfiles/read'
  'Microsoft.ContainerService/locations/operations/read'
  'Microsoft.ContainerService/locations/operationresults/read'
  'Microsoft.Resources/subscriptions/resourceGroups/read'
  // Cost guardrails: node CPU of a guarded cluster (Azure Monitor platform metrics).
  'Microsoft.Insights/metrics/read'
]

resource clusterOperator 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'aks-provisioning-cluster-operator', environmentName)
  properties: {
    roleName: 'AKS provisioning cluster operator (${environmentName})'
    description: 'Create, read, stop, start, scale, upgrade, abort and delete AKS clusters in this resource group, and read their metrics.'
    type: 'CustomRole'
    permissions: [
      {
        actions: clusterActions
        notActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource clusterOperatorAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, managedIdentityPrincipalId, clusterOperator.id)
  properties: {
    roleDefinitionId: clusterOperator.id
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Built-in roles: what the app may hand out, and the role that lets it (narrowed below).
var aksRbacClusterAdmin = 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b' // Azure Kubernetes Service RBAC Cluster Admin
var aksClusterUser = '4abbcc35-e782-43d8-92c5-2d3f1bd2253f' // Azure Kubernetes Service Cluster User Role
var rbacAdministrator = 'f58310d9-a9f6-439a-9e8d-f62e7b41a168' // Role Based Access Control Administrator

// "Constrain roles and principal types": write (request attributes) and delete (resource
// attributes) only for the two roles above, only to users. Keep identical to
// provisioning/clusters/access_grants.py delegation_condition() (tests/unit/test_infra_roles.py).
var delegationCondition = '((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/write\'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b, 4abbcc35-e782-43d8-92c5-2d3f1bd2253f} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'User\'})) AND ((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/delete\'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b, 4abbcc35-e782-43d8-92c5-2d3f1bd2253f} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'User\'}))'

resource accessDelegation 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, managedIdentityPrincipalId, rbacAdministrator)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbacAdministrator)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'Grant (and remove) only ${aksRbacClusterAdmin} and ${aksClusterUser}, only to users: a cluster creator\'s access.'
    condition: delegationCondition
    conditionVersion: '2.0'
  }
}

output roleDefinitionId string = clusterOperator.id
