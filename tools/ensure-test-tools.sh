#!/usr/bin/env bash
# Run by `npm test` (pretest): the two system tools some tests use, from Debian's packages, installed when missing —
# shellcheck (deploy scripts) and Chromium (the console's browser test, driven by playwright-core).
set -euo pipefail
missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Tests need: ${missing[*]} (Debian packages). Install them, e.g. sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} from Debian's packages for the tests..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
