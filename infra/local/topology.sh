#!/usr/bin/env bash
# Starts the whole scaled-out LiaisonNet on one machine, as plain processes (no container engine needed): PostgreSQL
# and Redis (infra/local/postgres.sh, infra/local/redis.sh), one identity server, two instances each of the directory,
# relay, audit service and gateway, and HAProxy in front of them (infra/local/haproxy.cfg). Prints the URLs; stops it
# all again with `stop`.
#
#   infra/local/topology.sh [start] [--dir DIR] [--port BASE] [--no-build]
#   infra/local/topology.sh stop [--dir DIR]
#
#   --dir DIR     where everything keeps its data, logs and process ids (default /var/tmp/liaisonnet-topology); a
#                 second start on the same folder keeps the data.
#   --port BASE   the ports: the balancer on BASE+80 (gateway: the page to open), BASE+82 (directory), BASE+83
#                 (relay), BASE+84 (audit); instance N of a service on BASE+N*100+80 (gateway), +82, +83, +84; the
#                 identity server on BASE+181 and BASE+185 (account administration). Default 7000.
#   --no-build    use what is built already (dotnet build -c Release).
#
# Instance N of a service calls instance N of the others first and the other instance when that one stops answering.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command="start"
dir="/var/tmp/liaisonnet-topology"
base=7000
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    start|stop) command="$1"; shift ;;
    --dir) dir="$2"; shift 2 ;;
    --port) base="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir/logs" "$dir/pids"
dir="$(cd "$dir" && pwd)"

stop_all() {
  for pidfile in "$dir"/pids/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  bash "$here/redis.sh" --dir "$dir/redis" --stop >/dev/null 2>&1 || true
  local pg_ctl
  pg_ctl="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)/pg_ctl"
  if [ -f "$dir/postgres/data/postmaster.pid" ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$pg_ctl" -D "$dir/postgres/data" stop -m fast >/dev/null || true
    else "$pg_ctl" -D "$dir/postgres/data" stop -m fast >/dev/null || true; fi
  fi
}

if [ "$command" = stop ]; then
  stop_all
  echo "Stopped the topology in $dir."
  exit 0
fi

for tool in haproxy redis-server dotnet; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed (apt-get install -y haproxy redis-server postgresql)" >&2; exit 1; }
done
if [ "$build" = 1 ]; then
  dotnet build "$root/LiaisonNet.sln" -c Release -nologo -clp:NoSummary >"$dir/logs/build.log" 2>&1 || { echo "The build failed; see $dir/logs/build.log" >&2; exit 1; }
fi

port() { echo $((base + $1)); }
url() { echo "http://127.0.0.1:$(port "$1")"; }
instance() { echo $((100 * $1 + $2)); }   # instance N, service offset (80 gateway, 82 directory, 83 relay, 84 audit)

# The settings every process shares: secrets (made once in DIR/data), PostgreSQL, Redis.
eval "$(bash "$here/postgres.sh" --dir "$dir/postgres" --shell)"
eval "$(bash "$here/redis.sh" --dir "$dir/redis" --shell)"
host="$root/services/LiaisonNet.Host/bin/Release/net10.0/LiaisonNet.Host.dll"
settings="$dir/settings.env"
dotnet "$host" settings --data "$dir/data" >"$settings"

start_process() { # name service instance-number listen-url
  local name="$1" service="$2" n="$3" listen="$4" other=$((3 - $3))
  local dll="$root/services/LiaisonNet.$service/bin/Release/net10.0/LiaisonNet.$service.dll"
  local shared=()
  mapfile -t shared <"$settings"
  env "${shared[@]}" \
    Liaison__Storage="$Liaison__Storage" Liaison__Redis="$Liaison__Redis" \
    ConnectionStrings__Identity="$ConnectionStrings__Identity" ConnectionStrings__Directory="$ConnectionStrings__Directory" \
    ConnectionStrings__Relay="$ConnectionStrings__Relay" ConnectionStrings__Audit="$ConnectionStrings__Audit" ConnectionStrings__Gateway="$ConnectionStrings__Gateway" \
    Liaison__Urls__Gateway="$(url 80)" Liaison__Urls__Identity="$(url 181)" Liaison__Urls__IdentityAdmin="$(url 185)" \
    Liaison__Urls__Directory="$(url "$(instance "$n" 82)"),$(url "$(instance "$other" 82)")" \
    Liaison__Urls__Relay="$(url "$(instance "$n" 83)"),$(url "$(instance "$other" 83)")" \
    Liaison__Urls__Audit="$(url "$(instance "$n" 84)"),$(url "$(instance "$other" 84)")" \
    Liaison__Listen="$listen" \
    dotnet "$dll" >"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/pids/$name.pid"
}

wait_live() { # name url http-version
  for _ in $(seq 1 300); do
    if curl -fsS ${3:-} -o /dev/null "$2/health/live" 2>/dev/null; then return 0; fi
    if ! kill -0 "$(cat "$dir/pids/$1.pid")" 2>/dev/null; then echo "$1 stopped while starting; see $dir/logs/$1.log" >&2; tail -5 "$dir/logs/$1.log" >&2; exit 1; fi
    sleep 0.2
  done
  echo "$1 did not answer within 60 s; see $dir/logs/$1.log" >&2
  exit 1
}

start_process identity Identity 1 "$(url 181)"
wait_live identity "$(url 181)"
for service in Audit Directory Relay Gateway; do
  case "$service" in Gateway) offset=80 ;; Directory) offset=82 ;; Relay) offset=83 ;; Audit) offset=84 ;; esac
  lower="$(echo "$service" | tr 'A-Z' 'a-z')"
  for n in 1 2; do start_process "$lower-$n" "$service" "$n" "$(url "$(instance "$n" "$offset")")"; done
  h2=""; [ "$service" = Gateway ] || h2="--http2-prior-knowledge"
  for n in 1 2; do wait_live "$lower-$n" "$(url "$(instance "$n" "$offset")")" "$h2"; done
done

(
  export GATEWAY_BIND="127.0.0.1:$(port 80)" DIRECTORY_BIND="127.0.0.1:$(port 82)" RELAY_BIND="127.0.0.1:$(port 83)" AUDIT_BIND="127.0.0.1:$(port 84)"
  for n in 1 2; do
    export "GATEWAY_$n=127.0.0.1:$(port "$(instance "$n" 80)")" "DIRECTORY_$n=127.0.0.1:$(port "$(instance "$n" 82)")"
    export "RELAY_$n=127.0.0.1:$(port "$(instance "$n" 83)")" "AUDIT_$n=127.0.0.1:$(port "$(instance "$n" 84)")"
  done
  exec haproxy -db -f "$here/haproxy.cfg" >"$dir/logs/haproxy.log" 2>&1
) &
echo $! >"$dir/pids/haproxy.pid"
wait_live haproxy "$(url 80)"

cat <<TEXT
LiaisonNet runs scaled out (data, logs and process ids in $dir):
  open          $(url 80)/            the page, through HAProxy to gateway 1 or 2
  gRPC          $(url 82) directory, $(url 83) relay, $(url 84) audit   (HAProxy, HTTP/2)
  identity      $(url 181)            sign-in pages and tokens (one instance)
  instances     gateway $(url "$(instance 1 80)") $(url "$(instance 2 80)"), relay $(url "$(instance 1 83)") $(url "$(instance 2 83)"), ...
  PostgreSQL    $dir/postgres (Unix socket)    Redis $Liaison__Redis
Demo sign-ins as in the README. Stop it all: infra/local/topology.sh stop --dir $dir
TEXT
