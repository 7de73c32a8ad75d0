#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks.
#
#   scripts/pg-test.sh start DIR   initdb into DIR (created when missing), start a
#                                  server on a free port of 127.0.0.1 with its
#                                  socket in DIR, trust authentication; prints
#                                  the URL (postgres://...) on stdout
#   scripts/pg-test.sh stop DIR    stops it (and its standby) and removes DIR
#   scripts/pg-test.sh run CMD...  starts one in a fresh temporary directory,
#                                  runs CMD with SIPF_TEST_DB_URL set to its
#                                  URL, stops and removes it on exit (also on
#                                  failure or interrupt); exits with CMD's code.
#                                  With SIPF_PG_REPLICA=1 it also makes a
#                                  streaming standby of it (pg_basebackup, in
#                                  the same directory, on its own free port)
#                                  and sets SIPF_TEST_REPLICA_URL to its URL
#
# SIPF_PG_DURABLE=1 (the benchmarks) runs the servers with fsync on.
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

# The -c options of every server here (a standby needs the primary's
# max_connections at least). Tests run without durability (nothing here
# survives the run). The benchmark sets SIPF_PG_DURABLE=1: fsync and full
# pages on, commits not waited for, as SQLite's WAL with synchronous=NORMAL.
server_options() {
    local fsync=off
    [ "${SIPF_PG_DURABLE:-0}" = 1 ] && fsync=on
    echo "-c fsync=$fsync -c synchronous_commit=off -c full_page_writes=$fsync \
          -c max_connections=200 -c shared_buffers=128MB"
}

# Starts the server of data directory DATA, logging to LOG, on a free port of
# 127.0.0.1 with its socket in DIR (another process may take the free port
# first: three tries); prints the port.
serve() {
    local bin=$1 dir=$2 data=$3 log=$4 port tries=0
    while :; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 30 start \
            -o "-h 127.0.0.1 -p $port -k $dir $(server_options)" >/dev/null 2>&1; then
            echo "$port"
            return 0
        fi
        tries=$((tries + 1))
        if [ $tries -ge 3 ]; then cat "$log" >&2; return 1; fi
    done
}

start() {
    local dir=$1 bin port
    bin=$(pg_bin)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; chmod 700 "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    port=$(serve "$bin" "$dir" "$dir/data" "$dir/server.log") || return 1
    echo "$port" >"$dir/port"
    # The socket directory must be reachable by the client when it is not
    # the owner (root reaches it anyway; tests connect over TCP).
    chmod 755 "$dir"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
}

# A streaming standby of the server start made in DIR, in DIR/standby: a base
# backup taken over 127.0.0.1 (initdb's pg_hba trusts replication from there;
# wal_level=replica and max_wal_senders are PostgreSQL's defaults) with the
# WAL streamed alongside and the standby's settings written (-R), through a
# replication slot so that the primary keeps whatever WAL the standby has not
# received yet; started, hot, on its own free port. Prints its URL.
standby() {
    local dir=$1 bin port
    bin=$(pg_bin)
    as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$(cat "$dir/port")" -U postgres \
        -D "$dir/standby" -R -X stream -C -S sipf_standby -c fast --no-sync \
        >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; return 1; }
    port=$(serve "$bin" "$dir" "$dir/standby" "$dir/standby.log") || return 1
    echo "postgres://postgres@127.0.0.1:$port/postgres"
}

stop() {
    local dir=$1 bin data
    bin=$(pg_bin)
    for data in "$dir/standby" "$dir/data"; do
        if [ -d "$data" ]; then
            as_owner "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
    done
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
    unset SIPF_TEST_REPLICA_URL
    if [ "${SIPF_PG_REPLICA:-0}" = 1 ]; then
        SIPF_TEST_REPLICA_URL=$(standby "$dir")
        export SIPF_TEST_REPLICA_URL
        echo "pg-test: its streaming standby at $SIPF_TEST_REPLICA_URL" >&2
    fi
    rc=0
    SIPF_TEST_DB_URL=$url "$@" || rc=$?
    exit $rc
    ;;
*)
    echo "usage: $0 start DIR | stop DIR | run CMD..." >&2
    exit 2
    ;;
esac
