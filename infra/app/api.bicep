// The Flex Consumption plan and the function app that serves https://<defaultHostName>/scim/v2.
//
// Written as plain resources, following Azure/azure-quickstart-templates
// quickstarts/microsoft.web/function-app-flex-managed-identities, so every Flex setting is visible in one place.
//   Flex Consumption in Bicep:   https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to
//   functionAppConfig reference: https://learn.microsoft.com/azure/templates/microsoft.web/sites#functionappconfig
//   App settings on Flex (several classic settings such as FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION,
//   WEBSITE_RUN_FROM_PACKAGE and SCM_DO_BUILD_DURING_DEPLOYMENT are not used there; runtime and version live in
//   functionAppConfig): https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations

param name string
param planName string
param location string
param tags object

@description('Storage account for host state, the deployment package and the SCIM table.')
param storageAccountName string

@description('Blob container the Flex Consumption platform deploys the code package from.')
param deploymentStorageContainerName string

@description('Resource id of the user-assigned managed identity.')
param identityResourceId string

@description('Client id of the user-assigned managed identity (AZURE_CLIENT_ID for @azure/identity).')
param identityClientId string

param applicationInsightsName string
param scimTableName string
param instanceMemoryMB int
param maximumInstanceCount int

@description('Node.js major version of the Functions runtime (Node 20 reached end of life on 2026-04-30; the code also runs on 20 for local development and CI).')
param nodeVersion string = '22'

@description('Default per-tenant budget per instance and minute, in storage calls (SCIM_TENANT_REQUESTS_PER_MINUTE).')
param tenantRequestsPerMinute int

@description('App role operators need for manage/* (SCIM_ADMIN_ROLE); App Service Authentication (admin-auth.bicep) signs them in.')
param adminRole string

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// https://<account>.table.core.windows.net (no trailing slash), the form the app expects in SCIM_TABLE_ENDPOINT.
var tableEndpoint = 'https://${storageAccount.name}.table.${environment().suffixes.storage}'
// Event delivery to Storage Queues in the same account (SCIM_QUEUE_ENDPOINT), with the same identity.
var queueEndpoint = 'https://${storageAccount.name}.queue.${environment().suffixes.storage}'

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageAccount.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  // Everything is reached by managed identity: no account key, SAS or keyed connection string anywhere.
  // The Application Insights connection string only names the component (its instrumentation key is an identifier,
  // not a credential); with local auth disabled, ingestion needs the identity named in the authentication string.
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      AzureWebJobsStorage__accountName: storageAccount.name
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      AZURE_CLIENT_ID: identityClientId
      SCIM_TABLE_ENDPOINT: tableEndpoint
      SCIM_TABLE_NAME: scimTableName
      SCIM_TENANT_REQUESTS_PER_MINUTE: string(tenantRequestsPerMinute)
      SCIM_ADMIN_ROLE: adminRole
      SCIM_QUEUE_ENDPOINT: queueEndpoint
    }
  }

  // No FTP or basic-auth publishing credentials; deployments authenticate with Entra ID (az login).
  // https://learn.microsoft.com/azure/app-service/configure-basic-auth-disable
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output tableEndpoint string = tableEndpoint
