#!/usr/bin/env bash
# Two or more builds of hmm-spec on one history, runs alternated so that each sees the same machine speed
# (this VM's speed drifts): median, min and max wall time of the whole `check` process per build.
# Usage: bench/compare.sh HISTORY RUNS BUILD_DIR BUILD_DIR...   (a BUILD_DIR holds hmm-spec.dll, e.g. a
# worktree's src/Cli/bin/Release/net10.0)
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: bench/compare.sh HISTORY RUNS BUILD_DIR BUILD_DIR..." >&2
  exit 2
fi
file=$1 runs=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$runs"); do
  for dir in "$@"; do
    /usr/bin/time -f "$dir %e" -a -o "$out" dotnet "$dir/hmm-spec.dll" check "$file" >/dev/null 2>&1 || true
  done
done
for dir in "$@"; do
  grep -F "$dir " "$out" | grep -v "^Command" | awk '{print $NF}' | sort -n \
    | awk -v d="$dir" '{a[NR]=$1} END {printf "%-50s median %.2f s  min %.2f  max %.2f  (%d runs)\n", d, a[int((NR+1)/2)], a[1], a[NR], NR}'
done
