#!/usr/bin/env bash
# Starts a real Redis server (Debian's redis-server package) for LiaisonNet in a folder of its own, as a plain process,
# and prints the setting that points the services at it: Liaison__Redis=<its Unix socket>.
#
#   infra/local/redis.sh [--dir DIR] [--port PORT] [--shell] [--stop]
#
#   --dir DIR    where the server keeps its socket, log and pid file (created when missing; a temporary folder by
#                default). Redis holds only signals and counters for LiaisonNet, nothing durable: it saves nothing.
#   --port PORT  also listen on 127.0.0.1:PORT; without it the server listens only on a Unix socket inside DIR, so
#                nothing else on the machine can take or reach its port.
#   --shell      print `export Liaison__Redis='...'` instead, for eval "$(infra/local/redis.sh --shell)".
#   --stop       stop the server of DIR and exit.
set -euo pipefail

dir=""
port=""
shell=0
stop=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --shell) shell=1; shift ;;
    --stop) stop=1; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ! command -v redis-server >/dev/null 2>&1; then
  echo "Redis is not installed: apt-get install -y redis-server" >&2
  exit 1
fi

[ -n "$dir" ] || dir="$(mktemp -d -t liaisonnet-redis-XXXXXX)"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
socket="$dir/redis.sock"

if [ "$stop" = 1 ]; then
  if [ -S "$socket" ]; then
    redis-cli -s "$socket" shutdown nosave >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 100); do
    [ -S "$socket" ] || exit 0
    sleep 0.1
  done
  echo "Redis in $dir did not stop" >&2
  exit 1
fi

if ! redis-cli -s "$socket" ping >/dev/null 2>&1; then
  rm -f "$socket"
  redis-server --port "${port:-0}" --bind 127.0.0.1 --unixsocket "$socket" --unixsocketperm 700 \
    --dir "$dir" --save "" --appendonly no --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  for _ in $(seq 1 100); do
    redis-cli -s "$socket" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -s "$socket" ping >/dev/null 2>&1 || { echo "Redis did not start; see $dir/redis.log" >&2; exit 1; }
fi

value="$socket"
[ -z "$port" ] || value="127.0.0.1:$port"
if [ "$shell" = 1 ]; then
  printf "export Liaison__Redis='%s'\n" "$value"
else
  printf 'Liaison__Redis=%s\n' "$value"
fi
