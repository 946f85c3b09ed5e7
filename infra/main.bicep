// scim-functions: the Azure side of the SCIM 2.0 service provider.
//
// Layout follows the official Azure Functions TypeScript quickstart (Azure-Samples/functions-quickstart-typescript-azd):
// Azure Verified Modules from the public registry where they fit, an abbreviations map for names, a user-assigned
// managed identity, role assignments named guid(scope, principal, role) and a storage account without shared keys.
//
// Deployed into an existing resource group by infra/deploy.sh:
//   az deployment group create -g <rg> -n scim-main --parameters infra/main.bicepparam
// Preview first with:
//   az deployment group what-if -g <rg> --parameters infra/main.bicepparam
//
// Docs:
//   Flex Consumption plan:        https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan
//   Flex Consumption how-to:      https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to
//   Identity-based host storage:  https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
//   Azure Verified Modules:       https://azure.github.io/Azure-Verified-Modules/indexes/bicep/bicep-resource-modules/
targetScope = 'resourceGroup'

metadata description = 'SCIM 2.0 service provider for Microsoft Entra ID provisioning on Azure Functions Flex Consumption'

@minLength(1)
@maxLength(64)
@description('Name of the environment (for example a customer name). Drives the unique resource token and the tags.')
param environmentName string

@description('Location for every resource. It must offer Flex Consumption: az functionapp list-flexconsumption-locations')
param location string = resourceGroup().location

@description('Object id of whoever runs the deployment. It gets Storage Table Data Contributor on the SCIM table only, so that the tenants CLI can create the first tenant token with the operator\'s az login identity; temporary: deploy.sh prints how to remove it, and rotate-token.sh needs it again. Leave empty to skip.')
param deployerPrincipalId string = ''

@description('Kind of principal in deployerPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

@description('Name of the table that holds the SCIM data (app setting SCIM_TABLE_NAME).')
@minLength(3)
@maxLength(63)
param scimTableName string = 'scim'

@description('Maximum number of instances the Flex Consumption app scales out to (40-1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each Flex Consumption instance.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Days Log Analytics keeps the function app\'s logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Default request budget of every tenant, per instance and minute, in storage calls (a request costs its storage calls, at least 1; 429 beyond). A tenant\'s own budget overrides it; 0 turns budgets off.')
@minValue(0)
param tenantRequestsPerMinute int = 6000

@description('App role (value) of the admin app registration that operators need for the console and manage/* (infra/admin-app.bicep defines it).')
param adminRole string = 'Scim.Operator'

// Optional name overrides; empty means "derive from the abbreviations map and the resource token".
param functionAppName string = ''
param appServicePlanName string = ''
param storageAccountName string = ''
param userAssignedIdentityName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'scim-functions'
}
var appName = !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}scim-${resourceToken}'
// One deployment container per app (Flex Consumption stores the code package there).
var deploymentStorageContainerName = 'app-package-${take(appName, 32)}-${take(toLower(uniqueString(appName, resourceToken)), 7)}'

// The identity the function app uses for everything: host storage, SCIM table, Application Insights.
module apiIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'apiIdentity'
  params: {
    name: !empty(userAssignedIdentityName) ? userAssignedIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}scim-${resourceToken}'
    location: location
    tags: tags
  }
}

// Storage for the Functions host, the deployment package and the SCIM data. Shared-key access is off, so every
// caller (the app, the host, the operator's CLI) authenticates with Microsoft Entra ID.
// https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent
module storage 'br/public:avm/res/storage/storage-account:0.27.1' = {
  name: 'storage'
  params: {
    name: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    kind: 'StorageV2'
    skuName: 'Standard_LRS'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    dnsEndpointType: 'Standard'
    // The app runs without a virtual network and the operator's CLI reaches the table from outside Azure, so the
    // firewall stays open; access still needs an Entra token and an RBAC role. (The module denies by default.)
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        {
          name: deploymentStorageContainerName
        }
      ]
    }
    tableServices: {
      tables: [
        {
          name: scimTableName
        }
        {
          // The per-tenant activity log (lib/activity): SCIM_ACTIVITY_TABLE_NAME defaults to '<SCIM_TABLE_NAME>activity'.
          name: '${scimTableName}activity'
        }
        {
          // Event delivery (lib/delivery): SCIM_DELIVERY_TABLE_NAME defaults to '<SCIM_TABLE_NAME>delivery'.
          name: '${scimTableName}delivery'
        }
      ]
    }
  }
}

// Monitoring: Application Insights on a Log Analytics workspace, so the function app's logs and requests land in
// the workspace. Local (key) auth is off on both; the app sends telemetry with its managed identity and readers use
// their Entra identity. A plain resource rather than the AVM module, which does not expose features.disableLocalAuth.
// https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication
// https://learn.microsoft.com/azure/azure-monitor/logs/azure-ad-authentication-logs
resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionInDays
    features: {
      disableLocalAuth: true
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

module monitoring 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'monitoring'
  params: {
    name: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.id
    disableLocalAuth: true
  }
}

// Role assignments for the app's identity and for the deployer.
module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  params: {
    storageAccountName: storage.outputs.name
    tableNames: [
      scimTableName
      '${scimTableName}activity'
      '${scimTableName}delivery'
    ]
    applicationInsightsName: monitoring.outputs.name
    appPrincipalId: apiIdentity.outputs.principalId
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
  }
}

// The Flex Consumption plan and the function app itself.
module api 'app/api.bicep' = {
  name: 'api'
  params: {
    name: appName
    planName: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    identityResourceId: apiIdentity.outputs.resourceId
    identityClientId: apiIdentity.outputs.clientId
    applicationInsightsName: monitoring.outputs.name
    scimTableName: scimTableName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    tenantRequestsPerMinute: tenantRequestsPerMinute
    adminRole: adminRole
  }
  dependsOn: [
    rbac
  ]
}

// Outputs read by infra/deploy.sh. None of them is a secret.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = apiIdentity.outputs.clientId
output SCIM_TABLE_ENDPOINT string = api.outputs.tableEndpoint
output SCIM_TABLE_NAME string = scimTableName
output SCIM_BASE_URL string = 'https://${api.outputs.defaultHostName}/scim/v2'
