#!/usr/bin/env bash
# Removes an environment: the Entra enterprise application (with its service principal and provisioning job) and the
# resource group with everything main.bicep created (function app, plan, storage with all SCIM data and tokens,
# identity, Application Insights, Log Analytics).
#
#   infra/teardown.sh --env contoso [--yes] [--keep-entra] [--purge-entra] [--dry-run]
#
# Graph: DELETE /applications/{id} also deletes the app's service principal and its synchronization job; the app stays
# in "deleted applications" for 30 days unless --purge-entra deletes it permanently.
#   https://learn.microsoft.com/graph/api/application-delete
#   https://learn.microsoft.com/graph/api/directory-deleteditems-delete
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: infra/teardown.sh --env NAME [options]

  -e, --env NAME            environment name used with deploy.sh [SCIM_ENV_NAME]
  -g, --resource-group RG   resource group (default rg-NAME)
  -s, --subscription ID     Azure subscription (default: the az CLI's current one)
      --app-name NAME       display name of the Entra enterprise app (default "Looop SCIM (NAME)")
      --keep-entra          leave the Entra enterprise app in place
      --purge-entra         also delete the app permanently from "deleted applications"
  -y, --yes                 don't ask for confirmation
      --dry-run             print the commands without running them
  -h, --help                this help
USAGE
}

ENV_NAME=${SCIM_ENV_NAME:-}
RESOURCE_GROUP=""
APP_DISPLAY_NAME=""
KEEP_ENTRA=0
PURGE_ENTRA=0
ASSUME_YES=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    -e | --env) ENV_NAME=${2:-}; shift 2 ;;
    -g | --resource-group) RESOURCE_GROUP=${2:-}; shift 2 ;;
    -s | --subscription) SUB_ARGS=(--subscription "${2:-}"); shift 2 ;;
    --app-name) APP_DISPLAY_NAME=${2:-}; shift 2 ;;
    --keep-entra) KEEP_ENTRA=1; shift ;;
    --purge-entra) PURGE_ENTRA=1; shift ;;
    -y | --yes) ASSUME_YES=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done
[ -n "$ENV_NAME" ] || { usage >&2; die "--env is required"; }
RESOURCE_GROUP=${RESOURCE_GROUP:-rg-$ENV_NAME}
APP_DISPLAY_NAME=${APP_DISPLAY_NAME:-"Looop SCIM ($ENV_NAME)"}

require_tools az node
require_login

if [ "$ASSUME_YES" = 0 ] && [ "$DRY_RUN" = 0 ]; then
  [ -t 0 ] || die "refusing to delete without confirmation; pass --yes"
  what="resource group $RESOURCE_GROUP (all SCIM data and tokens)"
  [ "$KEEP_ENTRA" = 1 ] || what="$what and the Entra app \"$APP_DISPLAY_NAME\""
  printf 'Delete %s? Type the environment name (%s) to confirm: ' "$what" "$ENV_NAME" >&2
  read -r answer
  [ "$answer" = "$ENV_NAME" ] || die "not confirmed; nothing deleted"
fi

if [ "$KEEP_ENTRA" = 0 ]; then
  step "Entra enterprise application \"$APP_DISPLAY_NAME\""
  sp_line=$(find_service_principal "$APP_DISPLAY_NAME")
  if [ -z "$sp_line" ] && [ "$DRY_RUN" = 0 ]; then
    log "not found; nothing to delete"
  else
    APP_ID=${sp_line##* }
    APP_ID=${APP_ID:-<appId>}
    apps=$(graph_get "$GRAPH_URL/applications?\$filter=$(jget odata-eq appId "$APP_ID")&\$select=id,appId,displayName")
    APP_OBJECT_ID=$(printf '%s' "$apps" | jget get '.value[0].id' '<applicationObjectId>')
    run az rest --method DELETE --url "$GRAPH_URL/applications/$APP_OBJECT_ID" --only-show-errors -o none
    if [ "$PURGE_ENTRA" = 1 ]; then
      retry 5 run az rest --method DELETE --url "$GRAPH_URL/directory/deletedItems/$APP_OBJECT_ID" --only-show-errors -o none ||
        warn "could not purge the deleted application $APP_OBJECT_ID; it is removed for good after 30 days"
    fi
  fi
fi

step "Resource group $RESOURCE_GROUP"
exists=$(read_cmd az group exists -n "$RESOURCE_GROUP" "${SUB_ARGS[@]}" --only-show-errors -o json)
if [ "$exists" = true ] || [ "$DRY_RUN" = 1 ]; then
  run az group delete -n "$RESOURCE_GROUP" "${SUB_ARGS[@]}" --yes --only-show-errors -o none
else
  log "not found; nothing to delete"
fi

log ""
if [ "$DRY_RUN" = 1 ]; then
  log "Dry run: nothing was deleted."
  exit 0
fi
log "Torn down. (Application Insights and Log Analytics follow the resource group; a soft-deleted workspace is purged by Azure after its retention window.)"
