#!/usr/bin/env bash
# Two or more builds of hmm-spec on one history, runs alternated so that each sees the same machine speed
# (this VM's speed drifts): median, min and max wall time of the whole `check` process per build.
# Usage: bench/compare.sh HISTORY RUNS BUILD_DIR BUILD_DIR...   (a BUILD_DIR holds hmm-spec.dll, e.g. a
# worktree's src/Cli/bin/Release/net10.0). With PYTHON=1 the Python register checker (bench/wgl_register.py, reads
# and writes only) runs alternately with them too, as one more line; also the CPU time (user + sys) of each.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: bench/compare.sh HISTORY RUNS BUILD_DIR BUILD_DIR..." >&2
  exit 2
fi
file=$1 runs=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
py=$(cd "$(dirname "$0")" && pwd)/wgl_register.py
for _ in $(seq "$runs"); do
  for dir in "$@"; do
    /usr/bin/time -f "$dir %e %U %S" -a -o "$out" dotnet "$dir/hmm-spec.dll" check "$file" >/dev/null 2>&1 || true
  done
  if [ "${PYTHON:-0}" = 1 ]; then /usr/bin/time -f "python %e %U %S" -a -o "$out" python3 "$py" "$file" >/dev/null 2>&1 || true; fi
done
labels=("$@")
if [ "${PYTHON:-0}" = 1 ]; then labels+=(python); fi
for label in "${labels[@]}"; do
  grep -F "$label " "$out" | grep -v "^Command" | awk '{print $(NF-2), $(NF-1) + $NF}' | sort -n \
    | awk -v d="$label" '{a[NR]=$1; c[NR]=$2} END {printf "%-50s median %.2f s  min %.2f  max %.2f  (%d runs; CPU of the median run %.2f s)\n", d, a[int((NR+1)/2)], a[1], a[NR], NR, c[int((NR+1)/2)]}'
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
