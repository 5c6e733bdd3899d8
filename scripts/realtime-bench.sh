#!/usr/bin/env bash
# Issue #26's figures, the way README reports them: event → stored scores at 200 and 2,000 bets/s on 100,000 players
# (five 30 s runs each: every run's p50/p90/p99/max, the worst p99 and the spread), the 10-minute run at 2,000 bets/s
# (p99 per minute: drift), and event → the player's lobby push under 2,000 events/s (three runs). Run it on a machine
# doing nothing else: a build beside it moves the tail, not the median. Each command's whole output is kept in
# test-output/bench/ (one file per command, named by the time it started).
#
# Usage: scripts/realtime-bench.sh [--quick]   (--quick: 10,000 players, two 15 s runs per rate, no 10-minute run)
# Needs redis-server and the .NET SDK; builds the benchmarks in Release first. About 45 minutes in full.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
players=100000 runs=5 duration=30 drift=600 pushRuns=3
if [[ "${1:-}" == "--quick" ]]; then players=10000 runs=2 duration=15 drift=0 pushRuns=1
elif [[ -n "${1:-}" ]]; then echo "realtime-bench.sh: the only option is --quick (got '$1')" >&2; exit 2; fi
out=test-output/bench
mkdir -p "$out"
dotnet build tests/Intelligence.Benchmarks -c Release -v quiet
dotnet build tests/Lobby.Benchmarks -c Release -v quiet

run() {
  local name="$1"; shift
  local file="$out/$(date -u +%Y%m%dT%H%M%SZ)-$name.log"
  echo "== $name: $* (load average $(cut -d' ' -f1-3 /proc/loadavg)) → $file"
  "$@" 2>&1 | tee "$file"
}

for rate in 200 2000; do
  run "rescoring-$rate" dotnet run -c Release --no-build --project tests/Intelligence.Benchmarks -- \
    rescoring --players "$players" --rate "$rate" --duration "$duration" --runs "$runs"
done
if (( drift > 0 )); then
  run "rescoring-2000-drift" dotnet run -c Release --no-build --project tests/Intelligence.Benchmarks -- \
    rescoring --players "$players" --rate 2000 --duration "$drift" --runs 1
fi
for ((i = 1; i <= pushRuns; i++)); do
  run "push-latency-2000-$i" dotnet run -c Release --no-build --project tests/Lobby.Benchmarks -- \
    push-latency --background-players "$players" --background-rate 1980 --rate 20 --samples 600
done
