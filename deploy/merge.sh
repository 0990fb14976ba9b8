#!/usr/bin/env bash
# Merges the shard results that deploy/run-shard.sh wrote, on any engine: runs
#   $HMM_SPEC merge ARGS... --out $HMM_SPEC_RESULTS_DIR/bundles \
#                   $HMM_SPEC_RESULTS_DIR/$HMM_SPEC_RUN_NAME.shard-*-of-$HMM_SPEC_SHARDS.json
# (--out only when ARGS has none: merge writes the trace bundles of the bugs it reports there)
# and exits with merge's exit code, which is the exit code a single run of the whole work would have had
# (0 no bug, 1 bug, 3 incomplete); 2 when a shard is missing, truncated or from another tool or work definition
# (merge names it).
#
# Usage:  deploy/merge.sh [MERGE ARGS...]        e.g. deploy/merge.sh --junit results/explore.junit.xml
#   HMM_SPEC_RUN_NAME     the shards' result name (required: the COMMAND given to run-shard.sh, by default)
#   HMM_SPEC_SHARDS       how many shards the work was split into (required)
#   HMM_SPEC_RESULTS_DIR  where the shards wrote (default: results)
#   HMM_SPEC              how to run the tool (default: hmm-spec on PATH)
#   HMM_SPEC_DRY_RUN      1: print the command (shell-quoted, one line) instead of running it
set -uo pipefail

me=merge.sh
fail() {
  echo "$me: $*" >&2
  exit 2
}
[ -n "${HMM_SPEC_RUN_NAME:-}" ] || fail "HMM_SPEC_RUN_NAME is not set: the result name the shards used (e.g. explore)"
[[ $HMM_SPEC_RUN_NAME =~ ^[A-Za-z0-9._-]{1,100}$ ]] \
  || fail "HMM_SPEC_RUN_NAME=\"$HMM_SPEC_RUN_NAME\" must be 1 to 100 letters, digits, '.', '_' or '-'"
[ -n "${HMM_SPEC_SHARDS:-}" ] || fail "HMM_SPEC_SHARDS is not set: how many shards the work was split into"
[[ $HMM_SPEC_SHARDS =~ ^[0-9]{1,9}$ ]] && [ $((10#$HMM_SPEC_SHARDS)) -ge 1 ] \
  || fail "HMM_SPEC_SHARDS=\"$HMM_SPEC_SHARDS\" is not a whole number of at least 1"
shards=$((10#$HMM_SPEC_SHARDS))
dir=${HMM_SPEC_RESULTS_DIR:-results}
read -r -a tool <<<"${HMM_SPEC:-hmm-spec}"
[ "${#tool[@]}" -ge 1 ] || fail "HMM_SPEC is empty"

# merge writes the bundles of the bugs it reports: beside the results (a volume every engine's merge step keeps)
# unless an --out is given.
out=(--out "$dir/bundles")
for a in "$@"; do
  case $a in --out | --out=*) out=() ;; esac
done

# Every shard file of this run that exists; merge itself names the shards that are missing.
shopt -s nullglob
files=("$dir/$HMM_SPEC_RUN_NAME".shard-*-of-"$shards".json)
shopt -u nullglob
[ "${#files[@]}" -gt 0 ] || fail "no shard results: nothing matches $dir/$HMM_SPEC_RUN_NAME.shard-*-of-$shards.json"
run=("${tool[@]}" merge "$@" "${out[@]}" "${files[@]}")

if [ "${HMM_SPEC_DRY_RUN:-0}" = 1 ]; then
  printf '%q ' "${run[@]}" | sed 's/ $//'
  echo
  exit 0
fi
exec "${run[@]}"
