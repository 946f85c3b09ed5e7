// App Service Authentication (authsettingsV2) on the function app: Microsoft Entra ID sign-in in front of the
// operator console and the manage/* admin API. The SCIM API (Entra's bearer tokens, checked by the app) and the
// automation/* twins of the admin API (a named function key, checked by the Functions host) are excluded paths.
// The platform then injects X-MS-CLIENT-PRINCIPAL, strips any copy a client sends, and sets WEBSITE_AUTH_ENABLED;
// lib/auth/admin-access.ts requires the operators' app role in it (and refuses manage/* when auth is off).
//   authsettingsV2: https://learn.microsoft.com/azure/templates/microsoft.web/sites/config-authsettingsv2
//
// Deployed by infra/deploy.sh after infra/admin-app.bicep:
//   az deployment group create -g <rg> -n scim-admin-auth -f infra/app/admin-auth.bicep \
//     -p functionAppName=<app> adminAppClientId=<clientId>

@description('Name of the function app.')
param functionAppName string

@description('Client id of the admin app registration (infra/admin-app.bicep).')
param adminAppClientId string

// Every route that is not the console or manage/*, under the host.json route prefix. test/infra/bicep.test.ts checks
// that this list covers every registered non-admin route.
var anonymousPaths = [
  '/scim/v2/Users'
  '/scim/v2/Users/*'
  '/scim/v2/Groups'
  '/scim/v2/Groups/*'
  '/scim/v2/ServiceProviderConfig'
  '/scim/v2/Schemas'
  '/scim/v2/Schemas/*'
  '/scim/v2/ResourceTypes'
  '/scim/v2/ResourceTypes/*'
  '/scim/v2/oauth2/token' // Entra's OAuth client-credentials and federated token requests carry no sign-in
  '/scim/v2/automation/*'
]

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: anonymousPaths
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: adminAppClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            adminAppClientId
            'api://${adminAppClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: true
      }
    }
  }
}
