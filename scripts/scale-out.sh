#!/usr/bin/env bash
# Runs the product scaled out on one machine, without docker: a Redis Cluster of three masters with a replica each
# (redis-server and redis-cli from Debian's redis-server package), and two processes of every service against it:
#   Ingestion     http://127.0.0.1:5280 and :5281
#   Intelligence  http://127.0.0.1:5282 and :5283
#   Lobby.Blazor  http://127.0.0.1:5284 (talks to the first Intelligence) and :5285 (to the second)
# With --chaos it then plays the failure drill the test ScaleOutTests automates: bets sent round-robin to both
# Ingestions (each batch resent to the other until acknowledged), one process of each service killed mid-load, and
# at the end every player's acknowledged bets compared with what the surviving Intelligence serves.
# Logs: .data/scale-out/logs; Redis nodes: .data/scale-out/redis. Ctrl-C stops everything.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/scale-out.sh [--chaos] [--seconds S] [--players N] [--no-build] [--help]

  --chaos       After start-up, stream bets for S seconds (default 20) over N players (default 200), kill one
                Ingestion, one Intelligence and one lobby a third of the way in, then check every acknowledged bet
                was counted once, and exit (0: all counted once; 1: not).
  --no-build    Use the Release build already there.
Without --chaos everything keeps running until Ctrl-C.

Environment: REDIS_BASE_PORT (default 7101: nodes on 7101-7106, cluster bus on 17101-17106),
             HTTP_BASE_PORT (default 5280: services on 5280-5285).
EOF
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly root="$PWD"
readonly data="$root/.data/scale-out"
readonly redis_base="${REDIS_BASE_PORT:-7101}"
readonly http_base="${HTTP_BASE_PORT:-5280}"
readonly api_key="scale-out-dev-key"
readonly signing_key="scale-out-player-token-signing-key-0123456789"
chaos=0
build=1
seconds=20
players=200
while (($# > 0)); do
  case "$1" in
    --chaos) chaos=1; shift ;;
    --no-build) build=0; shift ;;
    --seconds) seconds="$2"; shift 2 ;;
    --players) players="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "scale-out.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

for tool in redis-server redis-cli dotnet curl python3; do
  command -v "$tool" >/dev/null || { echo "scale-out.sh: $tool is missing (apt-get install -y redis-server curl python3; the .NET SDK of global.json)" >&2; exit 1; }
done

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop_all' EXIT
trap 'exit 130' INT TERM

if ((build)); then
  echo "scale-out.sh: building (Release)"
  dotnet build Intelligence.sln -c Release -v quiet -nologo >/dev/null
fi

rm -rf "$data"
mkdir -p "$data/logs" "$data/redis"

# The cluster: six nodes, then `redis-cli --cluster create` makes three masters with a replica each.
nodes=()
for i in 0 1 2 3 4 5; do
  port=$((redis_base + i))
  mkdir -p "$data/redis/$port"
  redis-server --bind 127.0.0.1 --port "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-port $((port + 10000)) --cluster-node-timeout 5000 --dir "$data/redis/$port" --save "" \
    --appendonly yes --appendfsync everysec --repl-diskless-sync-delay 0 --daemonize no \
    >"$data/logs/redis-$port.log" 2>&1 &
  pids+=($!)
  nodes+=("127.0.0.1:$port")
done
for node in "${nodes[@]}"; do
  until redis-cli -p "${node##*:}" ping >/dev/null 2>&1; do sleep 0.1; done
done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$data/logs/cluster-create.log"
until redis-cli -p "$redis_base" cluster info | grep -q "cluster_state:ok"; do sleep 0.2; done
connection="$(IFS=,; echo "${nodes[*]}")"
echo "scale-out.sh: Redis Cluster up: $connection"

common=(
  "ConnectionStrings__Redis=$connection" "EmbeddedStore__Enabled=false" "DEMO=0" "ASPNETCORE_ENVIRONMENT=Production"
  "Webhooks__SecretsKey=$(head -c 32 /dev/urandom | base64)" "Metrics__Anonymous=true"
  "ApiKeys__0__Name=scale-out" "ApiKeys__0__Key=$api_key"
  "ApiKeys__0__Scopes=events:write events:rg catalog:write players:erase scores:read segments:write audit:read segments:export models:admin webhooks:write affiliates:read ops:read harm:cases"
  "Logging__LogLevel__Default=Warning"
)
# name, dll, port, extra settings...
start() {
  local name="$1" dll="$2" port="$3"
  shift 3
  (cd "$(dirname "$dll")" && exec env "${common[@]}" "Urls=http://127.0.0.1:$port" "$@" dotnet "$(basename "$dll")") \
    >"$data/logs/$name.log" 2>&1 &
  pids+=($!)
  eval "pid_${name//-/_}=$!"
}
ready() {
  local url="$1" i
  for ((i = 0; i < 600; i++)); do
    curl -fsS "$url/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "scale-out.sh: $url did not become ready; see $data/logs" >&2
  return 1
}

ing="$root/Ingestion/bin/Release/net10.0/Ingestion.dll"
intel="$root/Intelligence/bin/Release/net10.0/Intelligence.dll"
lobby="$root/Lobby.Blazor/bin/Release/net10.0/Lobby.Blazor.dll"
intel_settings=("Training__TrainWhenMissing=true" "Scoring__RescoreLease=00:00:05" "Segments__InstanceLease=00:00:05")
start ingestion-1 "$ing" $((http_base + 0))
start ingestion-2 "$ing" $((http_base + 1))
start intelligence-1 "$intel" $((http_base + 2)) "${intel_settings[@]}"
start intelligence-2 "$intel" $((http_base + 3)) "${intel_settings[@]}"
for port in 0 1 2 3; do ready "http://127.0.0.1:$((http_base + port))"; done
lobby_settings=("Cookies__Secure=false" "Lobby__IntelligenceApiKey=$api_key" "Lobby__TokenSigningKey=$signing_key" "RateLimits__HubConnectsPerAddress=1000000" "Console__IntelligenceApiKey=$api_key")
start lobby-1 "$lobby" $((http_base + 4)) "Lobby__IntelligenceUrl=http://127.0.0.1:$((http_base + 2))" "${lobby_settings[@]}"
start lobby-2 "$lobby" $((http_base + 5)) "Lobby__IntelligenceUrl=http://127.0.0.1:$((http_base + 3))" "${lobby_settings[@]}"
for port in 4 5; do ready "http://127.0.0.1:$((http_base + port))"; done

cat <<EOF
scale-out.sh: running (API key $api_key)
  Ingestion     http://127.0.0.1:$((http_base + 0))  http://127.0.0.1:$((http_base + 1))
  Intelligence  http://127.0.0.1:$((http_base + 2))  http://127.0.0.1:$((http_base + 3))
  Lobby         http://127.0.0.1:$((http_base + 4))  http://127.0.0.1:$((http_base + 5))
  Redis Cluster $connection   (redis-cli -c -p $redis_base)
EOF

if ((!chaos)); then
  echo "Ctrl-C stops everything."
  wait
  exit 0
fi

# The drill: a round-robin sender that resends each batch to the next Ingestion until one acknowledges it.
acked="$data/acknowledged.txt"
: >"$acked"
sender() {
  local until=$(($(date +%s) + seconds)) batch=0 turn=0 body i p code
  while (($(date +%s) < until)); do
    body=""
    local sent=()
    for ((i = 0; i < 20; i++)); do
      p="p-so-$((RANDOM % players))"
      body+="{\"specversion\":\"1.0\",\"id\":\"b-$batch-$i\",\"source\":\"/scale-out\",\"type\":\"wallet.bet\",\"subject\":\"$p\",\"data\":{\"transactionId\":\"b-$batch-$i\",\"roundId\":\"r-$batch\",\"gameId\":\"g-1\",\"amount\":1,\"currency\":\"EUR\"}}"$'\n'
      sent+=("$p")
    done
    while true; do
      code="$(curl -s -o /dev/null -w '%{http_code}' -m 10 -X POST -H "X-Api-Key: $api_key" -H 'Content-Type: application/x-ndjson' \
        --data-binary "$body" "http://127.0.0.1:$((http_base + turn % 2))/v1/events" || true)"
      turn=$((turn + 1))
      [[ "$code" == 200 ]] && break
      echo "not acknowledged ($code), resent" >>"$data/logs/sender.log"
      sleep 0.05
    done
    printf '%s\n' "${sent[@]}" >>"$acked"
    batch=$((batch + 1))
  done
}
echo "scale-out.sh: streaming bets for $seconds s; killing ingestion-2, intelligence-1 and lobby-2 after $((seconds / 3)) s"
sender &
sender_pid=$!
sleep $((seconds / 3))
# shellcheck disable=SC2154 # set by start()
kill -9 "$pid_ingestion_2" "$pid_intelligence_1" "$pid_lobby_2"
wait "$pid_ingestion_2" "$pid_intelligence_1" "$pid_lobby_2" 2>/dev/null || true
echo "scale-out.sh: killed one process of each service"
wait "$sender_pid"
echo "scale-out.sh: $(wc -l <"$acked") bets acknowledged ($(grep -c . "$data/logs/sender.log" 2>/dev/null || echo 0) requests resent); checking every player"
python3 - "$acked" "http://127.0.0.1:$((http_base + 3))" "$api_key" <<'PY'
import collections, json, sys, urllib.request
acked = collections.Counter(line.strip() for line in open(sys.argv[1]) if line.strip())
bad = 0
for player, n in sorted(acked.items()):
    req = urllib.request.Request(f"{sys.argv[2]}/v1/players/{player}/profile", headers={"X-Api-Key": sys.argv[3]})
    counted = json.load(urllib.request.urlopen(req))["lifetime"]["betCount"]
    if counted != n:
        bad += 1
        print(f"  {player}: {n} acknowledged, {counted} counted")
print(f"scale-out.sh: {len(acked)} players, {sum(acked.values())} bets: " + ("every acknowledged bet counted once" if bad == 0 else f"{bad} players differ"))
sys.exit(1 if bad else 0)
PY
