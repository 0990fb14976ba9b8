#!/usr/bin/env bash
# Scale-out benchmarks (docs/performance.md, "Scale-out"): alternating runs of the Release build, wall time and CPU
# time (user + system, the tool and its workers) of each, the load average before each run, and a check that every
# run's results equal the first run's.
#   bench/scale.sh [ROUNDS] [K]      (default: 2 rounds, verify at K=1)
# 1. explore of every built-in scenario on seed, 1000 iterations each: --jobs 1 against --jobs 2 (workers pinned to
#    a CPU each) and --jobs 2 with HMM_SPEC_PIN=0 (unpinned);
# 2. verify --all at K: the same three;
# 3. explore as in 1 in 8 shards run one after another (--jobs 1 each), then merged, against one --jobs 1 run.
set -euo pipefail
rounds=${1:-2}
k=${2:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
dotnet build -c Release "$root/src/Cli" -v:q -nologo >/dev/null
tool="dotnet $root/src/Cli/bin/Release/net10.0/hmm-spec.dll"
work=$(mktemp -d /tmp/hmm-scale-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
norm() { sed -E 's/[0-9]+ ms\b/X ms/g; s/[0-9]+\.[0-9] s\b/X s/g; s#'"$work"'/[a-z0-9-]+/#OUT/#g' "$1"; }

# run NAME -- ARGS...: times one run, keeps its output, compares it with the first run of the same NAME.
run() {
  local name=$1 tag=$2; shift 2
  local out="$work/$name-$tag"
  rm -rf "$out" && mkdir -p "$out"
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local code wall user sys
  # bash's time: wall, then user and system CPU of the run and every process it waited for (the workers).
  { TIMEFORMAT='%R %U %S'; time { "$@" --out "$out/b" > "$out/stdout" 2> "$out/stderr" && echo 0 > "$out/code" || echo $? > "$out/code"; }; } 2> "$out/time"
  code=$(cat "$out/code")
  read -r wall user sys < "$out/time"
  printf '%-22s %-9s load %5s  exit %s  %6.1f s wall  %6.1f s user  %6.1f s sys\n' "$name" "$tag" "$load" "$code" "$wall" "$user" "$sys"
  echo "$code" > "$out/exit"
  local ref="$work/$name-ref"
  if [ ! -d "$ref" ]; then cp -r "$out" "$ref"; return; fi
  diff <(norm "$ref/stdout") <(norm "$out/stdout") > /dev/null || echo "  DIFFERENT output from the first $name run"
  cmp -s "$ref/exit" "$out/exit" || echo "  DIFFERENT exit code"
  diff -r "$ref/b" "$out/b" > /dev/null || echo "  DIFFERENT bundles"
}

shards() {
  local out="$work/shards"
  rm -rf "$out" && mkdir -p "$out"
  for i in 0 1 2 3 4 5 6 7; do
    $tool explore --jobs 1 --shard "$i/8" --results "$out/r$i.json" > /dev/null 2>&1 || true
  done
  $tool merge "$out"/r*.json "$@"
}

for r in $(seq 1 "$rounds"); do
  run explore-all j1 $tool explore --jobs 1
  run explore-all j2 $tool explore --jobs 2
  run explore-all j2-nopin env HMM_SPEC_PIN=0 $tool explore --jobs 2
  run verify-all j1 $tool verify --all --preemptions "$k" --jobs 1
  run verify-all j2 $tool verify --all --preemptions "$k" --jobs 2
  run verify-all j2-nopin env HMM_SPEC_PIN=0 $tool verify --all --preemptions "$k" --jobs 2
  run explore-all 8-shards shards
done
