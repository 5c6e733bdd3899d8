#!/usr/bin/env bash
# Issue #25's figure: what reconciliation and the feed status (the bookkeeping) cost the ingest path. Runs the stream
# benchmark (a day of live traffic, NDJSON over HTTP into Ingestion and a local redis-server) with the bookkeeping on
# and off, interleaved run by run so a machine whose load drifts moves both alike, and prints each pair's share of
# events/s lost, the share on the means, and the CPU per event of redis-server and Ingestion either way.
#
# Usage: scripts/bookkeeping-bench.sh [runs] [events] [batch]   (defaults: 5 pairs of 200,000 events each in 2,000-event
# requests from 4 clients; about 6 minutes. A batch under 100 is sent from 16 clients, as vendors' one-event webhooks are)
# Needs redis-server and the .NET SDK; builds the benchmark in Release first. Each run's whole output is kept in
# test-output/bench/bookkeeping-<time>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-5}" events="${2:-200000}" batch="${3:-2000}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bookkeeping-bench.sh: runs must be a positive whole number (got '$runs')" >&2; exit 2; }
[[ "$events" =~ ^[1-9][0-9]*$ ]] || { echo "bookkeeping-bench.sh: events must be a positive whole number (got '$events')" >&2; exit 2; }
[[ "$batch" =~ ^[1-9][0-9]*$ ]] || { echo "bookkeeping-bench.sh: batch must be a positive whole number (got '$batch')" >&2; exit 2; }
clients=4; ((batch >= 100)) || clients=16
out="test-output/bench/bookkeeping-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
dotnet build tests/Ingestion.Benchmarks -c Release -v quiet -nologo >/dev/null
bench=(dotnet tests/Ingestion.Benchmarks/bin/Release/net10.0/Ingestion.Benchmarks.dll --modes stream --events "$events" --warmup $((events / 10)) --batch "$batch" --clients "$clients" --no-ceiling)

figure() { # events/s, redis µs/event, Ingestion µs/event of one run's log
  local eps redis ingestion
  eps=$(grep -m1 '^events/s' "$1" | awk '{gsub(",", "", $2); print $2}')
  redis=$(grep -m1 '^cpu per event' "$1" | sed -E 's/.*redis-server ([0-9.,]+) µs.*/\1/' | tr -d ,)
  ingestion=$(grep -m1 '^cpu per event' "$1" | sed -E 's/.*Ingestion ([0-9.,]+) µs.*/\1/' | tr -d ,)
  echo "$eps $redis $ingestion"
}

declare -a on off
for ((i = 1; i <= runs; i++)); do
  # Which goes first alternates, so neither side always meets the machine colder (the first run of all is the slowest).
  if ((i % 2)); then
    "${bench[@]}" >"$out/on-$i.log" 2>&1
    "${bench[@]}" --env Reconciliation__Enabled=false Feeds__Enabled=false >"$out/off-$i.log" 2>&1
  else
    "${bench[@]}" --env Reconciliation__Enabled=false Feeds__Enabled=false >"$out/off-$i.log" 2>&1
    "${bench[@]}" >"$out/on-$i.log" 2>&1
  fi
  read -r eon ron ion < <(figure "$out/on-$i.log")
  read -r eoff roff ioff < <(figure "$out/off-$i.log")
  on+=("$eon") off+=("$eoff")
  awk -v i="$i" -v a="$eon" -v b="$eoff" -v ra="$ron" -v rb="$roff" -v ia="$ion" -v ib="$ioff" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    printf "pair %d: on %s events/s, off %s: %.1f%% fewer; cpu per event on/off: redis-server %s/%s µs, Ingestion %s/%s µs (load %s)\n",
      i, a, b, (b - a) / b * 100, ra, rb, ia, ib, load }'
done
printf '%s\n' "${on[@]}" >"$out/on.txt"
printf '%s\n' "${off[@]}" >"$out/off.txt"
paste "$out/on.txt" "$out/off.txt" | awk '{ on += $1; off += $2; s = ($2 - $1) / $2 * 100; if (NR == 1 || s < lo) lo = s; if (NR == 1 || s > hi) hi = s }
  END { printf "bookkeeping: %.1f%% fewer events/s on the means (pairs %.1f to %.1f%%) over %d pairs; logs in %s\n", (off - on) / off * 100, lo, hi, NR, "'"$out"'" }'
paste "$out/on.txt" "$out/off.txt" | awk '{ print ($2 - $1) / $2 * 100 }' | sort -n | awk '{ s[NR] = $1 } END { printf "median pair: %.1f%% fewer events/s\n", (NR % 2) ? s[(NR + 1) / 2] : (s[NR / 2] + s[NR / 2 + 1]) / 2 }'
