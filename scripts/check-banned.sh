#!/usr/bin/env bash
# Fails when a banned unsafe function appears in the sources (curl's idea).
set -euo pipefail
cd "$(dirname "$0")/.."
banned='\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|atoll|atof|localtime|gmtime|ctime|asctime|strtok|tmpnam|rand|srand)[[:space:]]*\('
if grep -rnE "$banned" src tests bench fuzz --include='*.c' --include='*.h' | grep -v 'banned-ok'; then
  echo "check-banned: unsafe functions above; use the safe forms (snprintf, strtol, gmtime_r, ...)" >&2
  exit 1
fi
echo "check-banned: ok"
