#!/usr/bin/env bash
# Installs what the browser tests need beyond scripts/setup.sh: a CJK font, and the one npm
# package (playwright-core, tests/web/package-lock.json) when node_modules is missing or the
# lock changed since the last install. Never downloads a browser: the tests drive Debian's
# /usr/bin/chromium, which scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/../tests/web"

# The desks are Chinese: without a CJK font Chromium draws boxes, and the screenshots the
# browser tests save show nothing a reviewer can read.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  echo "setup-web: installing fonts-noto-cjk"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null ||
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null; }
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup-web: npm is missing (scripts/setup.sh installs it)" >&2
  exit 1
fi
stamp=node_modules/.sipf-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -d node_modules/playwright-core ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setup-web: npm ci in tests/web"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
[ -x /usr/bin/chromium ] || echo "setup-web: /usr/bin/chromium is missing (scripts/setup.sh installs it)" >&2
exit 0
