// Parameters for main.bicep. infra/deploy.sh sets the environment variables; you can also export them yourself and
// run what-if or a deployment by hand:
//   SCIM_ENV_NAME=contoso SCIM_DEPLOYER_PRINCIPAL_ID=$(az ad signed-in-user show --query id -o tsv) \
//     az deployment group what-if -g rg-contoso --parameters infra/main.bicepparam
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/parameter-files
using './main.bicep'

param environmentName = readEnvironmentVariable('SCIM_ENV_NAME', 'scim')
param deployerPrincipalId = readEnvironmentVariable('SCIM_DEPLOYER_PRINCIPAL_ID', '')
param deployerPrincipalType = readEnvironmentVariable('SCIM_DEPLOYER_PRINCIPAL_TYPE', 'User')
param scimTableName = readEnvironmentVariable('SCIM_TABLE_NAME', 'scim')
param maximumInstanceCount = int(readEnvironmentVariable('SCIM_MAX_INSTANCES', '40'))
