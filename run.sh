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
Usage: ./run.sh [--redis <connection string>] [--no-demo] [--help]

Builds Intelligence.sln in Release, starts Ingestion, Intelligence and Lobby.Blazor in the
Development environment, waits until each answers /health/ready and prints where to go.
Ctrl-C (or SIGTERM) stops all three.

Options:
  --redis <cs>  Use this Redis (StackExchange.Redis connection string, e.g. 127.0.0.1:6379)
                for all three services instead of the store embedded in Ingestion.
  --no-demo     Do not feed simulated players and events (exports DEMO=0 to the services;
                the default is DEMO=1).
  -h, --help    Show this help.

Environment:
  READY_TIMEOUT  Seconds to wait for each service to become ready (default 120).
EOF
}

cd "$(dirname "${BASH_SOURCE[0]}")"
readonly root="$PWD"
readonly logs="$root/.data/logs"

redis=""
export DEMO=1
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

# Ingestion first: with the embedded store it hosts what the others connect to.
start Ingestion
wait_ready Ingestion
for name in "${services[@]:1}"; do start "$name"; done
for name in "${services[@]:1}"; do wait_ready "$name"; done

store="embedded Garnet at 127.0.0.1:6380 (data in .data/garnet)"
[[ -n "$redis" ]] && store="Redis at $redis"
cat <<EOF

The product is running (store: $store, demo: $([[ $DEMO == 1 ]] && echo on || echo off)).
  Player lobby         ${urls[Lobby.Blazor]}/
  Marketer console     ${urls[Lobby.Blazor]}/console
  Intelligence API     ${urls[Intelligence]}/scalar
  Ingestion API        ${urls[Ingestion]}/scalar
  Dev API key          dev-key   (header X-Api-Key)
  Logs                 .data/logs/
Press Ctrl-C to stop.
EOF

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
