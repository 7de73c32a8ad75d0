#!/usr/bin/env bash
# Runs every test with meson, then the store contract and API tests a second
# time against a throwaway PostgreSQL server (scripts/pg-test.sh), and ends
# with one plain summary line, "N passed, N failed", counted from meson's own
# logs of both passes. SIPF_TEST_PG=0 leaves the PostgreSQL pass out.
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
counts=$(mktemp)
trap 'rm -f "$counts"' EXIT

count() {   # appends "passed failed skipped" of the last meson run
    python3 - "$build/meson-logs/testlog.json" >>"$counts" <<'PY'
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1], encoding='utf-8') as f:
    for line in f:
        r = json.loads(line).get('result')
        if r in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif r == 'SKIP':
            skipped += 1
        else:
            failed += 1
print(passed, failed, skipped)
PY
}

meson test -C "$build" --print-errorlogs --num-processes 2
rc=$?
count

if [ "${SIPF_TEST_PG:-1}" != 0 ]; then
    echo "== the store and API tests again, on PostgreSQL =="
    rm -f "$build/meson-logs/testlog.json"
    # with a streaming standby of the server, for tests/api/replica_test.c
    SIPF_PG_REPLICA=1 bash "$here/pg-test.sh" run \
        meson test -C "$build" --print-errorlogs --num-processes 2 --suite store --suite api
    pg_rc=$?
    if [ -f "$build/meson-logs/testlog.json" ]; then
        count
    else
        echo "the PostgreSQL pass did not run (no server): counted as one failure" >&2
        echo "0 1 0" >>"$counts"
    fi
    [ $pg_rc -ne 0 ] && rc=$pg_rc
fi

awk '{p += $1; f += $2; s += $3} END {
    line = p " passed, " f " failed"; if (s) line = line ", " s " skipped"; print line }' "$counts"
exit $rc
