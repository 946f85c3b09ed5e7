// Microsoft Entra side, in Bicep where the Microsoft Graph Bicep extension can express it.
//
// The enterprise application itself is instantiated from the non-gallery application template with az rest (the
// Graph extension has no type for applicationTemplates/instantiate, and applicationTemplateId is read-only on
// applications), and the synchronization (provisioning) job has no Bicep type either; infra/deploy.sh handles both.
// What Bicep can express is the assignment that puts a group in the provisioning scope ("assigned users and groups").
//
//   Graph Bicep extension:        https://learn.microsoft.com/graph/templates/bicep/overview-bicep-templates-for-graph
//   servicePrincipals (existing): https://learn.microsoft.com/graph/templates/bicep/reference/serviceprincipals
//   appRoleAssignedTo:            https://learn.microsoft.com/graph/templates/bicep/reference/approleassignedto
//   Same call over REST:          https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto
//
// Deployed by infra/deploy.sh --group <objectId>:
//   az deployment group create -g <rg> -n scim-entra-assignment -f infra/entra.bicep \
//     -p appId=<appId> groupId=<group objectId> appRoleId=<app role id>
// Needs bicepconfig.json (alias microsoftGraphV1) and Bicep >= 0.36.1.
extension microsoftGraphV1

@description('appId (client id) of the enterprise application instantiated from the non-gallery template.')
param appId string

@description('Object id of the Entra group whose members are provisioned.')
param groupId string

@description('App role granted to the group. The non-gallery template defines "User" and "msiam_access"; deploy.sh picks one.')
param appRoleId string

resource scimServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: appId
}

resource groupAssignment 'Microsoft.Graph/appRoleAssignedTo@v1.0' = {
  principalId: groupId
  resourceId: scimServicePrincipal.id
  appRoleId: appRoleId
}

output assignmentId string = groupAssignment.id
output servicePrincipalId string = scimServicePrincipal.id
