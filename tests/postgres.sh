#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the engine's Postgres store tests, under target/postgres.
#
#   bash tests/postgres.sh start   # installs Debian's postgresql with apt when initdb/pg_ctl are
#                                  # missing, initdb + pg_ctl start on a unix socket in
#                                  # target/postgres (no TCP port), prints the URL on stdout
#   bash tests/postgres.sh stop    # stops the cluster and deletes its data directory
#   bash tests/postgres.sh url     # prints the URL of the running cluster
#   bash tests/postgres.sh install # only the apt install when missing (run-all.sh runs it
#                                  # during the build)
#
# Use by hand: `export STYTCH_MFA_TEST_POSTGRES_URL=$(bash tests/postgres.sh start)`, then
# `cargo test -p mfa-engine`. tests/run-all.sh does exactly that and stops it on exit.
# initdb refuses to run as root, so as root (CI) the cluster is run by the `postgres` user that
# Debian's package creates, and the data directory is owned by it. Progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

# The cluster lives in target/postgres, unless the `postgres` user (root runs) cannot reach it
# there (a checkout under a private home directory): then in a /tmp directory named for this
# checkout, recorded in target/postgres.path so stop/url find it. A unix socket path must also
# stay under ~100 bytes.
pointer="$PWD/target/postgres.path"
base="$PWD/target/postgres"
if [ -f "$pointer" ]; then base=$(cat "$pointer"); fi

set_paths() {
    data="$base/data"
    log="$base/server.log"
    url="postgres://postgres@localhost/postgres?host=$base"
}
set_paths

say() { echo "postgres.sh: $*" >&2; }

# The newest Debian server binaries (initdb and pg_ctl are not on PATH in Debian's package).
bin_dir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
        echo "$dir"
    fi
}

install_postgres() {
    if [ -n "$(bin_dir)" ]; then
        return
    fi
    say "installing postgresql (apt): initdb/pg_ctl not found under /usr/lib/postgresql/*/bin"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
    if [ -z "$(bin_dir)" ]; then
        say "apt installed postgresql but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
        exit 1
    fi
}

# as_owner CMD...: run CMD as the cluster's owner (`postgres` when we are root, else ourselves).
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

running() {
    [ -d "$data" ] && as_owner "$(bin_dir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

start() {
    install_postgres
    local bin
    bin=$(bin_dir)
    if running; then
        say "already running ($data)"
        echo "$url"
        return
    fi
    rm -rf "$base" "$pointer"
    base="$PWD/target/postgres"
    mkdir -p "$base"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$base"; fi
    if ! as_owner test -w "$base" || [ ${#base} -gt 90 ]; then
        base="/tmp/stytch-mfa-postgres-$(echo "$PWD" | md5sum | cut -c1-12)"
        rm -rf "$base"
        mkdir -p "$base"
        if [ "$(id -u)" = 0 ]; then chown postgres: "$base"; fi
        echo "$base" >"$pointer"
        say "target/ is not reachable by the cluster's owner (or too long a socket path): using $base"
    fi
    set_paths
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then chown -R postgres: "$base"; fi
    say "initdb $data ($("$bin/postgres" --version))"
    # trust: the socket lives in our own target/ and the cluster holds only test data.
    as_owner "$bin/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 >"$base/initdb.log"
    # No TCP listener: a unix socket in target/postgres. fsync off: a throwaway cluster.
    as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start -o \
        "-c listen_addresses= -k $base -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >&2
    say "running; URL $url"
    echo "$url"
}

stop() {
    local bin
    bin=$(bin_dir)
    if [ -n "$bin" ] && running; then
        as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >&2
    fi
    rm -rf "$base" "$pointer"
    say "stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
url) running && echo "$url" ;;
install) install_postgres ;;
*)
    echo "usage: bash tests/postgres.sh start|stop|url|install" >&2
    exit 2
    ;;
esac
