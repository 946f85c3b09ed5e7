#!/usr/bin/env bash
# Shows what Entra's provisioning did, without opening the portal: the job's state, its last cycle, the number of
# synchronized objects, and the recent errors from the provisioning logs.
#
#   infra/status.sh --env contoso [--top 50] [--days 7] [--json]
#
# Graph calls (read-only):
#   GET /servicePrincipals/{id}/synchronization/jobs/{jobId}
#       https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-get
#   GET /auditLogs/provisioning?$filter=...   (needs AuditLog.Read.All; reported, not fatal, when missing)
#       https://learn.microsoft.com/graph/api/provisioningobjectsummary-list
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: infra/status.sh --env NAME [options]

  -e, --env NAME        environment name used with deploy.sh [SCIM_ENV_NAME]
      --app-name NAME   display name of the Entra enterprise app (default "Looop SCIM (NAME)")
      --top N           provisioning log entries to read (default 50)
      --days N          how far back to read the provisioning logs (default 7)
      --json            print the summary as JSON
  -h, --help            this help
USAGE
}

ENV_NAME=${SCIM_ENV_NAME:-}
APP_DISPLAY_NAME=""
TOP=50
DAYS=7
FORMAT=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    -e | --env) ENV_NAME=${2:-}; shift 2 ;;
    --app-name) APP_DISPLAY_NAME=${2:-}; shift 2 ;;
    --top) TOP=${2:-}; shift 2 ;;
    --days) DAYS=${2:-}; shift 2 ;;
    --json) FORMAT=(--json); shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done
[ -n "$ENV_NAME" ] || [ -n "$APP_DISPLAY_NAME" ] || { usage >&2; die "--env (or --app-name) is required"; }
if ! [[ "$TOP" =~ ^[0-9]+$ && "$DAYS" =~ ^[0-9]+$ ]]; then die "--top and --days take numbers"; fi
APP_DISPLAY_NAME=${APP_DISPLAY_NAME:-"Looop SCIM ($ENV_NAME)"}

require_tools az node
require_login

sp_line=$(find_service_principal "$APP_DISPLAY_NAME")
[ -n "$sp_line" ] || die "no enterprise application named \"$APP_DISPLAY_NAME\"; was infra/deploy.sh run for this environment?"
SP_ID=${sp_line%% *}
JOB_ID=$(find_scim_job "$SP_ID")
[ -n "$JOB_ID" ] || die "\"$APP_DISPLAY_NAME\" has no provisioning job yet; run infra/deploy.sh"

job=$(graph_get "$GRAPH_URL/servicePrincipals/$SP_ID/synchronization/jobs/$JOB_ID") || die "could not read job $JOB_ID"

# Provisioning logs are tenant-wide; keep this app's entries. Filter form from Microsoft's cross-tenant
# synchronization guide (contains(tolower(servicePrincipal/id), ...) and activityDateTime gt ...).
since=$(jget days-ago "$DAYS")
sp_lower=$(printf '%s' "$SP_ID" | tr '[:upper:]' '[:lower:]')
filter=$(jget urlencode "contains(tolower(servicePrincipal/id),'$sp_lower') and activityDateTime gt $since")
logs_url="$GRAPH_URL/auditLogs/provisioning?\$filter=$filter&\$top=$TOP&\$orderby=activityDateTime%20desc"
logs_error=""
if ! logs=$(graph_get "$logs_url" 2>"${TMPDIR:-/tmp}/scim-status.$$.err"); then
  logs="null"
  logs_error=$(tail -n 1 "${TMPDIR:-/tmp}/scim-status.$$.err")
  logs_error="${logs_error:-request failed}; reading provisioning logs needs AuditLog.Read.All (for example the Reports Reader or Security Reader role)"
fi
rm -f "${TMPDIR:-/tmp}/scim-status.$$.err"

app=$(jget json-body displayName "$APP_DISPLAY_NAME" | node -e '
  const app = JSON.parse(require("fs").readFileSync(0, "utf8")); app.id = process.argv[1];
  process.stdout.write(JSON.stringify(app));' "$SP_ID")
printf '{"app":%s,"job":%s,"logs":%s,"logsError":%s}' "$app" "${job:-null}" "${logs:-null}" "$(jget json-string "$logs_error")" |
  node "$SCIM_NODE_SCRIPTS/status-report.mjs" "${FORMAT[@]}"
