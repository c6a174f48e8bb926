#!/usr/bin/env bash
# Runs every LiaisonNet test from a fresh clone on Debian with the .NET SDK: builds once, then runs each test project.
# The embedded system's tests start the real services on free loopback ports; nothing else needs installing yet.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet build LiaisonNet.sln -c Release -nologo -clp:NoSummary

log=$(mktemp)
status=0
dotnet test LiaisonNet.sln -c Release --no-build --nologo 2>&1 | tee "$log" || status=$?

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
