#!/usr/bin/env bash
# Starts a real PostgreSQL server (Debian's postgresql package) for LiaisonNet in a folder of its own, creates one
# database per service and an owner role for them, and prints the connection strings, one per line, as
# ConnectionStrings__<Service>=... (the names the services read them by).
#
#   infra/local/postgres.sh [--dir DIR] [--port PORT] [--shell]
#
#   --dir DIR    where the cluster lives (created when missing; a temporary folder by default). A folder that already
#                holds a cluster is started as it is: its databases and data are kept.
#   --port PORT  also listen on 127.0.0.1:PORT, with a password; without it the server listens only on a Unix
#                socket inside DIR, so nothing else on the machine can take or reach its port.
#   --shell      print `export NAME='value'` lines instead, Liaison__Storage=Postgres among them, for
#                eval "$(infra/local/postgres.sh --shell)" before starting LiaisonNet.
#
# Stop it with: pg_ctl -D DIR/data stop -m fast   (as the postgres user when started as root).
# PostgreSQL refuses to run as root: as root, the server runs as the postgres user.
set -euo pipefail

dir=""
port=""
shell=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --shell) shell=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

bin=""
for candidate in /usr/lib/postgresql/*/bin; do
  [ -x "$candidate/initdb" ] && bin="$candidate"
done
if [ -z "$bin" ]; then
  echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2
  exit 1
fi

[ -n "$dir" ] || dir=$(mktemp -d /tmp/liaison-pg.XXXXXX)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"

password_file="$dir/liaison.password"
if [ ! -f "$dir/data/PG_VERSION" ]; then
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$password_file"
  chmod 600 "$password_file"
fi

listen="''"
[ -n "$port" ] && listen="'127.0.0.1'"
options="-c listen_addresses=$listen -c unix_socket_directories='$dir' -c port=${port:-5432}"
# What durability needs is PostgreSQL's default (fsync, synchronous_commit=on, full_page_writes): it is kept as it is.
if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$options" -w -t 60 start >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2; exit 1; }
fi

psql_() { as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "${port:-5432}" -U postgres "$@"; }
password=$(cat "$password_file")
psql_ -d postgres -tA -c "SELECT 1 FROM pg_roles WHERE rolname = 'liaison'" | grep -q 1 \
  || psql_ -d postgres -c "CREATE ROLE liaison LOGIN PASSWORD '$password'"
for service in identity directory relay audit gateway; do
  psql_ -d postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = 'liaison_$service'" | grep -q 1 \
    || psql_ -d postgres -c "CREATE DATABASE liaison_$service OWNER liaison"
done

[ "$shell" -eq 1 ] && echo "export Liaison__Storage=Postgres"
for service in Identity Directory Relay Audit Gateway; do
  database="liaison_$(echo "$service" | tr '[:upper:]' '[:lower:]')"
  if [ -n "$port" ]; then
    value="Host=127.0.0.1;Port=$port;Database=$database;Username=liaison;Password=$password"
  else
    value="Host=$dir;Port=${port:-5432};Database=$database;Username=liaison"
  fi
  if [ "$shell" -eq 1 ]; then
    echo "export ConnectionStrings__$service='$value'"
  else
    echo "ConnectionStrings__$service=$value"
  fi
done
