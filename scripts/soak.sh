#!/usr/bin/env bash
# The chaos soak (tests/Lobby.IntegrationTests/ChaosSoakTests.cs), for as long as you like: the three services on one
# Redis with the append-only file, bets at a steady rate, and every 15 s a fault in turn (Redis shut down and restarted,
# clients paused at Redis, Ingestion killed -9, the webhook receiver slow, Intelligence killed -9, Redis killed -9,
# the receiver failing, the lobby killed -9), each followed by the time until every service was ready again. The
# receiver is down while membership changes are made (from the start, and at its faults, when a new segment is created).
# At the end it prints and checks: bets sent/acknowledged/counted (lost = 0, counted twice = 0), every player rescored
# after their last bet, a webhook with its id for every member of every segment, every refused delivery delivered again
# under its event id, the dead letters explained.
#
# Usage: scripts/soak.sh [seconds]      (default 600, the 10-minute run, the length CI runs through the slow suite)
# Without the script: SOAK_SECONDS=600 dotnet test tests/Lobby.IntegrationTests -c Release --filter FullyQualifiedName~ChaosSoakTests
# Needs redis-server and the .NET SDK; builds the services and the tests in Release first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-600}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 15 )); then
  echo "soak.sh: the length is a number of seconds, at least 15 (got '$seconds')" >&2
  exit 2
fi
dotnet build tests/Lobby.IntegrationTests -c Release -v quiet
SOAK_SECONDS="$seconds" dotnet test tests/Lobby.IntegrationTests -c Release --no-build \
  --filter "FullyQualifiedName~ChaosSoakTests" --logger "console;verbosity=detailed" \
  | grep -E '^\s*\[[0-9]{2}:[0-9]{2}:[0-9]{2}\]|Passed!|Failed!|Assert|Error Message' 
