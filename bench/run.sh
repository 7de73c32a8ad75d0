#!/usr/bin/env bash
# Runs every benchmark of bench/ against a release build and prints their tables.
set -euo pipefail
build=${1:-build-release}
ninja -C "$build" bench/platform_bench >/dev/null
echo "## platform"
"$build/bench/platform_bench" "$(cd "$(dirname "$0")/.." && pwd)"
# The monthly assessment (issue 4): 100,000 persons in 5,000 units here; the
# full goal is `contrib_bench --persons 1000000 --units 50000`.
ninja -C "$build" bench/contrib_bench >/dev/null
echo
echo "## contributions"
"$build/bench/contrib_bench" --persons "${CONTRIB_BENCH_PERSONS:-100000}" --units "${CONTRIB_BENCH_UNITS:-5000}" \
    "$(cd "$(dirname "$0")/.." && pwd)"
# The monthly run on PostgreSQL (issue 6) against a binary COPY of as many
# rows, on a throwaway server (scripts/pg-test.sh) kept durable as SQLite's
# WAL is (fsync on, commits not waited for).
ninja -C "$build" bench/pg_bench >/dev/null
echo
echo "## PostgreSQL"
SIPF_PG_DURABLE=1 bash "$(dirname "$0")/../scripts/pg-test.sh" run \
    "$build/bench/pg_bench" --persons "${PG_BENCH_PERSONS:-100000}" --units "${PG_BENCH_UNITS:-5000}" \
    "$(cd "$(dirname "$0")/.." && pwd)"
# Load and speed over HTTP against nginx (issue 6): wrk, 10 s a run, and the
# resident size after 1,000,000 requests (HTTP_BENCH_LONG_REQUESTS).
echo
echo "## http"
bash "$(dirname "$0")/http_bench.sh" "$build"
