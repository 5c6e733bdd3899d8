#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless, as the test command does, and keeps the executed copies (with
# their plots) in the output folder.
#
# Usage: notebooks/run.sh [--data DIR] [--out DIR] [prepare.sh options]
#   --data DIR   an existing export (manifest.json, *.csv, truth.ndjson); without it, notebooks/prepare.sh makes
#                one in test-output/notebook-data (options such as --players N are passed on to it)
#   --out DIR    default test-output/notebooks
# Installs what it needs with apt-get when missing (python3-sklearn, python3-pandas, python3-matplotlib,
# python3-ipykernel, jupyter-nbconvert; redis-server to prepare data), which needs root. Exits non-zero if any
# cell of any notebook fails. Writes OUT/results.tsv, which test.sh counts: one line per notebook,
# "name<TAB>passed|failed<TAB>seconds".
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data=""
out="$root/test-output/notebooks"
prepare_args=()
while (($# > 0)); do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) prepare_args+=("$1"); shift ;;
  esac
done

# Debian's python, never one earlier on PATH (pyenv and the like lack these packages).
python=/usr/bin/python3
packages=()
if ! { [[ -x "$python" ]] && "$python" -c 'import sklearn, pandas, matplotlib, ipykernel, nbconvert, nbclient' 2>/dev/null && [[ -x /usr/bin/jupyter-nbconvert ]]; }; then
  packages+=(python3-sklearn python3-pandas python3-matplotlib python3-ipykernel jupyter-nbconvert)
fi
if [[ -z "$data" ]] && ! command -v redis-server >/dev/null 2>&1 && [[ ! -x /usr/bin/redis-server ]]; then packages+=(redis-server); fi
if ((${#packages[@]} > 0)); then
  if [[ "$(id -u)" != 0 ]]; then
    echo "run.sh: missing ${packages[*]}; run as root, or install them: apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
  echo "run.sh: installing ${packages[*]} (apt-get)"
  # Keep the redis package's init script from starting a system redis: prepare.sh starts its own.
  policy_added=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy_added=1
  fi
  apt_log="$(mktemp)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"; } >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    echo "run.sh: apt-get could not install ${packages[*]}" >&2
    if ((policy_added)); then rm -f /usr/sbin/policy-rc.d; fi
    exit 1
  fi
  rm -f "$apt_log"
  if ((policy_added)); then rm -f /usr/sbin/policy-rc.d; fi
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
notebooks=("$root"/notebooks/[0-9]*.ipynb)
results="$out/results.tsv"
: >"$results"

if [[ -z "$data" ]]; then
  data_root="$root/test-output/notebook-data"
  if ! "$root/notebooks/prepare.sh" "$data_root" "${prepare_args[@]}"; then
    for nb in "${notebooks[@]}"; do printf '%s\tfailed\t0\n' "$(basename "$nb" .ipynb)" >>"$results"; done
    echo "run.sh: preparing the data failed; no notebook ran" >&2
    exit 1
  fi
  data="$data_root/data"
fi
data="$(cd "$data" && pwd)"

failed=()
for nb in "${notebooks[@]}"; do
  name="$(basename "$nb" .ipynb)"
  start="$EPOCHREALTIME"
  # OMP_WAIT_POLICY: idle OpenMP threads sleep instead of spinning, which on two shared cores can slow a
  # scikit-learn fit a hundredfold. --allow-errors keeps the executed copy of a failing notebook, traceback and all;
  # the cell error is then found in that copy, and a kernel that dies or times out still fails nbconvert itself.
  if NOTEBOOK_DATA="$data" PYDEVD_DISABLE_FILE_VALIDATION=1 OMP_WAIT_POLICY=PASSIVE /usr/bin/jupyter-nbconvert --to notebook --execute --allow-errors \
    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 \
    --output-dir "$out" "$nb" >"$out/$name.log" 2>&1 &&
    "$python" - "$out/$name.ipynb" >>"$out/$name.log" 2>&1 <<'PY'
import json, sys
errors = [(i, o) for i, c in enumerate(json.load(open(sys.argv[1]))["cells"]) for o in c.get("outputs", []) if o.get("output_type") == "error"]
for i, o in errors:
    print(f"cell {i}: {o['ename']}: {o['evalue']}")
sys.exit(1 if errors else 0)
PY
  then
    result=passed
  else
    result=failed
    failed+=("$name")
    tail -n 30 "$out/$name.log" >&2
  fi
  seconds="$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
  printf '%s\t%s\t%s\n' "$name" "$result" "$seconds" >>"$results"
  echo "run.sh: $name $result in $seconds s"
done

if ((${#failed[@]} > 0)); then
  echo "run.sh: ${#failed[@]} of ${#notebooks[@]} notebooks failed (${failed[*]}); executed copies and logs in $out" >&2
  exit 1
fi
echo "run.sh: all ${#notebooks[@]} notebooks ran without a cell error; executed copies in $out"
