#!/usr/bin/env bash
# Runs every benchmark of bench/ against a release build and prints their tables.
set -euo pipefail
build=${1:-build-release}
ninja -C "$build" bench/platform_bench >/dev/null
echo "## platform"
"$build/bench/platform_bench" "$(cd "$(dirname "$0")/.." && pwd)"
