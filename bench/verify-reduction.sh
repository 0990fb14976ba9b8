#!/usr/bin/env bash
# The reduction, measured: executions of `hmm-spec verify` with and without the partial-order reduction at
# K=1 and K=2 on the scenarios given (default: five two-actor scenarios, upstream). Prints a Markdown table for
# docs/verification.md. The unreduced count is the bounded search's exact count of schedules (every one run).
# Usage: bench/verify-reduction.sh [SCENARIO ...]
set -euo pipefail
cd "$(dirname "$0")/.."
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(fault-vs-fault fault-vs-munmap fault-vs-madvise-dontneed migrate-vs-cpu-read smaps-pagemap-vs-fault)
dotnet build -c Release src/Cli -v q -nologo >/dev/null
hmm() { dotnet src/Cli/bin/Release/net10.0/hmm-spec.dll "$@"; }
field() { python3 -c "import json,sys; r=json.load(sys.stdin)[0]; l=[x for x in r['levels'] if x['preemptions']==int(sys.argv[2])]; print(l[0][sys.argv[1]] if l else 'n/a')" "$@"; }
echo "| scenario | K | executions, reduced | pruned prefixes | executions, unreduced | factor | seconds reduced / unreduced |"
echo "|---|---|---|---|---|---|---|"
for s in "${scenarios[@]}"; do
  red=$(hmm verify --scenario "$s" --variant upstream --preemptions 2 --json 2>/dev/null || true)
  all=$(hmm verify --scenario "$s" --variant upstream --preemptions 2 --no-reduction --json 2>/dev/null || true)
  for k in 1 2; do
    e1=$(echo "$red" | field executions "$k"); p1=$(echo "$red" | field pruned "$k"); t1=$(echo "$red" | field seconds "$k")
    e2=$(echo "$all" | field executions "$k"); t2=$(echo "$all" | field seconds "$k")
    f=$(python3 -c "print(f'{int(\"$e2\")/int(\"$e1\"):.1f}x')" 2>/dev/null || echo n/a)
    echo "| $s | $k | $e1 | $p1 | $e2 | $f | $t1 / $t2 |"
  done
done
