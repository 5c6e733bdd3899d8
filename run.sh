#!/usr/bin/env bash
# Builds the solution once and runs the whole product on this machine:
#   Ingestion     http://127.0.0.1:5180  (hosts the embedded Garnet store on 127.0.0.1:6380)
#   Intelligence  http://127.0.0.1:5181
#   Lobby.Blazor  http://127.0.0.1:5182
# Logs go to .data/logs/<service>.log; store data to .data/garnet. Ctrl-C stops everything.
set -euo pipefail

# A shell starting us in the background (`./run.sh &` from a script) hands SIGINT down ignored,
# and bash cannot trap an ignored signal; start again once with default dispositions so that
# `kill -INT` still stops everything.
if [[ -z "${RUN_SH_SIGNALS_RESET:-}" ]] && env --default-signal=INT true 2>/dev/null; then
  RUN_SH_SIGNALS_RESET=1 exec env --default-signal=INT,TERM "$BASH" "${BASH_SOURCE[0]}" "$@"
fi
unset RUN_SH_SIGNALS_RESET

usage() {
  cat <<'EOF'
Usage: ./run.sh [--redis <connection string>] [--no-demo] [--players N] [--rate R] [--seed S] [--help]

Builds Intelligence.sln in Release, starts Ingestion, Intelligence and Lobby.Blazor in the
Development environment, waits until each answers /health/ready and prints where to go.
Ctrl-C (or SIGTERM) stops all three.

Options:
  --redis <cs>  Use this Redis (StackExchange.Redis connection string, e.g. 127.0.0.1:6379)
                for all three services instead of the store embedded in Ingestion.
  --no-demo     Do not feed simulated players and events (exports DEMO=0 to the services;
                the default is DEMO=1).
  --players N   Demo population (default 2000). With the embedded store, the first start
                generates DEMO_DAYS of history for them (tests/Simulator), loads it with
                `Ingestion backfill` once (kept in .data/demo), then streams live activity.
  --rate R      Live demo events a second (default 50).
  --seed S      Demo seed (default 42): the same seed gives the same casino.
  Remove .data/ to start again from nothing (e.g. to load a history of another size or seed).
  -h, --help    Show this help.

Environment:
  READY_TIMEOUT  Seconds to wait for each service to become ready (default 120).
  DEMO_DAYS      Days of demo history (default 200: VIP potential learns from 90-day outcomes).
EOF
}

cd "$(dirname "${BASH_SOURCE[0]}")"
readonly root="$PWD"
readonly logs="$root/.data/logs"

redis=""
export DEMO=1
demo_players=2000
demo_rate=50
demo_seed=42
demo_days="${DEMO_DAYS:-200}"
number() { [[ $# -ge 2 && "$2" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "run.sh: $1 needs a number" >&2; exit 2; }; }
while (($# > 0)); do
  case "$1" in
    --redis)
      [[ $# -ge 2 && -n "$2" ]] || { echo "run.sh: --redis needs a connection string" >&2; exit 2; }
      redis="$2"
      shift 2
      ;;
    --redis=*)
      redis="${1#--redis=}"
      shift
      ;;
    --no-demo)
      DEMO=0
      shift
      ;;
    --players | --rate | --seed)
      number "$@"
      case "$1" in --players) demo_players="$2" ;; --rate) demo_rate="$2" ;; --seed) demo_seed="$2" ;; esac
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "run.sh: unknown option '$1'" >&2
      usage >&2
      exit 2
      ;;
  esac
done

if ! command -v dotnet >/dev/null 2>&1; then
  echo "run.sh: dotnet is not on PATH; install the .NET SDK named in global.json" >&2
  exit 1
fi

# name, project folder, URL; started in this order, stopped in the reverse one, so the store
# Ingestion hosts is the last to go.
services=(Ingestion Intelligence Lobby.Blazor)
declare -A urls=(
  [Ingestion]="http://127.0.0.1:5180"
  [Simulator]="http://127.0.0.1:5190"
  [Intelligence]="http://127.0.0.1:5181"
  [Lobby.Blazor]="http://127.0.0.1:5182"
)
declare -A pids=()
readonly ready_timeout="${READY_TIMEOUT:-120}"

# Prints the HTTP status of GET <url> (http://host:port/path), or nothing if no answer.
# Bash's /dev/tcp keeps the script free of a curl dependency.
http_status() {
  local rest="${1#http://}"
  local hostport="${rest%%/*}" path="/${rest#*/}"
  # shellcheck disable=SC2016 # the inner script expands its own positional arguments
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/${1%:*}/${1##*:}" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$2" "$1" >&3
    read -r _ status _ <&3 && printf "%s" "$status"
  ' _ "$hostport" "$path" 2>/dev/null || true
}

# shellcheck disable=SC2016 # as above
port_busy() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

stopping=0
build_pid=""
stop_all() {
  ((stopping)) && return
  stopping=1
  local name pid i
  if [[ -n "$build_pid" ]] && kill -0 "$build_pid" 2>/dev/null; then
    kill -TERM "$build_pid" 2>/dev/null || true
    wait "$build_pid" 2>/dev/null || true
  fi
  for ((i = ${#services[@]} - 1; i >= 0; i--)); do
    name="${services[i]}"
    pid="${pids[$name]:-}"
    [[ -n "$pid" ]] || continue
    if kill -0 "$pid" 2>/dev/null; then
      echo "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      # A graceful ASP.NET Core shutdown takes a moment; past 20 s it is killed.
      for _ in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
}

on_signal() {
  echo
  stop_all
  exit 130
}
trap on_signal INT TERM
trap stop_all EXIT

log_tail() {
  echo "---- last lines of $1 ----" >&2
  tail -n 40 "$1" >&2 || true
  echo "----" >&2
}

start() {
  local name="$1" dir="$root/$1" log="$logs/$1.log"
  local dll="$dir/bin/Release/net10.0/$name.dll"
  local -a env=(ASPNETCORE_ENVIRONMENT=Development DOTNET_ENVIRONMENT=Development "Urls=${urls[$name]}")
  if [[ -n "$redis" ]]; then
    env+=("ConnectionStrings__Redis=$redis" EmbeddedStore__Enabled=false)
  else
    env+=(ConnectionStrings__Redis=127.0.0.1:6380)
    if [[ "$name" == Ingestion ]]; then
      env+=(EmbeddedStore__Enabled=true "EmbeddedStore__DataDirectory=$root/.data/garnet")
    fi
  fi
  if [[ "$name" == Ingestion ]] && ((demo)); then
    # The simulator plays the operator: its aggregator game list, its PAM, its Hub88 signing key.
    env+=(CatalogFeed__Enabled=true "CatalogFeed__Url=${urls[Simulator]}/aggregator/games" CatalogFeed__Interval=00:00:20
      Pam__Enabled=true "Pam__BaseUrl=${urls[Simulator]}/pam/" Hub88__Enabled=true "Hub88__PublicKeyPath=$demo_dir/hub88-public.pem")
  fi
  local port="${urls[$name]##*:}"
  if port_busy "$port"; then
    echo "run.sh: port $port ($name) is already in use; is another run.sh still running?" >&2
    exit 1
  fi
  if [[ "$name" == Ingestion && -z "$redis" ]] && port_busy 6380; then
    echo "run.sh: port 6380 (embedded store) is already in use; stop what holds it, or pass --redis" >&2
    exit 1
  fi
  # The project folder is the working directory, so appsettings*.json and wwwroot are found.
  (cd "$dir" && exec env "${env[@]}" dotnet "$dll") >"$log" 2>&1 &
  pids[$name]=$!
  echo "started $name (pid ${pids[$name]}), log $log"
}

wait_ready() {
  local name="$1" log="$logs/$1.log" url="${urls[$1]}/health/ready" status
  local deadline=$((SECONDS + ready_timeout))
  while true; do
    if ! kill -0 "${pids[$name]}" 2>/dev/null; then
      echo "run.sh: $name exited during start-up" >&2
      log_tail "$log"
      exit 1
    fi
    status="$(http_status "$url")"
    [[ "$status" == 200 ]] && break
    if ((SECONDS >= deadline)); then
      echo "run.sh: $name was not ready at $url within ${ready_timeout} s (last status: ${status:-no answer})" >&2
      log_tail "$log"
      exit 1
    fi
    sleep 0.5
  done
  echo "$name is ready at ${urls[$name]}"
}

present=()
for name in "${services[@]}"; do
  if [[ -f "$root/$name/$name.csproj" ]]; then
    present+=("$name")
  else
    echo "run.sh: warning: $name/$name.csproj does not exist; $name is not started" >&2
  fi
done
services=("${present[@]}")
if [[ " ${services[*]} " != *" Ingestion "* ]]; then
  echo "run.sh: Ingestion/Ingestion.csproj is missing" >&2
  exit 1
fi

mkdir -p "$logs"
echo "building Intelligence.sln (Release)…"
# In the background and waited for, so that a signal stops the build at once too.
dotnet build Intelligence.sln -c Release -nologo -v quiet >"$logs/build.log" 2>&1 &
build_pid=$!
if ! wait "$build_pid"; then
  grep -E "error|Error" "$logs/build.log" | sort -u | head -n 30 >&2 || true
  echo "run.sh: the build failed; full output in $logs/build.log" >&2
  exit 1
fi

for name in "${services[@]}"; do
  if [[ ! -f "$root/$name/bin/Release/net10.0/$name.dll" ]]; then
    echo "run.sh: $name/bin/Release/net10.0/$name.dll was not built; is $name/$name.csproj in Intelligence.sln?" >&2
    exit 1
  fi
done

# The demo: a simulated casino (tests/Simulator) on the embedded store only, so a real Redis never gets fake players.
readonly demo_dir="$root/.data/demo"
readonly simulator="$root/tests/Simulator/bin/Release/net10.0/Simulator.dll"
demo=0
if [[ $DEMO == 1 ]]; then
  if [[ -n "$redis" ]]; then
    echo "run.sh: the demo runs on the embedded store only; with --redis it is off" >&2
  elif [[ ! -f "$simulator" ]]; then
    echo "run.sh: warning: $simulator was not built; the demo is off" >&2
  else
    demo=1
    if port_busy 5190; then
      echo "run.sh: port 5190 (demo simulator) is already in use; is another run.sh still running?" >&2
      exit 1
    fi
    dotnet "$simulator" keys --data "$demo_dir" >/dev/null
  fi
fi

# Loads the demo history once: generated by the simulator, imported with Ingestion's backfill command. The marker
# remembers size, seed and days, so the live stream continues the same population after a restart.
load_demo_history() {
  local marker="$demo_dir/loaded" log="$logs/demo-history.log"
  if [[ -f "$marker" ]]; then
    local players seed days
    read -r players seed days <"$marker"
    if [[ "$players $seed $days" != "$demo_players $demo_seed $demo_days" ]]; then
      echo "run.sh: the demo history in .data was made with --players $players --seed $seed ($days days); continuing with that (remove .data/ to change it)" >&2
    fi
    demo_players="$players" demo_seed="$seed" demo_days="$days"
    return
  fi
  echo "demo: generating $demo_days days of history for $demo_players players (seed $demo_seed)…"
  dotnet "$simulator" history --players "$demo_players" --days "$demo_days" --seed "$demo_seed" --out "$demo_dir" --truth >"$log" 2>&1 &
  build_pid=$!
  wait "$build_pid" || { log_tail "$log"; echo "run.sh: demo history generation failed" >&2; exit 1; }
  sed -n 's/^history: /demo: /p' "$log"
  echo "demo: loading it with 'Ingestion backfill' (log .data/logs/demo-backfill.log)…"
  (cd "$root/Ingestion" && exec env DOTNET_ENVIRONMENT=Development ConnectionStrings__Redis=127.0.0.1:6380 \
    dotnet "$root/Ingestion/bin/Release/net10.0/Ingestion.dll" backfill "$demo_dir/events-*.ndjson.gz" --redis 127.0.0.1:6380) \
    >"$logs/demo-backfill.log" 2>&1 </dev/null &
  build_pid=$!
  wait "$build_pid" || { log_tail "$logs/demo-backfill.log"; echo "run.sh: the demo backfill failed" >&2; exit 1; }
  build_pid=""
  echo "$demo_players $demo_seed $demo_days" >"$marker"
  echo "demo: history loaded"
}

start_simulator() {
  local log="$logs/Simulator.log"
  (cd "$root" && exec dotnet "$simulator" live --players "$demo_players" --days "$demo_days" --seed "$demo_seed" --rate "$demo_rate" \
    --data "$demo_dir" --ingestion "${urls[Ingestion]}" --api-key dev-key --serve 127.0.0.1:5190) >"$log" 2>&1 &
  pids[Simulator]=$!
  # Stopped before Ingestion (services stop in reverse order).
  services=(Ingestion Simulator "${services[@]:1}")
  echo "started Simulator (pid ${pids[Simulator]}), log $log"
}

# Ingestion first: with the embedded store it hosts what the others connect to.
start Ingestion
wait_ready Ingestion
if ((demo)); then
  load_demo_history
  start_simulator
  wait_ready Simulator
  # The catalogue now, rather than at the connector's next pull: Intelligence trains on start-up and learns games
  # only from the catalogue.
  curl -fsS -o /dev/null -X PUT -H 'X-Api-Key: dev-key' -H 'Content-Type: application/json' \
    --data-binary "@$demo_dir/games.json" "${urls[Ingestion]}/v1/catalog/games" ||
    echo "run.sh: warning: could not load the demo catalogue; the catalogue connector will pull it" >&2
fi
for name in "${services[@]:1}"; do [[ $name == Simulator ]] || start "$name"; done
for name in "${services[@]:1}"; do [[ $name == Simulator ]] || wait_ready "$name"; done

store="embedded Garnet at 127.0.0.1:6380 (data in .data/garnet)"
[[ -n "$redis" ]] && store="Redis at $redis"
cat <<EOF

The product is running (store: $store, demo: $( ((demo)) && echo on || echo off)).
  Player lobby         ${urls[Lobby.Blazor]}/
  Marketers' console   ${urls[Lobby.Blazor]}/console   (marketer / marketer-dev, admin / admin-dev)
  Intelligence API     ${urls[Intelligence]}/scalar
  Ingestion API        ${urls[Ingestion]}/scalar
  Dev API key          dev-key   (header X-Api-Key)
  Logs                 .data/logs/
EOF
if ((demo)); then
  echo "Demo: $demo_players simulated players (seed $demo_seed), live at about $demo_rate events/s; try these players' lobbies:"
  while read -r id archetype; do
    printf '  %-10s %-17s %s/dev/enter/%s\n' "$id" "$archetype" "${urls[Lobby.Blazor]}" "$id"
  done <"$demo_dir/featured.txt"
fi
echo "Press Ctrl-C to stop."

# Runs until Ctrl-C, or until one service stops on its own, which brings the others down too.
set +e
wait -n "${pids[@]}"
set -e
if ((!stopping)); then
  for name in "${services[@]}"; do
    if ! kill -0 "${pids[$name]}" 2>/dev/null; then
      echo "run.sh: $name stopped unexpectedly" >&2
      log_tail "$logs/$name.log"
    fi
  done
  exit 1
fi
