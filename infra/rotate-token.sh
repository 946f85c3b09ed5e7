#!/usr/bin/env bash
# Rotates the tenant token Entra uses to call the SCIM endpoint: the tenants CLI issues a new token for the
# environment's tenant (reset-token), Entra tests it (validateCredentials) and saves it (PUT synchronization/secrets).
# Nothing else is redeployed.
#
#   infra/rotate-token.sh --env contoso [--grace-seconds 3600] [--dry-run]
#
# --grace-seconds keeps the previous token valid for that long, for requests already in flight. Any other
# infra/deploy.sh option (--app-name, --tenant-name, -g, -s, --notify-email) applies too.
set -Eeuo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/deploy.sh" --rotate-token --skip-infra --skip-code "$@"
