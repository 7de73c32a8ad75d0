#!/usr/bin/env bash
# Runs every test with meson and ends with one plain summary line,
# "N passed, N failed", counted from meson's own log.
set -uo pipefail
build=${1:-build}
meson test -C "$build" --print-errorlogs --num-processes 2
rc=$?
python3 - "$build/meson-logs/testlog.json" <<'PY'
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
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $rc
