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
  --redis <cs>  Use this Redis or Redis Cluster (StackExchange.Redis connection string, e.g.
                127.0.0.1:6379, or a cluster's nodes 10.0.0.1:7000,10.0.0.2:7000) for all three
                services instead of the store embedded in Ingestion. The demo loads into it too.
  --no-demo     Do not feed simulated players and events (exports DEMO=0 to the services;
                the default is DEMO=1).
  --players N   Demo population (default 2000). The first start on a store generates DEMO_DAYS
                of history for them (tests/Simulator), loads it with `Ingestion backfill` (a mark
                in the store says it was, so it is loaded once per store), seeds the console's
                examples (segments, placements, a webhook), then streams live activity.
  --rate R      Live demo events a second (default 50).
  --seed S      Demo seed (default 42): the same seed gives the same casino.
  Remove .data/ to start again from nothing on the embedded store (e.g. to load a history of
  another size or seed); on your own Redis, delete its keys (or use another database).
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

# Waits for the background job $1 while showing "$2: <step> (N s)": the step is what the command $3 prints (optional),
# the time is seconds since the wait began. On a terminal the line is redrawn in place; in a log, one line every 10 s.
# Returns the job's exit status.
progress() {
  local pid="$1" label="$2" step_of="${3:-}" start=$SECONDS shown=-1 line elapsed status=0
  while kill -0 "$pid" 2>/dev/null; do
    elapsed=$((SECONDS - start))
    line="$label"
    [[ -n "$step_of" ]] && line+=": $($step_of)"
    line+=" (${elapsed} s)"
    if [[ -t 1 ]]; then
      printf '\r\033[K%s' "$line"
    elif ((elapsed / 10 != shown)); then
      echo "$line"
      shown=$((elapsed / 10))
    fi
    sleep 0.5
  done
  if [[ -t 1 ]]; then printf '\r\033[K'; fi
  wait "$pid" || status=$?
  line="$label"
  [[ -n "$step_of" ]] && line+=": $($step_of)"
  echo "$line ($((SECONDS - start)) s)"
  return "$status"
}

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
  env+=("ConnectionStrings__Redis=$store")
  if [[ -n "$redis" ]]; then
    env+=(EmbeddedStore__Enabled=false)
  elif [[ "$name" == Ingestion ]]; then
    env+=(EmbeddedStore__Enabled=true "EmbeddedStore__DataDirectory=$root/.data/garnet")
  fi
  if [[ "$name" == Ingestion ]] && ((demo)); then
    # The simulator plays the operator: its aggregator game list, its PAM, its Hub88 signing key, its Sumsub webhook's
    # secret (made by `Simulator keys`, read by both sides).
    env+=(CatalogFeed__Enabled=true "CatalogFeed__Url=${urls[Simulator]}/aggregator/games" CatalogFeed__Interval=00:00:20
      Pam__Enabled=true "Pam__BaseUrl=${urls[Simulator]}/pam/" Hub88__Enabled=true "Hub88__PublicKeyPath=$demo_dir/hub88-public.pem"
      Sumsub__Enabled=true "Sumsub__SecretKey=$(<"$demo_dir/sumsub.secret")")
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
  local start=$SECONDS deadline=$((SECONDS + ready_timeout)) shown=0
  while true; do
    if (((SECONDS - start) / 10 > shown)); then
      # Every 10 s (Intelligence trains its first models on start-up), say that it is still coming.
      shown=$(((SECONDS - start) / 10))
      echo "waiting for $name to be ready ($((SECONDS - start)) s)"
    fi
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
  echo "$name is ready at ${urls[$name]} ($((SECONDS - start)) s)"
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
# In the background and waited for, so that a signal stops the build at once too. Each project built prints "name -> dll".
readonly projects_total="$(grep -c '\.csproj"' Intelligence.sln)"
built_so_far() {
  local built
  built="$(grep -c ' -> ' "$logs/build.log" 2>/dev/null || true)"
  if ((built == 0)); then echo "restoring and compiling"; else echo "$built of $projects_total projects built"; fi
}
dotnet build Intelligence.sln -c Release -nologo -v minimal -clp:NoSummary >"$logs/build.log" 2>&1 &
build_pid=$!
if ! progress "$build_pid" "building Intelligence.sln (Release)" built_so_far; then
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

# The demo: a simulated casino (tests/Simulator), loaded into whichever store the services use.
readonly demo_dir="$root/.data/demo"
readonly simulator="$root/tests/Simulator/bin/Release/net10.0/Simulator.dll"
readonly store="${redis:-127.0.0.1:6380}"
demo=0
if [[ $DEMO == 1 ]]; then
  if [[ ! -f "$simulator" ]]; then
    echo "run.sh: warning: $simulator was not built; the demo is off" >&2
  else
    demo=1
    if port_busy 5190; then
      echo "run.sh: port 5190 (demo simulator) is already in use; is another run.sh still running?" >&2
      exit 1
    fi
    dotnet "$simulator" keys --data "$demo_dir" >/dev/null
    if [[ -n "$redis" ]]; then
      echo "run.sh: the demo loads simulated players into $redis (once per store; --no-demo leaves it alone)"
    fi
  fi
fi

# Loads the demo history once per store: generated by the simulator, imported with Ingestion's backfill command. The
# mark, kept in the store itself (`Simulator mark`), remembers size, seed and days, so the live stream continues the same
# population after a restart, and another store (or an emptied one) is loaded afresh.
load_demo_history() {
  local log="$logs/demo-history.log" loaded files
  loaded="$(dotnet "$simulator" mark --redis "$store" history)" || { echo "run.sh: could not read the demo's mark in $store" >&2; exit 1; }
  if [[ -n "$loaded" ]]; then
    local players seed days
    read -r players seed days <<<"$loaded"
    if [[ "$players $seed $days" != "$demo_players $demo_seed $demo_days" ]]; then
      echo "run.sh: the demo history in the store was made with --players $players --seed $seed ($days days); continuing with that" >&2
    fi
    demo_players="$players" demo_seed="$seed" demo_days="$days"
    return
  fi
  dotnet "$simulator" history --players "$demo_players" --days "$demo_days" --seed "$demo_seed" --out "$demo_dir" --truth >"$log" 2>&1 &
  build_pid=$!
  progress "$build_pid" "demo: generating $demo_days days of history for $demo_players players (seed $demo_seed)" ||
    { log_tail "$log"; echo "run.sh: demo history generation failed" >&2; exit 1; }
  sed -n 's/^history: /demo: /p' "$log"
  files="$(find "$demo_dir" -maxdepth 1 -name 'events-*.ndjson.gz' | wc -l)"
  backfilled() { echo "$(grep -c '^backfill: 100' "$logs/demo-backfill.log" 2>/dev/null || true) of $files files loaded"; }
  (cd "$root/Ingestion" && exec env DOTNET_ENVIRONMENT=Development "ConnectionStrings__Redis=$store" \
    dotnet "$root/Ingestion/bin/Release/net10.0/Ingestion.dll" backfill "$demo_dir/events-*.ndjson.gz" --redis "$store") \
    >"$logs/demo-backfill.log" 2>&1 </dev/null &
  build_pid=$!
  progress "$build_pid" "demo: loading it with Ingestion backfill (log .data/logs/demo-backfill.log)" backfilled ||
    { log_tail "$logs/demo-backfill.log"; echo "run.sh: the demo backfill failed" >&2; exit 1; }
  build_pid=""
  dotnet "$simulator" mark --redis "$store" history "$demo_players $demo_seed $demo_days"
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
  curl -fsS "${urls[Simulator]}/aggregator/games" | curl -fsS -o /dev/null -X PUT -H 'X-Api-Key: dev-key' -H 'Content-Type: application/json' \
    --data-binary @- "${urls[Ingestion]}/v1/catalog/games" ||
    echo "run.sh: warning: could not load the demo catalogue; the catalogue connector will pull it" >&2
fi
for name in "${services[@]:1}"; do [[ $name == Simulator ]] || start "$name"; done
for name in "${services[@]:1}"; do [[ $name == Simulator ]] || wait_ready "$name"; done
if ((demo)); then
  # Once per store (the mark again), so a marketer's own changes to the examples, or their deletion, stay.
  dotnet "$simulator" seed --data "$demo_dir" --intelligence "${urls[Intelligence]}" --api-key dev-key \
    --webhook-url "${urls[Simulator]}/example-crm/webhooks" --redis "$store" 2>&1 | tee "$logs/demo-examples.log" ||
    echo "run.sh: warning: could not seed the console's examples (log .data/logs/demo-examples.log)" >&2
fi

described_store="embedded Garnet at 127.0.0.1:6380 (data in .data/garnet)"
[[ -n "$redis" ]] && described_store="Redis at $redis"
cat <<EOF

The product is running (store: $described_store, demo: $( ((demo)) && echo on || echo off)).
  Player lobby         ${urls[Lobby.Blazor]}/
  Marketers' console   ${urls[Lobby.Blazor]}/console   (marketer / marketer-dev, admin / admin-dev; safer-gambling queue: safety / safety-dev; operations: operator / operator-dev)
  Intelligence API     ${urls[Intelligence]}/scalar
  Ingestion API        ${urls[Ingestion]}/scalar
  Dev API key          dev-key   (header X-Api-Key)
  Logs                 .data/logs/
EOF
if ((demo)); then
  echo "Demo: $demo_players simulated players (seed $demo_seed), live at about $demo_rate events/s"
  echo "  the demo's CRM (webhooks it received)  ${urls[Simulator]}/example-crm/webhooks"
  if [[ -f "$demo_dir/featured.txt" ]]; then
    echo "Try these players' lobbies:"
    while read -r id archetype; do
      printf '  %-10s %-17s %s/dev/enter/%s\n' "$id" "$archetype" "${urls[Lobby.Blazor]}" "$id"
    done <"$demo_dir/featured.txt"
  fi
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
