#!/usr/bin/env bash
# Installs the Debian packages sipf builds, runs and tests with. Idempotent:
# it asks apt only for what is missing.
set -euo pipefail

pkgs=(
  build-essential meson ninja-build pkg-config python3
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libsodium-dev
  libcmocka-dev libcurl4-openssl-dev libxlsxwriter-dev libqrencode-dev libzip-dev libxml2-dev
  sqlite3 curl
  postgresql chromium clang libclang-rt-14-dev
)
# Node.js and npm drive the browser tests; a machine that has them already keeps its own.
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Project-local tools after the system packages (each script is idempotent).
for extra in scripts/setup-*.sh; do
  [ -f "$extra" ] && bash "$extra"
done
exit 0
