#!/usr/bin/env bash
# Load and speed over HTTP against nginx on the same machine in the same run:
#  (1) a person's account balance (GET /api/v1/me/accounts) and contribution
#      details (GET /api/v1/me/contributions) with the person's token, against
#      nginx serving the same JSON bytes as static files: throughput ratio
#      (goal >= 0.40) and p99 latency ratio (goal <= 3);
#  (2) sipf's own static files (web/style.css) against nginx: the framework's
#      cost apart from the application's;
#  (3) sign-in: POST /api/v1/sessions a second over HTTP (the per-address
#      limit turned off for the run: --signin-rate 0), and Argon2id
#      verifications a second on every processor (bench/signin_bench), with
#      the hashing parameters;
#  (4) the server's resident size after 10,000 and after 1,000,000 requests
#      (goal: within 10%).
# wrk drives from a second process over keep-alive connections
# (HTTP_BENCH_THREADS threads, HTTP_BENCH_CONNECTIONS connections,
# HTTP_BENCH_SECONDS each). nginx and wrk are installed from Debian when
# missing. Prints one table.
#
# usage: bench/http_bench.sh [BUILD_DIR]   (default build-release)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-release}
case $build in /*) ;; *) build="$root/$build" ;; esac
threads=${HTTP_BENCH_THREADS:-2}
conns=${HTTP_BENCH_CONNECTIONS:-32}
secs=${HTTP_BENCH_SECONDS:-10}
long_requests=${HTTP_BENCH_LONG_REQUESTS:-1000000}
short_requests=10000
as_of=${HTTP_BENCH_AS_OF:-2026-11-20}

# ---- nginx and wrk from Debian, as scripts/setup.sh installs packages ----
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

ninja -C "$build" sipf bench/signin_bench bench/http_drive >/dev/null
sipf="$build/sipf"

work=$(mktemp -d /tmp/sipf-http-bench-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- the demo database and the server ----
"$sipf" migrate --db "$work/bench.db" >/dev/null
"$sipf" seed-demo --db "$work/bench.db" --as-of "$as_of" >/dev/null
person=$("$sipf" seed-demo --list | awk '$1 == "person" { for (i = 1; i <= NF; i++) if ($i == "账号") { print $(i + 1); exit } }')
sport=$(free_port)
"$sipf" serve --db "$work/bench.db" --listen "127.0.0.1:$sport" --as-of "$as_of" --signin-rate 0 >"$work/sipf.log" 2>&1 &
spid=$!
pids+=("$spid")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$sport/healthz" >/dev/null && break; sleep 0.1; done

signin_body="{\"role\":\"person\",\"id_number\":\"$person\",\"password\":\"Demo@2026\"}"
t0=$(date +%s.%N)
token=$(curl -sf -X POST -H 'Content-Type: application/json' -d "$signin_body" \
        "http://127.0.0.1:$sport/api/v1/sessions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
t1=$(date +%s.%N)
signin_http_ms=$(python3 -c "print(f'{($t1 - $t0) * 1000:.0f}')")
auth="Authorization: Bearer $token"

# ---- nginx serving the same bytes ----
mkdir -p "$work/www"
curl -sf -H "$auth" "http://127.0.0.1:$sport/api/v1/me/accounts" -o "$work/www/accounts.json"
curl -sf -H "$auth" "http://127.0.0.1:$sport/api/v1/me/contributions" -o "$work/www/contributions.json"
cp "$root/web/style.css" "$work/www/style.css"
chmod -R a+rX "$work/www"
nport=$(free_port)
cat >"$work/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/json json; text/css css; }
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
    location / { add_header Cache-Control no-store; }
  }
}
CONF
"$nginx_bin" -c "$work/nginx.conf" -p "$work" 2>>"$work/nginx-error.log" &
pids+=("$!")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$nport/accounts.json" >/dev/null && break; sleep 0.1; done

# ---- wrk ----
# "Requests/sec" and the 99th percentile in milliseconds of one run.
run_wrk() {   # url [header]
  local out
  if [ $# -gt 1 ]; then
    out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -H "$2" "$1")
  else
    out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$1")
  fi
  local non2xx
  non2xx=$(awk '/Non-2xx or 3xx responses/ { print $NF }' <<<"$out")
  if [ -n "$non2xx" ]; then echo "wrk $1: $non2xx answers not 2xx" >&2; exit 1; fi
  awk '/Requests\/sec/ { rps = $2 }
       $1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                     ms = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }
       END { printf "%.0f %.2f\n", rps, ms }' <<<"$out"
}

# Exactly n requests (wrk runs for a time, not a count).
drive() {   # n url header
  "$build/bench/http_drive" "$2" "$1" "$conns" "$3"
}
rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$spid/status"; }

sapi="http://127.0.0.1:$sport"
napi="http://127.0.0.1:$nport"
step() { echo "  $*" >&2; }
read -r acc_s acc_s99 < <(run_wrk "$sapi/api/v1/me/accounts" "$auth"); step "sipf accounts $acc_s/s p99 $acc_s99 ms"
read -r acc_n acc_n99 < <(run_wrk "$napi/accounts.json"); step "nginx accounts $acc_n/s p99 $acc_n99 ms"
read -r con_s con_s99 < <(run_wrk "$sapi/api/v1/me/contributions" "$auth"); step "sipf contributions $con_s/s p99 $con_s99 ms"
read -r con_n con_n99 < <(run_wrk "$napi/contributions.json"); step "nginx contributions $con_n/s p99 $con_n99 ms"
read -r sta_s sta_s99 < <(run_wrk "$sapi/style.css"); step "sipf static $sta_s/s p99 $sta_s99 ms"
read -r sta_n sta_n99 < <(run_wrk "$napi/style.css"); step "nginx static $sta_n/s p99 $sta_n99 ms"
cat >"$work/signin.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$signin_body'
LUA
read -r signin_http_rate < <(wrk -t"$threads" -c"$threads" -d"${secs}s" -s "$work/signin.lua" "$sapi/api/v1/sessions" |
                             awk '/Non-2xx/ { bad = 1 } /Requests\/sec/ { rps = $2 } END { print bad ? "failed" : rps }')
step "HTTP sign-in $signin_http_rate/s"
read -r signin_rate signin_threads signin_one_ms signin_params < <("$build/bench/signin_bench" 5)
step "sign-in $signin_rate/s"

# ---- memory: a fresh server, 10,000 then 1,000,000 requests ----
kill "$spid"; wait "$spid" 2>/dev/null || true
sport=$(free_port)
sapi="http://127.0.0.1:$sport"
"$sipf" serve --db "$work/bench.db" --listen "127.0.0.1:$sport" --as-of "$as_of" >/dev/null 2>&1 &
spid=$!
pids+=("$spid")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$sport/healthz" >/dev/null && break; sleep 0.1; done
drive "$short_requests" "$sapi/api/v1/me/accounts" "$auth"
rss_short=$(rss_kib)
step "resident size after $short_requests requests: $rss_short KiB"
drive $((long_requests - short_requests)) "$sapi/api/v1/me/accounts" "$auth"
rss_long=$(rss_kib)
step "resident size after $long_requests requests: $rss_long KiB"

# ---- the table ----
python3 - "$acc_s" "$acc_s99" "$acc_n" "$acc_n99" "$con_s" "$con_s99" "$con_n" "$con_n99" \
  "$sta_s" "$sta_s99" "$sta_n" "$sta_n99" "$signin_rate" "$signin_threads" "$signin_one_ms" \
  "$signin_http_ms $signin_http_rate" "$rss_short" "$rss_long" "$short_requests" "$long_requests" \
  "$threads" "$conns" "$secs" "$(nproc)" "$signin_params" <<'PY'
import sys
a = sys.argv[1:]
(acc_s, acc_s99, acc_n, acc_n99, con_s, con_s99, con_n, con_n99, sta_s, sta_s99, sta_n, sta_n99) = map(float, a[:12])
signin_rate, signin_threads, signin_one_ms = float(a[12]), int(a[13]), float(a[14])
signin_http_ms, signin_http_rate = a[15].split()
rss_short, rss_long, n_short, n_long = int(a[16]), int(a[17]), int(a[18]), int(a[19])
threads, conns, secs, cpus, params = a[20], a[21], a[22], a[23], a[24]
print(f"wrk: {threads} threads, {conns} keep-alive connections, {secs} s a run; {cpus} processors shared by sipf, nginx and wrk")
print()
print(f"| {'benchmark':<34} | {'sipf /s':>9} | {'nginx /s':>9} | {'ratio':>6} | {'p99 sipf':>9} | {'p99 nginx':>9} | {'p99 ratio':>9} | goal")
print(f"|{'-'*36}|{'-'*11}|{'-'*11}|{'-'*8}|{'-'*11}|{'-'*11}|{'-'*11}|------")
def http_row(name, s, s99, n, n99, goal):
    r, l = s / n, s99 / n99
    met = "" if not goal else ("met" if r >= 0.40 and l <= 3 else "NOT met") + " (>= 0.40, <= 3)"
    print(f"| {name:<34} | {s:>9.0f} | {n:>9.0f} | {r:>6.2f} | {s99:>7.2f}ms | {n99:>7.2f}ms | {l:>9.2f} | {met}")
http_row("(1) GET /api/v1/me/accounts", acc_s, acc_s99, acc_n, acc_n99, True)
http_row("(1) GET /api/v1/me/contributions", con_s, con_s99, con_n, con_n99, True)
http_row("(2) static file /style.css", sta_s, sta_s99, sta_n, sta_n99, False)
print()
print(f"(3) sign-in: {signin_http_rate} POST /api/v1/sessions a second over HTTP ({threads} connections; "
      f"one alone {signin_http_ms} ms); {signin_rate:.1f} Argon2id verifications/s on {signin_threads} threads "
      f"({signin_one_ms:.0f} ms each alone); {params}")
growth = (rss_long - rss_short) / rss_short * 100
met = "met" if abs(growth) <= 10 else "NOT met"
print(f"(4) resident size: {rss_short / 1024:.1f} MiB after {n_short:,} requests, "
      f"{rss_long / 1024:.1f} MiB after {n_long:,}: {growth:+.1f}% ({met}, goal within 10%)")
PY
