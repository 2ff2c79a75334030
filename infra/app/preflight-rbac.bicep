// Deployed at the subscription: a custom read-only role with exactly what preflight and the
// options endpoint read (VM sizes, vCPU usage, locations, the ContainerService provider,
// Kubernetes versions, and the app's own permissions), assigned to the app's identity.
// Not Reader, not Contributor: nothing else in the subscription becomes readable.
targetScope = 'subscription'

param managedIdentityPrincipalId string

@description('Seeds the role name so two environments in one subscription do not collide.')
param environmentName string

// Keep in sync with README "Azure deployment: roles" (tests/unit/test_infra_roles.py checks both).
var preflightActions = [
  'Microsoft.Compute/skus/read'
  'Microsoft.Compute/locations/usages/read'
  'Microsoft.Resources/subscriptions/locations/read'
  'Microsoft.Resources/subscriptions/providers/read'
  'Microsoft.ContainerService/locations/kubernetesversions/read'
  'Microsoft.Authorization/permissions/read'
]

resource preflightReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'aks-provisioning-preflight-reader', environmentName)
  properties: {
    roleName: 'AKS provisioning preflight reader (${environmentName})'
    description: 'Read VM sizes, vCPU usage, locations, the ContainerService provider, Kubernetes versions and own permissions.'
    type: 'CustomRole'
    permissions: [
      {
        actions: preflightActions
        notActions: []
      }
    ]
    assignableScopes: [
      subscription().id
    ]
  }
}

resource preflightReaderAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, managedIdentityPrincipalId, preflightReader.id)
  properties: {
    roleDefinitionId: preflightReader.id
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output roleDefinitionId string = preflightReader.id
