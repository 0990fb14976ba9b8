#!/usr/bin/env bash
# Submits an hmm-spec run to Slurm as a job array of N shards plus a merge job that runs after every shard has
# ended (--dependency=afterany), and prints both job ids.
#
# Usage:  deploy/slurm/submit.sh [-n SHARDS] [-r RESULTS_DIR] [-N NAME] [-m MERGE_ARG]... [-s SBATCH_ARG]... [-P] \
#                                COMMAND [ARGS...]
#   -n SHARDS       how many shards (array tasks 0..SHARDS-1); default 8
#   -r RESULTS_DIR  where the shards write their results and the jobs their output, on a file system every node
#                   sees; default ./results (made absolute)
#   -N NAME         the result files' name (default: COMMAND), so two runs can share a results directory
#   -m MERGE_ARG    an argument for hmm-spec merge, e.g. -m --json, or -m --junit -m results/explore.junit.xml
#   -s SBATCH_ARG   an extra sbatch option for both jobs, e.g. -s --partition=long -s --time=02:00:00
#   -P              print only "ARRAY_JOB_ID MERGE_JOB_ID" (for scripts)
# COMMAND ARGS are what each shard runs: hmm-spec COMMAND ARGS --shard I/N --results RESULTS_DIR/NAME.shard-I-of-N.json
# (explore, verify, catalog or stress). The merge job writes the bundles of the bugs it reports to
# RESULTS_DIR/bundles (deploy/merge.sh; -m --out -m DIR for elsewhere).
# The tool is $HMM_SPEC (default hmm-spec on PATH), in the environment of the jobs (sbatch --export=ALL).
#
# Example: deploy/slurm/submit.sh -n 16 -m --junit -m "$PWD/results/explore.junit.xml" \
#            explore --iterations 10000
# The merge job's output (hmm-spec-merge-<id>.out in RESULTS_DIR) is what a single run would print; its exit code
# (scontrol show job <id>, or sacct) is the single run's exit code.
set -euo pipefail
me=submit.sh
fail() {
  echo "$me: $*" >&2
  exit 2
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
shards=8 results=results name= parsable=0
merge_args=() sbatch_args=()
while getopts ':n:r:N:m:s:P' opt; do
  case $opt in
    n) shards=$OPTARG ;;
    r) results=$OPTARG ;;
    N) name=$OPTARG ;;
    m) merge_args+=("$OPTARG") ;;
    s) sbatch_args+=("$OPTARG") ;;
    P) parsable=1 ;;
    :) fail "-$OPTARG needs a value" ;;
    *) fail "unknown option -$OPTARG (see the comment at the top of $0)" ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || fail "no command: usage: $me [-n SHARDS] [-r RESULTS_DIR] ... explore|verify|catalog|stress [ARGS...]"
[[ $shards =~ ^[0-9]{1,6}$ ]] && [ $((10#$shards)) -ge 1 ] || fail "-n $shards: the shard count must be a whole number of at least 1"
shards=$((10#$shards))
command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node"

mkdir -p -- "$results"
export HMM_SPEC_RESULTS_DIR HMM_SPEC_RUN_NAME HMM_SPEC_SHARDS HMM_SPEC_DEPLOY
HMM_SPEC_RESULTS_DIR=$(cd "$results" && pwd)
HMM_SPEC_RUN_NAME=${name:-$1}
HMM_SPEC_SHARDS=$shards
HMM_SPEC_DEPLOY=$(dirname "$here")

# Check the shard arguments before anything is queued (a dry run of task 0).
SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_COUNT=$shards HMM_SPEC_DRY_RUN=1 "$HMM_SPEC_DEPLOY/run-shard.sh" "$@" >/dev/null

out=$HMM_SPEC_RESULTS_DIR
array=$(sbatch --parsable --export=ALL --array="0-$((shards - 1))" --chdir="$PWD" \
  --output="$out/hmm-spec-shard-%A_%a.out" "${sbatch_args[@]}" "$here/shard.sbatch" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --export=ALL --dependency="afterany:$array" --chdir="$PWD" \
  --output="$out/hmm-spec-merge-%j.out" --error="$out/hmm-spec-merge-%j.err" \
  "${sbatch_args[@]}" "$here/merge.sbatch" "${merge_args[@]}")
merge=${merge%%;*}
if [ "$parsable" = 1 ]; then
  echo "$array $merge"
else
  echo "shards: job array $array ($shards tasks), output $out/hmm-spec-shard-${array}_*.out"
  echo "merge:  job $merge (after every task of $array), output $out/hmm-spec-merge-$merge.out"
fi
