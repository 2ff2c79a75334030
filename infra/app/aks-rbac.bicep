// Deployed at the AKS target resource group: lets the function app's identity create,
// read, abort and delete managed clusters there, and nowhere else.
//
// "Azure Kubernetes Service Contributor Role" grants Microsoft.ContainerService/managedClusters/*
// and resource group read, which covers create / get / delete / abort with the default
// networking and a system-assigned cluster identity (AKS itself creates the MC_ node group).
// Clusters that join a custom VNet or use a user-assigned cluster identity would also need
// "Network Contributor" on the subnet and "Managed Identity Operator" on that identity;
// the app does not create such clusters, so they are not granted.
param managedIdentityPrincipalId string

var aksContributor = 'ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8'

resource aksContributorAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, managedIdentityPrincipalId, aksContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', aksContributor)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}
