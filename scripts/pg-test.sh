#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks.
#
#   scripts/pg-test.sh start DIR   initdb into DIR (created when missing), start a
#                                  server on a free port of 127.0.0.1 with its
#                                  socket in DIR, trust authentication; prints
#                                  the URL (postgres://...) on stdout
#   scripts/pg-test.sh stop DIR    stops it and removes DIR
#   scripts/pg-test.sh run CMD...  starts one in a fresh temporary directory,
#                                  runs CMD with SIPF_TEST_DB_URL set to its
#                                  URL, stops and removes it on exit (also on
#                                  failure or interrupt); exits with CMD's code
#
# initdb refuses to run as root: as root the server runs as the `postgres`
# user (created by the Debian package), and DIR is handed to it.
set -euo pipefail

pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    echo "pg-test: PostgreSQL server binaries (initdb, pg_ctl) not found; run scripts/setup.sh" >&2
    return 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
    local dir=$1 bin port
    bin=$(pg_bin)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; chmod 700 "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    # Tests run without durability (nothing here survives the run). The
    # benchmark sets SIPF_PG_DURABLE=1: fsync and full pages on, commits not
    # waited for, as SQLite's WAL with synchronous=NORMAL.
    local fsync=off sync_commit=off
    [ "${SIPF_PG_DURABLE:-0}" = 1 ] && fsync=on
    local tries=0
    while :; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
            -o "-h 127.0.0.1 -p $port -k $dir -c fsync=$fsync -c synchronous_commit=$sync_commit \
                -c full_page_writes=$fsync -c max_connections=200 -c shared_buffers=128MB" \
            >/dev/null 2>&1; then
            break
        fi
        tries=$((tries + 1))
        if [ $tries -ge 3 ]; then cat "$dir/server.log" >&2; return 1; fi
    done
    echo "$port" >"$dir/port"
    # The socket directory must be reachable by the client when it is not
    # the owner (root reaches it anyway; tests connect over TCP).
    chmod 755 "$dir"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
}

stop() {
    local dir=$1 bin
    bin=$(pg_bin)
    if [ -d "$dir/data" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case ${1:-} in
start) start "$2" ;;
stop) stop "$2" ;;
run)
    shift
    dir=$(mktemp -d /tmp/sipf-pg-XXXXXX)
    trap 'stop "$dir"' EXIT
    trap 'exit 130' INT TERM
    url=$(start "$dir")
    echo "pg-test: PostgreSQL at $url" >&2
    rc=0
    SIPF_TEST_DB_URL=$url "$@" || rc=$?
    exit $rc
    ;;
*)
    echo "usage: $0 start DIR | stop DIR | run CMD..." >&2
    exit 2
    ;;
esac
