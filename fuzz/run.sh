#!/usr/bin/env bash
# Runs each fuzz target for a bounded time: fuzz/run.sh BUILD_DIR SECONDS TARGET...
# New inputs are found in a scratch corpus and merged into fuzz/corpus/<target>/
# only when they add coverage; a crash is saved under fuzz/crashes/<target>/.
# Exits 1 when any target crashed.
set -uo pipefail
build=$1; seconds=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
export SIPF_SOURCE_DIR=$root
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in "$@"; do
  corpus=$root/fuzz/corpus/$t; crashes=$root/fuzz/crashes/$t
  scratch=$(mktemp -d /tmp/sipf-fuzz-corpus-XXXXXX)
  mkdir -p "$corpus" "$crashes"
  before=$(ls "$corpus" | wc -l)
  # the route target sends whole upload files through the router; others take one file
  "$build/fuzz/${t}_fuzz" -max_total_time="$seconds" -max_len=8192 -timeout=25 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$crashes/" "$scratch" "$corpus" \
      >"$scratch.log" 2>&1
  rc=$?
  "$build/fuzz/${t}_fuzz" -merge=1 "$corpus" "$scratch" >>"$scratch.log" 2>&1
  after=$(ls "$corpus" | wc -l)
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch.log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$scratch.log" | tail -1)
  if [ $rc -ne 0 ]; then
    failed=1
    echo "$t: CRASH after ${runs:-?} runs ($cov), input saved in fuzz/crashes/$t/; log: $scratch.log"
    grep -m1 -A12 'ERROR:\|runtime error\|Assertion\|deadly signal' "$scratch.log" | head -20
  else
    echo "$t: ${runs:-?} runs in ${seconds}s, $cov, corpus $before -> $after"
    rm -f "$scratch.log"
  fi
  rm -rf "$scratch"
done
exit $failed
