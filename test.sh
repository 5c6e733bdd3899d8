#!/usr/bin/env bash
# Runs every test project of Intelligence.sln in Release, then executes every notebook in notebooks/ headless
# (notebooks/run.sh: simulate, train, export, nbconvert), and ends with one line:
#   tests: N passed, N failed, N skipped
# counted from the TRX files written to test-output/, each executed notebook counting as one test.
#
# Usage: ./test.sh [extra dotnet test arguments]
#   ./test.sh --filter "Category!=Slow"            # slow suites carry the trait Category=Slow
#   TEST_FILTER="Category!=Slow" ./test.sh         # the same, for CI configuration
#   ./test.sh --filter "FullyQualifiedName~Store"  # one area
#   NOTEBOOKS=0 ./test.sh                          # without the notebooks (counted as skipped)
#
# Integration tests need redis-server, rabbitmq-server (the RabbitMQ consumer's tests start their own broker) and
# chromium (Playwright drives /usr/bin/chromium; it never downloads a browser), the walkthrough test curl, the alert
# rules' tests promtool (package prometheus). They are installed with apt-get when missing, which needs root; so
# are the notebooks' Debian Python packages (by notebooks/run.sh). The lobby hub's tests and the OpenAPI lint restore
# their npm packages (@microsoft/signalr, @redocly/cli) with npm ci from the registry, and need Node.js 20.19+ and npm.
# Executed notebooks, with their plots, are kept in test-output/notebooks/; the linted OpenAPI documents in
# test-output/openapi/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
readonly out_dir="test-output"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: dotnet is not on PATH; install the .NET SDK named in global.json" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "test.sh: warning: npm is not on PATH; the lobby hub's tests and the OpenAPI lint will fail (install Node.js 20.19+ with npm)" >&2
fi

have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/bin/$1" ]]; }

missing=()
have redis-server || missing+=(redis-server)
# Not on PATH for non-root users (/usr/sbin); the tests run /usr/lib/rabbitmq/bin/rabbitmq-server.
[[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || missing+=(rabbitmq-server)
have chromium || missing+=(chromium)
have curl || missing+=(curl)
# promtool (Debian's prometheus package) runs the alert rules' unit tests (deploy/prometheus/alerts.test.yml).
have promtool || missing+=(prometheus)
if ((${#missing[@]} > 0)); then
  if [[ "$(id -u)" != 0 ]]; then
    echo "test.sh: missing ${missing[*]}; run as root, or install them: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "test.sh: installing ${missing[*]} (apt-get)"
  # Keep the packages' init scripts from starting a system redis on 6379 or RabbitMQ on 5672: tests start their own.
  policy_added=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy_added=1
  fi
  apt_log="$(mktemp)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    echo "test.sh: apt-get could not install ${missing[*]}" >&2
    exit 1
  fi
  rm -f "$apt_log"
  if ((policy_added)); then rm -f /usr/sbin/policy-rc.d; fi
fi

args=("$@")
if [[ -n "${TEST_FILTER:-}" ]]; then
  args+=(--filter "$TEST_FILTER")
fi

rm -rf "$out_dir"
mkdir -p "$out_dir"

# dotnet test runs in its own process group so that anything a crashed test host leaves behind
# (a redis-server, a browser) is killed with the group afterwards. Build servers are disabled so
# that group holds no compiler server another build on this machine might be using.
set -m
dotnet test Intelligence.sln -c Release --disable-build-servers \
  --logger "console;verbosity=normal" --logger trx --results-directory "$out_dir" \
  --blame-hang-timeout 20m --blame-hang-dump-type none \
  "${args[@]}" &
test_pid=$!
set +m
trap 'kill -TERM -- "-$test_pid" 2>/dev/null || true' INT TERM
rc=0
wait "$test_pid" || rc=$?
trap - INT TERM
kill -KILL -- "-$test_pid" 2>/dev/null || true

# Sums one attribute of the <Counters …/> element over all TRX files.
count() {
  local total=0 n f
  shopt -s nullglob globstar
  for f in "$out_dir"/**/*.trx; do
    n="$(grep -o "<Counters [^>]*" "$f" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]\+' || true)"
    total=$((total + ${n:-0}))
  done
  echo "$total"
}

passed="$(count passed)"
failed=$(($(count failed) + $(count error) + $(count timeout) + $(count aborted)))
skipped="$(count notExecuted)"

# Notebooks: each one executed without a cell error passes; notebooks/run.sh lists them in results.tsv.
notebook_rc=0
notebooks=(notebooks/[0-9]*.ipynb)
if [[ "${NOTEBOOKS:-1}" == 0 ]]; then
  echo "test.sh: NOTEBOOKS=0, the ${#notebooks[@]} notebooks are skipped"
  skipped=$((skipped + ${#notebooks[@]}))
else
  echo "test.sh: executing the notebooks (notebooks/run.sh)"
  notebooks/run.sh --out "$out_dir/notebooks" || notebook_rc=$?
  notebook_results="$out_dir/notebooks/results.tsv"
  notebook_passed="$(grep -c $'\tpassed\t' "$notebook_results" 2>/dev/null || true)"
  notebook_failed="$(grep -c $'\tfailed\t' "$notebook_results" 2>/dev/null || true)"
  # run.sh can fail before any notebook ran (apt-get, the build): count them all as failed then.
  if ((notebook_rc != 0 && ${notebook_failed:-0} == 0)); then notebook_failed=$((${#notebooks[@]} - ${notebook_passed:-0})); fi
  passed=$((passed + ${notebook_passed:-0}))
  failed=$((failed + ${notebook_failed:-0}))
fi

# The names and first message lines of failed tests, so that the end of a CI log says what failed.
list_failures() {
  local f
  shopt -s nullglob globstar
  for f in "$out_dir"/**/*.trx; do
    /usr/bin/python3 - "$f" <<'PY' || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
root = ET.parse(sys.argv[1]).getroot()
for r in root.iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") in ("Failed", "Error", "Timeout", "Aborted"):
        message = r.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=ns).strip()
        stack = r.findtext("t:Output/t:ErrorInfo/t:StackTrace", default="", namespaces=ns).strip()
        print(f"FAILED {r.get('testName')} ({r.get('duration')})")
        for line in message.splitlines()[:12]:
            print(f"    {line}")
        for line in stack.splitlines()[:4]:
            print(f"    {line.strip()}")
PY
  done
  if [[ -f "$out_dir/notebooks/results.tsv" ]]; then
    grep $'\tfailed\t' "$out_dir/notebooks/results.tsv" | sed 's/^/FAILED notebook /' || true
  fi
}

status=0
if ((rc != 0 || failed > 0)); then
  list_failures >&2
  # A crashed test host leaves its unfinished tests out of the TRX counts; the exit code still tells.
  echo "test.sh: FAILED (dotnet test exit code $rc, notebooks exit code $notebook_rc); details in $out_dir/" >&2
  status=1
elif ((notebook_rc != 0)); then
  echo "test.sh: FAILED (notebooks exit code $notebook_rc); details in $out_dir/notebooks/" >&2
  status=1
elif ((passed == 0)); then
  echo "test.sh: no test ran" >&2
  status=1
fi

echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
