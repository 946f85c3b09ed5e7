#!/usr/bin/env bash
# Deploys scim-functions to Azure and connects a Microsoft Entra ID tenant to it, in one command:
#
#   infra/deploy.sh --env contoso [--group <Entra group object id>] [--start]
#
# 1. checks the tools and the az login;  2. creates the resource group (if missing);  3. deploys infra/main.bicep;
# 4. builds, packages and deploys the code;  5. creates (or finds) the Entra enterprise app from the non-gallery
# template and its provisioning job from the "scim" template;  6. writes the attribute mappings of
# infra/scim-mappings.json into the job's schema;  7. creates a tenant token with the tenants CLI, tests it with
# validateCredentials and saves it with the base URL as the job's secrets (sync only assigned users and groups) —
# or, with --auth oauth, an OAuth client (client credentials grant: client id, secret, token URL) instead of a token;
# 8. optionally assigns a group (infra/entra.bicep, Microsoft Graph Bicep extension) and starts the job.
# Between 4 and 5: the operators' sign-in (infra/admin-app.bicep: app registration with the Scim.Operator role;
# infra/app/admin-auth.bicep: App Service Authentication in front of manage/* and the console) and the named function
# key "automation" for scripts calling automation/*.
#
# Safe to re-run: every step looks before it creates, an unchanged schema is not written back, and a tenant token
# that Entra already holds and that still validates is kept (--rotate-token replaces it).
# --dry-run prints every command instead of running it (no Azure call is made).
#
# Graph docs for the calls below are cited in infra/lib/common.sh and infra/scripts/*.mjs; see also
# https://learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-configuration-api
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: infra/deploy.sh --env NAME [options]

  -e, --env NAME            environment name, e.g. the customer (lower-case letters, digits, dashes) [SCIM_ENV_NAME]
  -g, --resource-group RG   resource group (default rg-NAME)
  -l, --location REGION     region for a new resource group (default westeurope) [SCIM_LOCATION]
  -s, --subscription ID     Azure subscription (default: the az CLI's current one)
      --app-name NAME       display name of the Entra enterprise app (default "Looop SCIM (NAME)")
      --tenant-name NAME    SCIM tenant name for the token (default NAME)
      --group OBJECT_ID     assign this Entra group to the app (users and groups in scope: assigned only)
      --operators-group ID  Entra group whose members may sign in to the console and manage/* (Scim.Operator role)
      --start               start the provisioning job after configuring it
      --notify-email ADDR   e-mail Entra notifies when the job goes into quarantine
      --auth token|oauth    how Entra authenticates: a secret token (default), or OAuth 2.0 client
                            credentials (an OAuth client of the tenant; its secret tokens are then revoked)
      --rotate-token        issue a new tenant token (or OAuth client) even if Entra holds a working one
      --grace-seconds N     with --rotate-token: how long the previous token keeps working
      --skip-infra          don't redeploy main.bicep; use the outputs of its last deployment
      --skip-code           don't build and deploy the code package
      --dry-run             print the commands without running them
  -h, --help                this help
EOF
}

ENV_NAME=${SCIM_ENV_NAME:-}
RESOURCE_GROUP=""
LOCATION=${SCIM_LOCATION:-westeurope}
APP_DISPLAY_NAME=""
TENANT_NAME=""
GROUP_ID=""
OPERATORS_GROUP=""
START_JOB=0
NOTIFY_EMAIL=""
ROTATE_TOKEN=0
AUTH_MODE=${SCIM_AUTH_MODE:-token}
GRACE_SECONDS=""
SKIP_INFRA=0
SKIP_CODE=0

need_value() {
  if [ "$#" -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi
}
while [ "$#" -gt 0 ]; do
  case "$1" in
    -e | --env) need_value "$@"; ENV_NAME=$2; shift 2 ;;
    -g | --resource-group) need_value "$@"; RESOURCE_GROUP=$2; shift 2 ;;
    -l | --location) need_value "$@"; LOCATION=$2; shift 2 ;;
    -s | --subscription) need_value "$@"; SUB_ARGS=(--subscription "$2"); shift 2 ;;
    --app-name) need_value "$@"; APP_DISPLAY_NAME=$2; shift 2 ;;
    --tenant-name) need_value "$@"; TENANT_NAME=$2; shift 2 ;;
    --group) need_value "$@"; GROUP_ID=$2; shift 2 ;;
    --operators-group) need_value "$@"; OPERATORS_GROUP=$2; shift 2 ;;
    --start) START_JOB=1; shift ;;
    --notify-email) need_value "$@"; NOTIFY_EMAIL=$2; shift 2 ;;
    --rotate-token) ROTATE_TOKEN=1; shift ;;
    --auth) need_value "$@"; AUTH_MODE=$2; shift 2 ;;
    --grace-seconds) need_value "$@"; GRACE_SECONDS=$2; shift 2 ;;
    --skip-infra) SKIP_INFRA=1; shift ;;
    --skip-code) SKIP_CODE=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[ -n "$ENV_NAME" ] || { usage >&2; die "--env is required"; }
[[ "$ENV_NAME" =~ ^[a-z0-9][a-z0-9-]{0,31}$ ]] || die "--env must be lower-case letters, digits and dashes (max 32): $ENV_NAME"
[ "$AUTH_MODE" = token ] || [ "$AUTH_MODE" = oauth ] || die "--auth must be token or oauth"
[ -z "$GRACE_SECONDS" ] || [[ "$GRACE_SECONDS" =~ ^[0-9]+$ ]] || die "--grace-seconds must be a number"
[ -z "$GROUP_ID" ] || [[ "$GROUP_ID" =~ ^[0-9a-fA-F-]{36}$ ]] || die "--group takes the group's object id (a GUID)"
[ -z "$OPERATORS_GROUP" ] || [[ "$OPERATORS_GROUP" =~ ^[0-9a-fA-F-]{36}$ ]] || die "--operators-group takes the group's object id (a GUID)"
RESOURCE_GROUP=${RESOURCE_GROUP:-rg-$ENV_NAME}
APP_DISPLAY_NAME=${APP_DISPLAY_NAME:-"Looop SCIM ($ENV_NAME)"}
TENANT_NAME=${TENANT_NAME:-$ENV_NAME}
WORK_DIR=""
TOKEN_JSON=""

cleanup() {
  TOKEN_JSON=""
  if [ -n "$WORK_DIR" ]; then rm -rf "$WORK_DIR"; fi
}
trap cleanup EXIT

tools=(az node)
if [ "$SKIP_CODE" = 0 ]; then tools+=(npm zip); fi
if [ -z "${SCIM_TENANTS_CMD:-}" ]; then tools+=(npm); fi
require_tools "${tools[@]}"
[ "$DRY_RUN" = 1 ] && log "Dry run: printing the commands; nothing is changed and Azure is not called."

# ---------------------------------------------------------------------------------------------------------------
step "Azure login"
require_login
if [ "$DRY_RUN" = 1 ]; then
  DEPLOYER_ID='<your-object-id>'
  DEPLOYER_TYPE=User
elif [ "$SIGNED_IN_TYPE" = servicePrincipal ]; then
  DEPLOYER_ID=$(az ad sp show --id "$SIGNED_IN_NAME" --only-show-errors -o json | jget get .id)
  DEPLOYER_TYPE=ServicePrincipal
else
  DEPLOYER_ID=$(az ad signed-in-user show --only-show-errors -o json | jget get .id)
  DEPLOYER_TYPE=User
fi
[ -n "$DEPLOYER_ID" ] || die "could not read your Entra object id (az ad signed-in-user show)"

# ---------------------------------------------------------------------------------------------------------------
step "Resource group $RESOURCE_GROUP"
exists=$(read_cmd az group exists -n "$RESOURCE_GROUP" "${SUB_ARGS[@]}" --only-show-errors -o json)
if [ "$exists" = true ]; then
  log "exists; keeping it"
else
  run az group create -n "$RESOURCE_GROUP" -l "$LOCATION" "${SUB_ARGS[@]}" \
    --tags application=scim-functions "azd-env-name=$ENV_NAME" --only-show-errors -o none
fi

# ---------------------------------------------------------------------------------------------------------------
# Bicep: main.bicep via main.bicepparam, which reads these variables.
# Preview the same deployment with: az deployment group what-if -g <rg> --parameters infra/main.bicepparam
export SCIM_ENV_NAME=$ENV_NAME SCIM_DEPLOYER_PRINCIPAL_ID=$DEPLOYER_ID SCIM_DEPLOYER_PRINCIPAL_TYPE=$DEPLOYER_TYPE
OUTPUTS=""
if [ "$SKIP_INFRA" = 1 ]; then
  step "Azure resources: skipped (--skip-infra); reading the outputs of deployment $MAIN_DEPLOYMENT_NAME"
  OUTPUTS=$(deployment_outputs)
  [ -n "$OUTPUTS" ] || [ "$DRY_RUN" = 1 ] || die "no deployment $MAIN_DEPLOYMENT_NAME in $RESOURCE_GROUP; run without --skip-infra first"
else
  step "Azure resources (infra/main.bicep)"
  deployment=$(run az deployment group create -g "$RESOURCE_GROUP" -n "$MAIN_DEPLOYMENT_NAME" "${SUB_ARGS[@]}" \
    --parameters "$SCIM_INFRA_DIR/main.bicepparam" --only-show-errors -o json)
  OUTPUTS=$(printf '%s' "$deployment" | jget get .properties.outputs)
  [ -n "$OUTPUTS" ] || [ "$DRY_RUN" = 1 ] || die "the deployment returned no outputs"
fi
{
  read -r FUNCTION_APP
  read -r SCIM_BASE_URL
  read -r TABLE_ENDPOINT
  read -r STORAGE_ACCOUNT
} < <(printf '%s' "$OUTPUTS" | jget fields .AZURE_FUNCTION_APP_NAME.value .SCIM_BASE_URL.value .SCIM_TABLE_ENDPOINT.value .AZURE_STORAGE_ACCOUNT_NAME.value)
STORAGE_ACCOUNT=${STORAGE_ACCOUNT:-<storageAccount>}
FUNCTION_APP=${FUNCTION_APP:-<functionAppName>}
SCIM_BASE_URL=${SCIM_BASE_URL:-https://<functionAppName>.azurewebsites.net/scim/v2}
TABLE_ENDPOINT=${TABLE_ENDPOINT:-https://<storageAccount>.table.core.windows.net}
log "function app $FUNCTION_APP, SCIM base URL $SCIM_BASE_URL"

# ---------------------------------------------------------------------------------------------------------------
# Code: local build, production node_modules zipped in, no remote build. The TypeScript compile needs the dev
# dependencies anyway, `npm ci --omit=dev` installs exactly the lockfile's production tree, and our dependencies are
# plain JavaScript (no native addons), so the package runs unchanged on the Linux workers. (Flex also offers a remote
# build with --build-remote true: https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to)
# az CLI deploys to Flex with OneDeploy (/api/publish) authenticated by Entra ID; basic auth is disabled in api.bicep.
# https://learn.microsoft.com/cli/azure/functionapp/deployment/source#az-functionapp-deployment-source-config-zip
build_package() {
  WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/scim-deploy.XXXXXX")
  local staging="$WORK_DIR/package"
  PACKAGE="$WORK_DIR/scim-functions.zip"
  run_in "$SCIM_REPO_ROOT" npm ci --no-audit --no-fund
  run_in "$SCIM_REPO_ROOT" npm run build
  if [ "$DRY_RUN" = 1 ]; then
    log "[dry-run] copy host.json package.json package-lock.json dist/app (without start.js) to $staging"
  else
    local f
    # The app is the esbuild bundle dist/app/main.js (package.json "main") and its chunks; start.js is `npm start`'s
    # local host, development-only code.
    for f in host.json package.json package-lock.json dist/app/main.js; do
      [ -e "$SCIM_REPO_ROOT/$f" ] || die "the build did not produce $f; is 'npm run build' working?"
    done
    mkdir -p "$staging/dist"
    cp "$SCIM_REPO_ROOT/host.json" "$SCIM_REPO_ROOT/package.json" "$SCIM_REPO_ROOT/package-lock.json" "$staging/"
    cp -R "$SCIM_REPO_ROOT/dist/app" "$staging/dist/"
    rm -f "$staging/dist/app/start.js" "$staging/dist/app/start.js.map" # local-development-only code
  fi
  run_in "$staging" npm ci --omit=dev --no-audit --no-fund
  run_in "$staging" zip -qr "$PACKAGE" .
}

if [ "$SKIP_CODE" = 1 ]; then
  step "Code: skipped (--skip-code)"
else
  step "Code: build, package, deploy to $FUNCTION_APP"
  build_package
  # Fresh role assignments on the deployment container can take a few minutes to apply.
  retry 4 run az functionapp deployment source config-zip -g "$RESOURCE_GROUP" -n "$FUNCTION_APP" "${SUB_ARGS[@]}" \
    --src "$PACKAGE" --only-show-errors -o none || die "code deployment failed"
fi

# ---------------------------------------------------------------------------------------------------------------
# Operators sign in with Entra ID (App Service Authentication; only the Scim.Operator role gets in), scripts use the
# named function key "automation" on automation/*; nobody needs the _master key.
if [ "$SKIP_INFRA" = 1 ]; then
  step "Operator sign-in: skipped (--skip-infra)"
else
  step "Operator sign-in (infra/admin-app.bicep, infra/app/admin-auth.bicep)"
  HOST_NAME=${SCIM_BASE_URL#https://}
  HOST_NAME=${HOST_NAME%%/*}
  admin_app=$(run az deployment group create -g "$RESOURCE_GROUP" -n scim-admin-app "${SUB_ARGS[@]}" \
    --template-file "$SCIM_INFRA_DIR/admin-app.bicep" \
    --parameters "environmentName=$ENV_NAME" "hostName=$HOST_NAME" "operatorsGroupId=$OPERATORS_GROUP" --only-show-errors -o json)
  ADMIN_CLIENT_ID=$(printf '%s' "$admin_app" | jget get .properties.outputs.clientId.value)
  [ "$DRY_RUN" = 0 ] || ADMIN_CLIENT_ID='<adminAppClientId>'
  [ -n "$ADMIN_CLIENT_ID" ] || die "the admin app registration deployment returned no clientId"
  run az deployment group create -g "$RESOURCE_GROUP" -n scim-admin-auth "${SUB_ARGS[@]}" \
    --template-file "$SCIM_INFRA_DIR/app/admin-auth.bicep" \
    --parameters "functionAppName=$FUNCTION_APP" "adminAppClientId=$ADMIN_CLIENT_ID" --only-show-errors -o none
  # Created once; asking only whether it exists keeps its value out of this script.
  has_key=$(read_cmd az functionapp keys list -g "$RESOURCE_GROUP" -n "$FUNCTION_APP" "${SUB_ARGS[@]}" \
    --query "contains(keys(functionKeys || \`{}\`), 'automation')" --only-show-errors -o tsv) || has_key=false
  if [ "$has_key" = true ]; then
    log "function key \"automation\" exists; keeping it"
  else
    run az functionapp keys set -g "$RESOURCE_GROUP" -n "$FUNCTION_APP" "${SUB_ARGS[@]}" \
      --key-type functionKeys --key-name automation --only-show-errors -o none
  fi
fi

# ---------------------------------------------------------------------------------------------------------------
step "Entra enterprise application \"$APP_DISPLAY_NAME\""
sp_line=$(find_service_principal "$APP_DISPLAY_NAME")
SP_ID=${sp_line%% *}
APP_ID=${sp_line##* }
if [ -n "$sp_line" ]; then
  log "exists: service principal $SP_ID (appId $APP_ID)"
else
  # https://learn.microsoft.com/graph/api/applicationtemplate-instantiate
  created=$(run az rest --method POST --url "$GRAPH_URL/applicationTemplates/$NON_GALLERY_TEMPLATE_ID/instantiate" \
    --body "$(jget json-body displayName "$APP_DISPLAY_NAME")" --only-show-errors -o json)
  {
    read -r SP_ID
    read -r APP_ID
  } < <(printf '%s' "$created" | jget fields .servicePrincipal.id .servicePrincipal.appId)
  SP_ID=${SP_ID:-<servicePrincipalId>}
  APP_ID=${APP_ID:-<appId>}
  log "$([ "$DRY_RUN" = 1 ] && echo "would create" || echo created): service principal $SP_ID (appId $APP_ID)"
  # A new service principal can take a moment to be readable everywhere.
  retry 10 graph_get "$GRAPH_URL/servicePrincipals/$SP_ID?\$select=id" >/dev/null || die "service principal $SP_ID did not appear"
fi
SP_JSON=$(graph_get "$GRAPH_URL/servicePrincipals/$SP_ID?\$select=id,appId,appRoles")

# ---------------------------------------------------------------------------------------------------------------
step "Provisioning job"
JOB_ID=$(find_scim_job "$SP_ID")
if [ -n "$JOB_ID" ]; then
  log "exists: $JOB_ID"
else
  # https://learn.microsoft.com/graph/api/synchronization-synchronization-post-jobs
  job=$(run az rest --method POST --url "$GRAPH_URL/servicePrincipals/$SP_ID/synchronization/jobs" \
    --body '{"templateId":"scim"}' --only-show-errors -o json)
  JOB_ID=$(printf '%s' "$job" | jget get .id '<jobId>')
  log "$([ "$DRY_RUN" = 1 ] && echo "would create" || echo created): $JOB_ID"
fi
JOB_URL="$GRAPH_URL/servicePrincipals/$SP_ID/synchronization/jobs/$JOB_ID"

# ---------------------------------------------------------------------------------------------------------------
step "Attribute mappings (infra/scim-mappings.json)"
schema=$(graph_get "$JOB_URL/schema") || die "could not read the job's schema"
if [ "$DRY_RUN" = 1 ]; then
  printf '[dry-run] node infra/scripts/provisioning-schema.mjs < <current schema> | %s\n' \
    "$(quote az rest --method PUT --url "$JOB_URL/schema" --body @/dev/stdin)" >&2
else
  rc=0
  desired=$(printf '%s' "$schema" | node "$SCIM_NODE_SCRIPTS/provisioning-schema.mjs") || rc=$?
  if [ "$rc" = 0 ]; then
    printf '%s' "$desired" | run az rest --method PUT --url "$JOB_URL/schema" --body @/dev/stdin --only-show-errors -o none
  elif [ "$rc" = 3 ]; then
    log "already match; schema left as it is"
  else
    die "could not compute the attribute mappings"
  fi
fi

# ---------------------------------------------------------------------------------------------------------------
step "Tenant token and provisioning credentials"
tenants_json=$(read_cmd tenants_cli list --json) || die "the tenants CLI failed (list); it needs Storage Table Data Contributor, which main.bicep grants you"
TENANT_ID=$(printf '%s' "$tenants_json" | jget tenant-id "$TENANT_NAME")
need_token=1
if [ -n "$TENANT_ID" ] && [ "$ROTATE_TOKEN" = 0 ]; then
  # https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-validatecredentials
  if [ "$DRY_RUN" = 0 ] && retry 2 az rest --method POST --url "$JOB_URL/validateCredentials" \
    --body '{"useSavedCredentials":true}' --only-show-errors -o none 2>/dev/null; then
    need_token=0
    log "tenant $TENANT_NAME ($TENANT_ID) exists and Entra's saved token still works; keeping it (--rotate-token replaces it)"
  fi
fi
if [ "$need_token" = 1 ] && [ "$AUTH_MODE" = oauth ]; then
  if [ -z "$TENANT_ID" ]; then
    # The tenant's first secret token is never used in OAuth mode: it is revoked below, once OAuth works.
    created_json=$(run tenants_cli create --name "$TENANT_NAME" --json) || die "the tenants CLI failed (create)"
    TENANT_ID=$(printf '%s' "$created_json" | jget get .tenantId '<tenantId>')
    created_json=""
  fi
  # The output holds the client secret: captured, never printed; it goes to Graph through pipes only.
  TOKEN_JSON=$(run tenants_cli oauth-client-create --tenant "$TENANT_ID" --name "$OAUTH_CLIENT_NAME" --base-url "$SCIM_BASE_URL" --json) \
    || die "the tenants CLI failed (oauth-client-create)"
  NEW_CLIENT_ID=$(printf '%s' "$TOKEN_JSON" | jget get .clientId '<clientId>')
  retry "${SCIM_VALIDATE_ATTEMPTS:-8}" pipe_token_body validate-oauth az rest --method POST --url "$JOB_URL/validateCredentials" --body @/dev/stdin \
    --only-show-errors -o none || die "Entra could not obtain a token from $SCIM_BASE_URL/oauth2/token or use it (see the error above)"
  # Scope and notifications (v1.0 secrets, no credential in them), then the OAuth credentials the way the Entra
  # portal saves them (beta connectivityParameters); sources in infra/scripts/secrets-body.mjs.
  pipe_token_body secrets-oauth az rest --method PUT --url "$GRAPH_URL/servicePrincipals/$SP_ID/synchronization/secrets" \
    --body @/dev/stdin --only-show-errors -o none || die "could not save the provisioning settings"
  pipe_token_body connectivity-oauth az rest --method PATCH --url "$GRAPH_BETA_URL/servicePrincipals/$SP_ID/synchronization/connectivityParameters" \
    --body @/dev/stdin --only-show-errors -o none || die "could not save the OAuth credentials"
  TOKEN_JSON=""
  # Entra now holds only the OAuth client: retire the tenant's secret tokens and this deployment's older clients.
  run tenants_cli revoke --tenant "$TENANT_ID" --json >/dev/null || die "the tenants CLI failed (revoke)"
  clients_json=$(read_cmd tenants_cli oauth-client-list --tenant "$TENANT_ID" --json) || die "the tenants CLI failed (oauth-client-list)"
  while IFS= read -r old_client; do
    [ -z "$old_client" ] || [ "$old_client" = "$NEW_CLIENT_ID" ] ||
      run tenants_cli oauth-client-delete --tenant "$TENANT_ID" --client "$old_client" --json >/dev/null
  done < <(printf '%s' "$clients_json" | jget oauth-clients "$OAUTH_CLIENT_NAME")
  [ "$DRY_RUN" = 1 ] || log "OAuth client $NEW_CLIENT_ID saved in the provisioning job (token URL $SCIM_BASE_URL/oauth2/token)"
elif [ "$need_token" = 1 ]; then
  if [ -n "$TENANT_ID" ]; then
    token_cmd=(reset-token --tenant "$TENANT_ID" --json)
    if [ -n "$GRACE_SECONDS" ]; then token_cmd+=(--grace-seconds "$GRACE_SECONDS"); fi
  else
    token_cmd=(create --name "$TENANT_NAME" --json)
  fi
  # The output holds the token: captured, never printed.
  TOKEN_JSON=$(run tenants_cli "${token_cmd[@]}") || die "the tenants CLI failed (${token_cmd[0]})"
  if [ -z "$TENANT_ID" ]; then TENANT_ID=$(printf '%s' "$TOKEN_JSON" | jget get .tenantId '<tenantId>'); fi
  # Test Connection first (the new app may be cold and its table role fresh: SCIM_VALIDATE_ATTEMPTS tries,
  # SCIM_RETRY_DELAY seconds apart), then save.
  retry "${SCIM_VALIDATE_ATTEMPTS:-8}" pipe_token_body validate az rest --method POST --url "$JOB_URL/validateCredentials" --body @/dev/stdin \
    --only-show-errors -o none || die "Entra could not connect to $SCIM_BASE_URL with the new token (see the error above)"
  # https://learn.microsoft.com/graph/api/synchronization-serviceprincipal-put-synchronization
  pipe_token_body secrets az rest --method PUT --url "$GRAPH_URL/servicePrincipals/$SP_ID/synchronization/secrets" \
    --body @/dev/stdin --only-show-errors -o none || die "could not save the provisioning credentials"
  TOKEN_JSON=""
  [ "$DRY_RUN" = 1 ] || log "token saved in the provisioning job (BaseAddress $SCIM_BASE_URL, sync only assigned users and groups)"
fi

# ---------------------------------------------------------------------------------------------------------------
if [ -n "$GROUP_ID" ]; then
  step "Assign group $GROUP_ID"
  assignments=$(graph_get "$GRAPH_URL/servicePrincipals/$SP_ID/appRoleAssignedTo")
  if printf '%s' "$assignments" | jget has-assignment "$GROUP_ID"; then
    log "already assigned"
  else
    ROLE_ID=$(printf '%s' "$SP_JSON" | jget app-role)
    [ "$DRY_RUN" = 0 ] || ROLE_ID='<appRoleId>'
    run az deployment group create -g "$RESOURCE_GROUP" -n scim-entra-assignment "${SUB_ARGS[@]}" \
      --template-file "$SCIM_INFRA_DIR/entra.bicep" \
      --parameters "appId=$APP_ID" "groupId=$GROUP_ID" "appRoleId=$ROLE_ID" --only-show-errors -o none
  fi
fi

if [ "$START_JOB" = 1 ]; then
  step "Start provisioning"
  code=$(graph_get "$JOB_URL" | jget job-code)
  case "$code" in
    Active | NotRun) log "job is already running ($code)" ;;
    *)
      # https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-start
      run az rest --method POST --url "$JOB_URL/start" --only-show-errors -o none
      ;;
  esac
fi

# ---------------------------------------------------------------------------------------------------------------
cat <<EOF

Done.
  SCIM base URL:     $SCIM_BASE_URL
  Function app:      $FUNCTION_APP (resource group $RESOURCE_GROUP)
  Entra app:         $APP_DISPLAY_NAME (service principal $SP_ID, appId $APP_ID)
  Provisioning job:  $JOB_ID
  SCIM tenant:       $TENANT_NAME (${TENANT_ID:-<tenantId>})
  Credential:        $([ "$AUTH_MODE" = oauth ] && printf 'OAuth client (client credentials grant), token URL %s/oauth2/token' "$SCIM_BASE_URL" || printf 'secret token'); held by the Entra provisioning job only, never shown
  Status:            infra/status.sh --env $ENV_NAME
  Rotate the token:  infra/rotate-token.sh --env $ENV_NAME
  Console:           $SCIM_BASE_URL/manage/console (Entra sign-in; members of the operators' group)
  Automation key:    az functionapp keys list -g $RESOURCE_GROUP -n $FUNCTION_APP --query functionKeys.automation -o tsv
                     (x-functions-key on $SCIM_BASE_URL/automation/tenants)
  Your table role:   temporary (for the tenants CLI); remove it with
                     az role assignment delete --assignee $DEPLOYER_ID --role "Storage Table Data Contributor" \\
                       --scope "/subscriptions/$SUBSCRIPTION_ID/resourceGroups/$RESOURCE_GROUP/providers/Microsoft.Storage/storageAccounts/$STORAGE_ACCOUNT/tableServices/default/tables/${SCIM_TABLE_NAME:-scim}"
EOF
