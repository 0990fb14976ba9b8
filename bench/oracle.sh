#!/usr/bin/env bash
# The "Oracle" table of docs/performance.md: `hmm-spec check` on generated histories, whole process, Release
# build (ReadyToRun), each history run RUNS times; for the read/write rows the Python register checker
# bench/wgl_register.py runs alternately with it on the same file, so both see the same machine speed.
# Usage: bench/oracle.sh [RUNS ["KIND OPS PROCESSES [broken]" ...]]   (default 7 runs, every row; python3 for the baseline)
# A row ending in "broken" checks the --broken variant (one corrupted read). The Python checker gets PYTIMEOUT
# seconds per run (default 20); once it times out on a row it is not run again on that row.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
dotnet build -c Release src/Cli -v:q -nologo >/dev/null
hmm=src/Cli/bin/Release/net10.0/hmm-spec.dll
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

rows=("rw 1000 4" "rw 1000 8" "rw 10000 4" "rw 10000 8" "rw 100000 4" "rw 100000 8" "broken 10000 4" "contended 2000 8" "mixed 10000 4"
      "contended 20000 16" "contended 20000 16 broken" "contended 100000 16" "contended 100000 16 broken"
      "device-mixed 20000 8" "device-mixed 20000 8 broken")
pytimeout=${PYTIMEOUT:-20}
if [ $# -gt 1 ]; then rows=("${@:2}"); fi
echo "| history | ops | processes | verdict (exit) | partitions | states | wall s: median (min–max) | CPU s (median run) | peak RSS MiB | Python baseline: median wall s | ratio |"
echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
for row in "${rows[@]}"; do
  read -r kind ops procs variant <<<"$row"
  f="$dir/$kind-$ops-$procs-$variant.jsonl"
  dotnet "$hmm" history generate --kind "$kind" --ops "$ops" --processes "$procs" ${variant:+--$variant} -o "$f" >/dev/null
  : >"$dir/times"; : >"$dir/py"; py=yes
  [[ "$kind" == *mixed ]] && py=no
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -a -o "$dir/times" dotnet "$hmm" check --json "$f" >"$dir/out.json" 2>/dev/null || echo "exit $?" >"$dir/exit"
    if [ "$py" = yes ] && command -v python3 >/dev/null; then
      if ! /usr/bin/time -f "%e" -a -o "$dir/py" timeout "$pytimeout" python3 bench/wgl_register.py "$f" >/dev/null 2>&1; then
        if [ "$(tail -n 1 "$dir/py" | awk '{print int($1)}')" -ge "$pytimeout" ]; then echo "timeout" >>"$dir/py"; py=no; fi
      fi
    fi
  done
  code=0; [ -f "$dir/exit" ] && code=$(awk '{print $2}' "$dir/exit"); rm -f "$dir/exit"
  python3 - "$dir/out.json" "$dir/times" "$dir/py" "$kind${variant:+ ($variant)}" "$ops" "$procs" "$code" "$pytimeout" <<'PY'
import json, sys, statistics
out, times, py, kind, ops, procs, code, pytimeout = sys.argv[1:]
r = json.load(open(out))
t = sorted((float(a), float(u) + float(s), int(m)) for a, u, s, m in (l.split() for l in open(times) if len(l.split()) == 4))
med = t[(len(t) - 1) // 2]
lines = [l.strip() for l in open(py)]
p = sorted(float(l) for l in lines if len(l.split()) == 1 and l != "timeout")
if "timeout" in lines:
    pmed, ratio = f"> {pytimeout} (timed out)", f"> {float(pytimeout) / med[0]:.0f}x"
else:
    pmed = f"{p[(len(p) - 1) // 2]:.2f}" if p else "–"
    ratio = f"{p[(len(p) - 1) // 2] / med[0]:.1f}x" if p else "–"
print(f"| {kind} | {int(ops):,} | {procs} | {r['verdict']} ({code}) | {r.get('partitions', 0)} | {r.get('statesExplored', 0):,} | "
      f"{med[0]:.2f} ({t[0][0]:.2f}–{t[-1][0]:.2f}) | {med[1]:.2f} | {max(x[2] for x in t) // 1024} | {pmed} | {ratio} |")
PY
done
