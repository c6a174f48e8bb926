#!/usr/bin/env bash
# Runs every LiaisonNet test from a fresh clone on Debian with the .NET SDK: builds once, then runs each test project,
# and the end-to-end suite a second time on PostgreSQL.
# The tests start the real services on loopback sockets bound on port 0; the browser tests drive Debian's Chromium, the
# topology tests real Redis, HAProxy and PostgreSQL, all installed from Debian's packages when missing (as root, or
# through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Installs the Debian packages named when any of the commands named is missing.
need_packages() {
  local missing=0
  for command in $1; do
    command -v "$command" >/dev/null 2>&1 || missing=1
  done
  [ "$missing" -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  echo "Installing $2 from Debian's packages"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2 </dev/null >/dev/null
}

need_packages "chromium" "chromium"
# PostgreSQL for the second run of the end-to-end suite; the tests start their own servers with infra/local/postgres.sh.
need_packages "psql" "postgresql"
# Redis and HAProxy for the scaled-out topology (infra/local/redis.sh, infra/local/haproxy.cfg), started by the tests.
need_packages "redis-server redis-cli haproxy" "redis-server redis-tools haproxy"

dotnet build LiaisonNet.sln -c Release -nologo -clp:NoSummary

log=$(mktemp)
status=0
dotnet test LiaisonNet.sln -c Release --no-build --nologo --filter "Scale!=Topology" 2>&1 | tee "$log" || status=$?

# The scaled-out tests on their own: each starts a dozen processes, which would starve the timing of the others.
echo "Scaled-out topology"
dotnet test tests/LiaisonNet.EndToEnd.Tests -c Release --no-build --nologo --filter "Scale=Topology" 2>&1 | tee -a "$log" || status=$?

# The end-to-end suite again, each system on a PostgreSQL server of its own (Liaison:Storage=Postgres); the tests that
# always start PostgreSQL themselves ran in the first pass, and so did those whose subject does not touch storage
# (Storage=Either: the command-line tool, token checks, headers, probes, the access table, the deployment files, the
# benchmark harness's smoke run).
echo "End-to-end suite on PostgreSQL"
LIAISON_TEST_STORAGE=Postgres dotnet test tests/LiaisonNet.EndToEnd.Tests -c Release --no-build --nologo --filter "Storage!=PostgresOnly&Storage!=Either" 2>&1 | tee -a "$log" || status=$?

passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "Tests: $passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  exit 1
fi
exit "$status"
