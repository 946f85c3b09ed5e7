// Role assignments, each as narrow as what uses it. Every assignment is named guid(scope, principal, role), so
// re-deploying finds the same assignment instead of creating a duplicate.
// Built-in role ids: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
// Roles the Functions host needs for identity-based AzureWebJobsStorage:
//   https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
// Data roles scoped to a table or queue: https://learn.microsoft.com/azure/storage/tables/assign-azure-role-data-access

@description('Storage account holding host state, the deployment package and the SCIM tables.')
param storageAccountName string

@description('The tables the app reads and writes (SCIM data, activity log, event delivery): Table Data Contributor on each, not the account.')
param tableNames array

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

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' existing = [
  for table in tableNames: {
    parent: tableService
    name: table
  }
]

// The queue service alone: the narrowest scope that still covers queues created later by name (a queue
// subscription's queue is created when the operator subscribes, so no list of queues exists at deploy time).
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Blob Data Owner on the account: the Functions host creates and uses its own containers (azure-webjobs-hosts,
// azure-webjobs-secrets) and reads the Flex deployment package; it cannot be narrowed to containers that do not exist yet.
resource appBlobRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, appPrincipalId, roleIds.storageBlobDataOwner)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Table Data Contributor on each table the app uses (SCIM_TABLE_NAME and its activity and delivery tables), not on the account.
resource appTableRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (table, i) in tableNames: {
    name: guid(tables[i].id, appPrincipalId, roleIds.storageTableDataContributor)
    scope: tables[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Queue Data Contributor on the queue service, not the account: event delivery (lib/delivery) creates a queue
// subscription's queue if absent and sends to it (SCIM_QUEUE_ENDPOINT); a queue data role grants nothing else.
resource appQueueRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queueService.id, appPrincipalId, roleIds.storageQueueDataContributor)
  scope: queueService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

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

// Temporary: the operator's own identity creates the first tenant token with the tenants CLI (DefaultAzureCredential),
// on the SCIM table only. deploy.sh prints the command that removes it; rotate-token.sh needs it again.
resource deployerTableRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(tables[0].id, deployerPrincipalId, roleIds.storageTableDataContributor)
  scope: tables[0]
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
