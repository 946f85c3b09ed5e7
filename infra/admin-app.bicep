// The app registration operators sign in with (App Service Authentication in front of manage/* and the console),
// with the Microsoft Graph Bicep extension like entra.bicep. It defines one app role; only principals assigned to it
// (the operators' group) can sign in at all (appRoleAssignmentRequired), and the app checks the role again
// (SCIM_ADMIN_ROLE). No client secret: App Service Authentication signs in with ID tokens (implicit ID token issuance).
//   applications:        https://learn.microsoft.com/graph/templates/bicep/reference/applications
//   servicePrincipals:   https://learn.microsoft.com/graph/templates/bicep/reference/serviceprincipals
//   App Service + Entra: https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad
//
// Deployed by infra/deploy.sh after main.bicep (it needs the app's host name for the sign-in callback):
//   az deployment group create -g <rg> -n scim-admin-app -f infra/admin-app.bicep \
//     -p environmentName=<env> hostName=<defaultHostName> operatorsGroupId=<group objectId>
extension microsoftGraphV1

@description('Name of the environment; names the app registration.')
param environmentName string

@description('Default host name of the function app (the sign-in callback is https://<host>/.auth/login/aad/callback).')
param hostName string

@description('Object id of the Entra group whose members operate the console and admin API; empty assigns nobody yet.')
param operatorsGroupId string = ''

@description('Value of the operators\' app role (SCIM_ADMIN_ROLE in the app).')
param adminRole string = 'Scim.Operator'

// Fixed, so that re-deploying keeps the same role (and its assignments).
var operatorRoleId = '5d3c1a8e-2f4b-4c57-9a0e-6b1f7c2d9e41'

resource adminApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: 'scim-admin-${environmentName}'
  displayName: 'SCIM console (${environmentName})'
  signInAudience: 'AzureADMyOrg'
  appRoles: [
    {
      id: operatorRoleId
      value: adminRole
      displayName: 'SCIM operator'
      description: 'Operates the SCIM service: tenants, tokens, activity (console and manage/* API).'
      allowedMemberTypes: [
        'User'
      ]
      isEnabled: true
    }
  ]
  web: {
    redirectUris: [
      'https://${hostName}/.auth/login/aad/callback'
    ]
    implicitGrantSettings: {
      enableIdTokenIssuance: true
    }
  }
}

resource adminServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: adminApp.appId
  appRoleAssignmentRequired: true
}

resource operatorsAssignment 'Microsoft.Graph/appRoleAssignedTo@v1.0' = if (!empty(operatorsGroupId)) {
  principalId: operatorsGroupId
  resourceId: adminServicePrincipal.id
  appRoleId: operatorRoleId
}

output clientId string = adminApp.appId
