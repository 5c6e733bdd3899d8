#!/usr/bin/env bash
# Makes the data the notebooks read: simulates a casino, loads it into a private redis-server, trains the models
# and exports their training and holdout sets, and evaluates the recommender offline on the simulator's history.
#
# Usage: notebooks/prepare.sh [DIR] [--players N] [--days D] [--seed S]
#   DIR         default test-output/notebook-data; the simulator's files (less the events, once loaded) go to
#               DIR/sim, the export to DIR/data
#   --players   default 1500 (PLAYERS)
#   --days      default 200 (DAYS): enough for complete 90-day VIP cohorts on both sides of the VIP split
#   --seed      default 7 (SEED)
#   --end       default 2026-11-02 (END): the day the history ends on; training and export run as of 10:00 UTC that
#               day (--as-of), so every run on any day sees the same data and the same figures

# Builds the four programs it runs (Release) when their binaries are missing; BUILD=1 builds anyway.
# Writes DIR/data/train.log (the train command's output), recs-eval.log (the recommendation benchmark's table) and
# DIR/data/timing.json (wall times of each step).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir=""
players="${PLAYERS:-1500}"
days="${DAYS:-200}"
seed="${SEED:-7}"
end_day="${END:-2026-11-02}"
while (($# > 0)); do
  case "$1" in
    --players) players="$2"; shift 2 ;;
    --days) days="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --end) end_day="$2"; shift 2 ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "prepare.sh: unknown option $1" >&2; exit 2 ;;
    *) dir="$1"; shift ;;
  esac
done
dir="${dir:-$root/test-output/notebook-data}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

bin() { echo "$root/$1/bin/Release/net10.0/$2.dll"; }
simulator="$(bin tests/Simulator Simulator)"
ingestion="$(bin Ingestion Ingestion)"
intelligence="$(bin Intelligence Intelligence)"
benchmarks="$(bin tests/Recommendations.Benchmarks Recommendations.Benchmarks)"
if [[ "${BUILD:-0}" == 1 || ! -f "$simulator" || ! -f "$ingestion" || ! -f "$intelligence" || ! -f "$benchmarks" ]]; then
  echo "prepare.sh: building Simulator, Ingestion, Intelligence and Recommendations.Benchmarks (Release)"
  for p in tests/Simulator/Simulator.csproj Ingestion/Ingestion.csproj Intelligence/Intelligence.csproj tests/Recommendations.Benchmarks/Recommendations.Benchmarks.csproj; do
    dotnet build "$root/$p" -c Release --disable-build-servers -nologo -v quiet
  done
fi

redis_server="$(command -v redis-server || echo /usr/bin/redis-server)"
redis_cli="$(command -v redis-cli || echo /usr/bin/redis-cli)"
if [[ ! -x "$redis_server" ]]; then
  echo "prepare.sh: redis-server is missing (apt-get install -y redis-server)" >&2
  exit 1
fi

# A free port: ask the kernel for one, then let redis-server take it.
port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis_dir="$(mktemp -d)"
"$redis_server" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$redis_dir" \
  --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
stop_redis() {
  if [[ -f "$redis_dir/redis.pid" ]]; then kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$redis_dir"
}
trap stop_redis EXIT
for _ in $(seq 50); do
  "$redis_cli" -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
store="127.0.0.1:$port"

declare -A seconds
# step NAME LOG COMMAND…: runs the command with its output in LOG and records its wall time.
step() {
  local name="$1" log="$2" start
  shift 2
  start="$EPOCHREALTIME"
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "prepare.sh: $name failed; its output is in $log" >&2
    exit 1
  fi
  seconds[$name]="$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')"
  printf 'prepare.sh: %s took %.1f s\n' "$name" "${seconds[$name]}"
}

sim="$dir/sim"
data="$dir/data"
rm -rf "$sim" "$data"
mkdir -p "$data"
echo "prepare.sh: $players players × $days days, seed $seed; redis on $store; output $data"
# History ends at the end day's midnight (UTC) and the models are trained and exported as of that morning: the same
# seed and day give the same casino and the same figures, whatever day it is.
end="${end_day}T00:00:00Z"
as_of="${end_day}T10:00:00Z"
step simulate "$data/simulate.log" dotnet "$simulator" history --players "$players" --days "$days" --seed "$seed" --end "$end" --out "$sim" --truth
step backfill "$data/backfill.log" dotnet "$ingestion" backfill "$sim/events-*.ndjson.gz" --redis "$store"
# The recommender's offline evaluation needs every round's time, which the store folds away: it reads the event files
# (split 7 days before the end, first plays in the last 7 days) and writes recs_eval.csv, recs_coverage.csv and
# recs_split.json for notebook 04.
step recs-eval "$data/recs-eval.log" dotnet "$benchmarks" eval --data "$sim" --seed "$seed" --export "$data"
# The event shards are most of the size of test-output/ and are in the store and evaluated now; the same seed and end
# make them again.
rm -f "$sim"/events-*.ndjson.gz

# The catalogue as the push API would store it: field = game id, value = the game's JSON.
load_catalogue() {
  /usr/bin/python3 - "$sim/games.json" <<'PY' | "$redis_cli" -p "$port" --pipe >/dev/null
import json, sys
games = json.load(open(sys.argv[1]))
games = games.get("games", games) if isinstance(games, dict) else games
def resp(*parts):
    out = [f"*{len(parts)}\r\n"]
    for p in parts:
        b = p.encode()
        out.append(f"${len(b)}\r\n{p}\r\n")
    return "".join(out)
sys.stdout.buffer.write("".join(resp("HSET", "catalog:games", g["gameId"] if "gameId" in g else g["id"], json.dumps(g, separators=(",", ":"))) for g in games).encode())
PY
}
step catalogue "$data/catalogue.log" load_catalogue
echo "prepare.sh: $("$redis_cli" -p "$port" hlen catalog:games) games in the catalogue"

step train "$data/train.log" dotnet "$intelligence" train --redis "$store" --as-of "$as_of"
step export "$data/export.log" dotnet "$intelligence" export --redis "$store" --out "$data" --as-of "$as_of"
cp "$sim/truth.ndjson" "$data/truth.ndjson"

{
  printf '{"players": %s, "days": %s, "seed": %s, "end": "%s"' "$players" "$days" "$seed" "$end"
  for k in simulate backfill recs-eval catalogue train export; do printf ', "%sSeconds": %s' "${k/-e/E}" "${seconds[$k]}"; done
  printf '}\n'
} >"$data/timing.json"
cat "$data/export.log"
