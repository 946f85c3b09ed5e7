# shellcheck shell=bash
# shellcheck disable=SC2034 # globals here are set for the scripts that source this file
# Helpers shared by infra/deploy.sh, infra/status.sh and infra/teardown.sh. Source it; don't run it.
#
# Conventions:
#   run  CMD...   a command that changes something: echoed as "+ CMD" (stderr) and run; with DRY_RUN=1 it is only
#                 echoed as "[dry-run] CMD" and prints nothing on stdout, so callers fall through to placeholders.
#   read_cmd CMD  a read-only command: run normally; with DRY_RUN=1 echoed as "[dry-run] (check) CMD" and skipped.
#   Logs and echoed commands go to stderr; stdout carries only values a caller captures, and the final summary.
#   No command line ever carries a token: secrets travel through pipes (see save_provisioning_credentials).

SCIM_INFRA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCIM_REPO_ROOT=$(cd "$SCIM_INFRA_DIR/.." && pwd)
SCIM_NODE_SCRIPTS="$SCIM_INFRA_DIR/scripts"
# https://learn.microsoft.com/graph/api/overview
GRAPH_URL=${SCIM_GRAPH_URL:-https://graph.microsoft.com/v1.0}
# connectivityParameters (how the Entra portal saves OAuth credentials) exists in beta only.
GRAPH_BETA_URL=${GRAPH_URL%/v1.0}/beta
# The OAuth client deploy.sh --auth oauth creates (older ones of this name are deleted once a new one works).
OAUTH_CLIENT_NAME="Entra provisioning (deploy.sh)"
# The non-gallery ("custom") application template; its instantiate call creates the enterprise app.
# https://learn.microsoft.com/graph/api/applicationtemplate-instantiate
NON_GALLERY_TEMPLATE_ID=${SCIM_APP_TEMPLATE_ID:-8adf8e6e-67b2-4cf2-a259-e3dc5476c621}
# Name of the ARM deployment of main.bicep; status, rotation and teardown read its outputs.
MAIN_DEPLOYMENT_NAME=scim-main
DRY_RUN=${DRY_RUN:-0}
RETRY_DELAY=${SCIM_RETRY_DELAY:-15}
SUB_ARGS=()

log() { printf '%s\n' "$*" >&2; }
step() { printf '\n==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Shell-quotes a command for display (single quotes where needed), so echoed commands can be copied and pasted.
quote() {
  if [ "${1:-}" = tenants_cli ]; then
    # Show what actually runs instead of the shell function's name.
    shift
    local -a tenants_cmd=(npm run --silent tenants --)
    if [ -n "${SCIM_TENANTS_CMD:-}" ]; then read -r -a tenants_cmd <<<"$SCIM_TENANTS_CMD"; fi
    set -- "SCIM_TABLE_ENDPOINT=${TABLE_ENDPOINT:-}" "${tenants_cmd[@]}" "$@"
  fi
  local arg out=""
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:=@,+%-]+$ ]]; then
      out+="$arg "
    else
      out+="'${arg//\'/\'\\\'\'}' "
    fi
  done
  printf '%s' "${out% }"
}

run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '[dry-run] %s\n' "$(quote "$@")" >&2
    return 0
  fi
  printf '+ %s\n' "$(quote "$@")" >&2
  "$@"
}

read_cmd() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '[dry-run] (check) %s\n' "$(quote "$@")" >&2
    return 0
  fi
  "$@"
}

# run_in DIR CMD...: run a mutating command inside DIR.
run_in() {
  local dir=$1
  shift
  if [ "$DRY_RUN" = 1 ]; then
    printf '[dry-run] (cd %s && %s)\n' "$(quote "$dir")" "$(quote "$@")" >&2
    return 0
  fi
  printf '+ (cd %s && %s)\n' "$(quote "$dir")" "$(quote "$@")" >&2
  (cd "$dir" && "$@")
}

# retry ATTEMPTS CMD...: for eventual consistency (new service principals, fresh role assignments, cold starts).
retry() {
  local attempts=$1 n=1
  shift
  until "$@"; do
    if [ "$n" -ge "$attempts" ]; then return 1; fi
    log "  not yet (attempt $n of $attempts); retrying in ${RETRY_DELAY}s"
    sleep "$RETRY_DELAY"
    n=$((n + 1))
  done
}

jget() { node "$SCIM_NODE_SCRIPTS/graph-json.mjs" "$@"; }

require_tools() {
  local tool missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    die "missing prerequisite(s): ${missing[*]}. Install the Azure CLI (https://learn.microsoft.com/cli/azure/install-azure-cli), Node.js 20 with npm, and zip."
  fi
  if command -v node >/dev/null 2>&1; then
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    [ "$major" -ge 20 ] || die "Node.js 20 or later is required (found $(node --version))"
  fi
}

# Sets AZ_ACCOUNT_JSON, SUBSCRIPTION_ID, ENTRA_TENANT_ID, SIGNED_IN_NAME, SIGNED_IN_TYPE.
require_login() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '[dry-run] (check) az account show\n' >&2
    SUBSCRIPTION_ID='<subscription-id>' ENTRA_TENANT_ID='<entra-tenant-id>' SIGNED_IN_NAME='<you>' SIGNED_IN_TYPE=user
    return 0
  fi
  AZ_ACCOUNT_JSON=$(az account show "${SUB_ARGS[@]}" --only-show-errors -o json 2>/dev/null) ||
    die "not logged in to Azure. Run 'az login' (and 'az account set --subscription <id>'), then try again."
  {
    read -r SUBSCRIPTION_ID
    read -r ENTRA_TENANT_ID
    read -r SIGNED_IN_NAME
    read -r SIGNED_IN_TYPE
  } < <(printf '%s' "$AZ_ACCOUNT_JSON" | jget fields .id .tenantId .user.name .user.type)
  log "Azure subscription $SUBSCRIPTION_ID, Entra tenant $ENTRA_TENANT_ID, signed in as $SIGNED_IN_NAME"
}

# Prints the outputs object of the last main.bicep deployment (empty when there is none).
deployment_outputs() {
  local json
  json=$(read_cmd az deployment group show -g "$RESOURCE_GROUP" -n "$MAIN_DEPLOYMENT_NAME" "${SUB_ARGS[@]}" --only-show-errors -o json 2>/dev/null) || return 0
  printf '%s' "$json" | jget get .properties.outputs
}


graph_get() { read_cmd az rest --method GET --url "$1" --only-show-errors -o json; }

# Prints "<servicePrincipalId> <appId>" of the enterprise app with this display name that was instantiated from the
# non-gallery template, or nothing. https://learn.microsoft.com/graph/api/serviceprincipal-list
find_service_principal() {
  local filter json
  filter=$(jget odata-eq displayName "$1")
  json=$(graph_get "$GRAPH_URL/servicePrincipals?\$filter=$filter&\$select=id,appId,displayName,applicationTemplateId,appRoles") ||
    die "could not list service principals in Microsoft Graph (do you have Application Administrator or Cloud Application Administrator?)"
  [ -n "$json" ] || return 0
  printf '%s' "$json" | jget find-sp "$NON_GALLERY_TEMPLATE_ID"
}

# Prints the id of the provisioning job made from the "scim" template, or nothing.
# https://learn.microsoft.com/graph/api/synchronization-synchronization-list-jobs
find_scim_job() {
  local json
  json=$(graph_get "$GRAPH_URL/servicePrincipals/$1/synchronization/jobs") ||
    die "could not list the provisioning jobs of service principal $1"
  [ -n "$json" ] || return 0
  printf '%s' "$json" | jget scim-job
}

# Tenants CLI (the project's npm script); SCIM_TENANTS_CMD replaces it (tests use a stub).
# It reaches the storage account named by SCIM_TABLE_ENDPOINT with the operator's az login identity.
tenants_cli() {
  local -a cmd
  if [ -n "${SCIM_TENANTS_CMD:-}" ]; then
    read -r -a cmd <<<"$SCIM_TENANTS_CMD"
  else
    cmd=(npm run --silent tenants --)
  fi
  (
    cd "$SCIM_REPO_ROOT" || exit 1
    unset SCIM_STORAGE_CONNECTION_STRING # the CLI would prefer a local connection string over the endpoint
    SCIM_TABLE_ENDPOINT="$TABLE_ENDPOINT" "${cmd[@]}" "$@"
  )
}

# pipe_token_body MODE CMD...: the tenant token (TOKEN_JSON, from the tenants CLI) goes through a pipe into
# secrets-body.mjs, whose JSON goes through a pipe into CMD (az rest ... --body @/dev/stdin). The token is never on a
# command line, in the environment, on disk or on the terminal; error text is scrubbed of it before it is shown.
pipe_token_body() {
  local mode=$1 rc=0 err token
  shift
  local -a body_args=(--base-url "$SCIM_BASE_URL")
  if [ -n "${NOTIFY_EMAIL:-}" ]; then body_args+=(--notify-email "$NOTIFY_EMAIL"); fi
  if [ "$DRY_RUN" = 1 ]; then
    printf '[dry-run] <token from the tenants CLI> | node infra/scripts/secrets-body.mjs %s %s | %s\n' \
      "$mode" "$(quote "${body_args[@]}")" "$(quote "$@")" >&2
    return 0
  fi
  printf '+ <token> | node infra/scripts/secrets-body.mjs %s %s | %s\n' "$mode" "$(quote "${body_args[@]}")" "$(quote "$@")" >&2
  err=$({ printf '%s' "$TOKEN_JSON" | node "$SCIM_NODE_SCRIPTS/secrets-body.mjs" "$mode" "${body_args[@]}" | "$@" >/dev/null; } 2>&1) || rc=$?
  if [ "$rc" -ne 0 ]; then
    for field in .token .clientSecret; do
      token=$(printf '%s' "$TOKEN_JSON" | jget get "$field")
      if [ -n "$token" ]; then err=${err//"$token"/<redacted>}; fi
    done
    printf '%s\n' "$err" >&2
  fi
  return "$rc"
}
