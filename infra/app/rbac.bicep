// Role assignments. Every assignment is named guid(scope, principal, role), so re-deploying finds the same
// assignment instead of creating a duplicate.
// Built-in role ids: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
// Roles the Functions host needs for identity-based AzureWebJobsStorage:
//   https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity

@description('Storage account holding host state, the deployment package and the SCIM table.')
param storageAccountName string

@description('Application Insights component the app sends telemetry to with Entra authentication.')
param applicationInsightsName string

@description('Principal (object) id of the function app\'s user-assigned managed identity.')
param appPrincipalId string

@description('Object id of the operator running the deployment; empty skips the deployer assignment.')
param deployerPrincipalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Blob Data Owner: host keys, leases and the Flex deployment package. Queue Data Contributor: host internals, and
// event delivery (lib/delivery: creates a queue subscription's queue if absent and sends to it, SCIM_QUEUE_ENDPOINT);
// a queue data role grants queue data only, nothing of the account's blobs, tables or settings.
// Table Data Contributor: the SCIM data (SCIM_TABLE_ENDPOINT / SCIM_TABLE_NAME) and the activity and delivery tables.
var appStorageRoles = [
  roleIds.storageBlobDataOwner
  roleIds.storageQueueDataContributor
  roleIds.storageTableDataContributor
]

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

// The queue service alone: the narrowest scope that still covers queues created later by name.
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource appStorageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in appStorageRoles: {
    name: guid(storageAccount.id, appPrincipalId, roleId)
    scope: storageAccount
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Application Insights with local auth disabled accepts telemetry only from identities holding this role.
resource appMonitoringRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, roleIds.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The operator's own identity creates and rotates tenant tokens with the tenants CLI (DefaultAzureCredential).
resource deployerTableRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(storageAccount.id, deployerPrincipalId, roleIds.storageTableDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// The operator's CLI creates queue subscriptions (`npm run tenants -- subscribe --queue …`), which creates the queue:
// queue data on the queue service only (no blobs, no account settings).
resource deployerQueueRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(queueService.id, deployerPrincipalId, roleIds.storageQueueDataContributor)
  scope: queueService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}
