#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# pg-test-cluster.sh BASEDIR COMMAND [ARG...]
#
# Runs COMMAND against a throwaway PostgreSQL cluster: initdb (data checksums,
# trust authentication, Unix socket only, fsync on) in a fresh directory under
# BASEDIR, start, create a database, run COMMAND with
#   MD_TEST_PG_URI=postgresql:///meterdesk_test?host=SOCKETDIR&user=postgres
# exported, then stop the cluster and remove it, also when COMMAND fails or
# the script is interrupted. Several copies may run at once: every cluster
# has its own directory and socket directory, and none listens on TCP.
#
# As root, the server runs as the "postgres" user. It never skips: when
# PostgreSQL cannot be set up the script fails and says why. This script
# prints only to stderr, so COMMAND's stdout (TAP) stays clean.
#
# MD_PG_BINDIR overrides where initdb, pg_ctl and createdb are looked for.

set -u

prog=pg-test-cluster
die () {
  echo "$prog: error: $*" >&2
  exit 1
}
note () {
  echo "$prog: $*" >&2
}

[ $# -ge 2 ] || die "usage: $0 BASEDIR COMMAND [ARG...]"
basedir=$1
shift

find_bindir () {
  local d
  if [ -n "${MD_PG_BINDIR:-}" ]; then
    echo "$MD_PG_BINDIR"
    return
  fi
  # Debian keeps the server tools per major version; take the newest.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n -r); do
    if [ -x "$d/initdb" ]; then
      echo "$d"
      return
    fi
  done
  d=$(command -v initdb 2>/dev/null) && dirname "$d" && return
  return 1
}

bindir=$(find_bindir) || die "PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql or set MD_PG_BINDIR"
for tool in initdb pg_ctl createdb; do
  [ -x "$bindir/$tool" ] || die "$bindir/$tool is missing"
done

if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root but there is no postgres user to run the server"
  as_server () { runuser -u postgres -- "$@"; }
  server_owns () { chown postgres: "$@"; }
else
  as_server () { "$@"; }
  server_owns () { :; }
fi

dir=
sockdir=
child=
started=

cleanup () {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  if [ -n "$started" ]; then
    as_server "$bindir/pg_ctl" -D "$dir/data" -s -w -t 30 -m fast stop >&2 ||
      as_server "$bindir/pg_ctl" -D "$dir/data" -s -w -t 30 -m immediate stop >&2
  fi
  [ -n "$dir" ] && rm -rf -- "$dir"
  [ -n "$sockdir" ] && [ "${sockdir#"$dir"/}" = "$sockdir" ] && rm -rf -- "$sockdir"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The server must be able to reach its directory: as root under a home or
# build tree it may not (mode 0700 parents), so fall back to /tmp then.
server_can_use () {
  as_server sh -c 'cd -- "$1" && test -w .' sh "$1" 2>/dev/null
}

mkdir -p -- "$basedir/pg-test" || die "cannot create $basedir/pg-test"
dir=$(mktemp -d "$basedir/pg-test/c.XXXXXX") || die "cannot create a directory in $basedir/pg-test"
dir=$(cd -- "$dir" && pwd -P)
server_owns "$dir"
if ! server_can_use "$dir"; then
  rm -rf -- "$dir"
  dir=$(mktemp -d /tmp/mdpg.XXXXXX) || die "cannot create a directory in /tmp"
  server_owns "$dir"
  note "the server user cannot reach $basedir/pg-test; using $dir instead"
  server_can_use "$dir" || die "the server user cannot use $dir either"
fi

# A Unix socket path is limited to 107 bytes ("$sockdir/.s.PGSQL.5432"), and
# the directory goes into a URI and a config file unquoted: keep it short
# and plain, else use a short directory under /tmp.
sockdir=$dir/s
if [ ${#sockdir} -gt 80 ] || [[ "$sockdir" =~ [^A-Za-z0-9/._-] ]]; then
  sockdir=$(mktemp -d /tmp/mdpgs.XXXXXX) || die "cannot create a socket directory in /tmp"
else
  mkdir -m 0700 -- "$sockdir" || die "cannot create $sockdir"
fi
server_owns "$sockdir"

if ! as_server "$bindir/initdb" -D "$dir/data" -U postgres -A trust -k -E UTF8 --no-locale \
       --no-instructions >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log" >&2
  die "initdb failed in $dir/data"
fi

cat >>"$dir/data/postgresql.conf" <<EOF

# pg-test-cluster.sh: private, socket-only, durable
listen_addresses = ''
unix_socket_directories = '$sockdir'
unix_socket_permissions = 0700
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 40
shared_buffers = 32MB
log_min_messages = warning
log_min_error_statement = panic
EOF

started=1
if ! as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -s -w -t 60 start >&2; then
  tail -n 30 "$dir/server.log" >&2 2>/dev/null
  die "PostgreSQL did not start (cluster $dir/data)"
fi

if ! "$bindir/createdb" -h "$sockdir" -U postgres meterdesk_test >&2; then
  tail -n 30 "$dir/server.log" >&2 2>/dev/null
  die "cannot create the test database"
fi

export MD_TEST_PG_URI="postgresql:///meterdesk_test?host=$sockdir&user=postgres"

"$@" &
child=$!
rc=0
wait "$child" || rc=$?
child=

if [ "$rc" -eq 77 ]; then
  note "$1 asked to be skipped; with a running server that is a failure"
  rc=1
fi
exit "$rc"
