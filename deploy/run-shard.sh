#!/usr/bin/env bash
# Runs one shard of an hmm-spec command on any engine, reading the shard from the variables that engine sets:
#
#   Slurm job array          SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT (and _MIN, _MAX, _STEP when set)
#   Kubernetes Indexed Job   JOB_COMPLETION_INDEX, with the Job's completions count in HMM_SPEC_SHARDS
#   GitHub Actions matrix    HMM_SPEC_SHARD, HMM_SPEC_SHARDS (set in the workflow from the matrix values)
#   anything else            HMM_SPEC_SHARD, HMM_SPEC_SHARDS, set by hand
#
# Every index above counts from 0 (shard 0 of 8 is the first, 7 the last), as Slurm arrays (--array=0-N) and
# Indexed Jobs do; it is handed to hmm-spec as --shard I/N in hmm-spec's own numbering.
#
# Usage:  deploy/run-shard.sh COMMAND [ARGS...]      COMMAND: explore | verify | catalog | stress
# runs    $HMM_SPEC COMMAND ARGS... [--jobs J] --shard I/N --results $HMM_SPEC_RESULTS_DIR/$HMM_SPEC_RUN_NAME.shard-I-of-N.json
#
#   HMM_SPEC              how to run the tool (default: hmm-spec on PATH; e.g. "dotnet /app/hmm-spec.dll")
#   HMM_SPEC_RESULTS_DIR  where shard results go (default: results); shared by every shard and the merge
#   HMM_SPEC_RUN_NAME     the result files' name (default: COMMAND)
#   HMM_SPEC_JOBS         worker processes for this shard (--jobs N), unless ARGS has --jobs; under Slurm the
#                         default is the task's SLURM_CPUS_PER_TASK, elsewhere hmm-spec's own (the cores it sees)
#   HMM_SPEC_KEEP_GOING   1: exit 0 when the shard wrote its result, whatever it found (exit 1 bug, 3 incomplete),
#                         so the engine neither retries nor cancels anything; the merge job gives the verdict.
#                         A shard that wrote no result (bad input, crash, killed) still fails.
#   HMM_SPEC_DRY_RUN      1: print the command (shell-quoted, one line) instead of running it
#
# Exit codes: hmm-spec's own (0 no bug, 1 bug, 2 bad input, 3 incomplete), or 2 with one line on standard error
# when the shard variables are missing, ambiguous or out of range. The result file is written by hmm-spec, which
# writes it atomically (a temporary file renamed into place), so a killed shard leaves no partial result behind.
set -uo pipefail

me=run-shard.sh
fail() {
  echo "$me: $*" >&2
  exit 2
}

# A non-negative decimal number of at most 9 digits (no sign, no spaces, no octal surprises).
number() { # NAME VALUE
  [[ $2 =~ ^[0-9]{1,9}$ ]] || fail "$1=\"$2\" is not a whole number from 0 to 999999999"
  echo $((10#$2))
}

is_set() { [ -n "${!1+x}" ]; }

# --- which engine set the shard ------------------------------------------------------------------------------
sources=()
is_set SLURM_ARRAY_TASK_ID && sources+=(SLURM_ARRAY_TASK_ID)
is_set JOB_COMPLETION_INDEX && sources+=(JOB_COMPLETION_INDEX)
is_set HMM_SPEC_SHARD && sources+=(HMM_SPEC_SHARD)
if [ "${#sources[@]}" -eq 0 ]; then
  fail "no shard given: set SLURM_ARRAY_TASK_ID (Slurm array), JOB_COMPLETION_INDEX with HMM_SPEC_SHARDS (Kubernetes Indexed Job) or HMM_SPEC_SHARD with HMM_SPEC_SHARDS"
fi
if [ "${#sources[@]}" -gt 1 ]; then
  set_ones=$(IFS=,; echo "${sources[*]}")
  fail "ambiguous shard: ${set_ones//,/, } are all set; set exactly one of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, HMM_SPEC_SHARD"
fi

case ${sources[0]} in
  SLURM_ARRAY_TASK_ID)
    id=$(number SLURM_ARRAY_TASK_ID "$SLURM_ARRAY_TASK_ID") || exit 2
    is_set SLURM_ARRAY_TASK_COUNT || fail "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (Slurm 17.11 or later sets both)"
    count=$(number SLURM_ARRAY_TASK_COUNT "$SLURM_ARRAY_TASK_COUNT") || exit 2
    min=0
    if is_set SLURM_ARRAY_TASK_MIN; then min=$(number SLURM_ARRAY_TASK_MIN "$SLURM_ARRAY_TASK_MIN") || exit 2; fi
    if is_set SLURM_ARRAY_TASK_STEP; then
      step=$(number SLURM_ARRAY_TASK_STEP "$SLURM_ARRAY_TASK_STEP") || exit 2
      [ "$step" -eq 1 ] || fail "SLURM_ARRAY_TASK_STEP=$step: the array must be a contiguous range (--array=0-$((count - 1)))"
    fi
    if is_set SLURM_ARRAY_TASK_MAX; then
      max=$(number SLURM_ARRAY_TASK_MAX "$SLURM_ARRAY_TASK_MAX") || exit 2
      [ $((max - min + 1)) -eq "$count" ] \
        || fail "SLURM_ARRAY_TASK_MIN=$min, _MAX=$max but _COUNT=$count: the array must be a contiguous range (--array=0-$((count - 1)))"
    fi
    [ "$id" -ge "$min" ] || fail "SLURM_ARRAY_TASK_ID=$id is below SLURM_ARRAY_TASK_MIN=$min"
    index=$((id - min))
    if is_set HMM_SPEC_SHARDS; then
      shards=$(number HMM_SPEC_SHARDS "$HMM_SPEC_SHARDS") || exit 2
      [ "$shards" -eq "$count" ] || fail "HMM_SPEC_SHARDS=$shards disagrees with SLURM_ARRAY_TASK_COUNT=$count"
    fi
    shards=$count
    from="SLURM_ARRAY_TASK_ID=$id"
    ;;
  JOB_COMPLETION_INDEX)
    index=$(number JOB_COMPLETION_INDEX "$JOB_COMPLETION_INDEX") || exit 2
    is_set HMM_SPEC_SHARDS || fail "JOB_COMPLETION_INDEX is set but HMM_SPEC_SHARDS is not: set it to the Job's spec.completions"
    shards=$(number HMM_SPEC_SHARDS "$HMM_SPEC_SHARDS") || exit 2
    from="JOB_COMPLETION_INDEX=$index"
    ;;
  HMM_SPEC_SHARD)
    index=$(number HMM_SPEC_SHARD "$HMM_SPEC_SHARD") || exit 2
    is_set HMM_SPEC_SHARDS || fail "HMM_SPEC_SHARD is set but HMM_SPEC_SHARDS is not"
    shards=$(number HMM_SPEC_SHARDS "$HMM_SPEC_SHARDS") || exit 2
    from="HMM_SPEC_SHARD=$index"
    ;;
esac
[ "$shards" -ge 1 ] || fail "the shard count must be at least 1, found $shards"
[ "$index" -lt "$shards" ] || fail "shard index out of range: $from, but there are $shards shards (indexes 0 to $((shards - 1)))"

# --- the command ---------------------------------------------------------------------------------------------
[ $# -ge 1 ] || fail "no command: usage: $me explore|verify|catalog|stress [ARGS...]"
command=$1
shift
case $command in
  explore | verify | catalog | stress) ;;
  *) fail "\"$command\" cannot be sharded: the command must be explore, verify, catalog or stress" ;;
esac
jobs_given=0
for a in "$@"; do
  case $a in
    --shard | --shard=* | --results | --results=*) fail "$a is set by $me from the engine's shard variables; leave it out" ;;
    --jobs | --jobs=*) jobs_given=1 ;;
  esac
done

# As many worker processes as the engine gave this shard CPUs (a 1-CPU shard runs its units in-process).
jobs=()
if [ "$jobs_given" = 0 ]; then
  if is_set HMM_SPEC_JOBS; then
    n=$(number HMM_SPEC_JOBS "$HMM_SPEC_JOBS") || exit 2
    [ "$n" -ge 1 ] || fail "HMM_SPEC_JOBS must be at least 1, found $n"
    jobs=(--jobs "$n")
  elif [ "${sources[0]}" = SLURM_ARRAY_TASK_ID ] && is_set SLURM_CPUS_PER_TASK; then
    n=$(number SLURM_CPUS_PER_TASK "$SLURM_CPUS_PER_TASK") || exit 2
    [ "$n" -ge 1 ] && jobs=(--jobs "$n")
  fi
fi

name=${HMM_SPEC_RUN_NAME:-$command}
[[ $name =~ ^[A-Za-z0-9._-]{1,100}$ ]] || fail "HMM_SPEC_RUN_NAME=\"$name\" must be 1 to 100 letters, digits, '.', '_' or '-'"
dir=${HMM_SPEC_RESULTS_DIR:-results}
[ -n "$dir" ] || fail "HMM_SPEC_RESULTS_DIR is empty"
read -r -a tool <<<"${HMM_SPEC:-hmm-spec}"
[ "${#tool[@]}" -ge 1 ] || fail "HMM_SPEC is empty"

# hmm-spec numbers shards from 0, like the engines; a change of convention is made here and nowhere else.
cli_index=$index
result="$dir/$name.shard-$cli_index-of-$shards.json"
run=("${tool[@]}" "$command" "$@" "${jobs[@]}" --shard "$cli_index/$shards" --results "$result")

if [ "${HMM_SPEC_DRY_RUN:-0}" = 1 ]; then
  printf '%q ' "${run[@]}" | sed 's/ $//'
  echo
  exit 0
fi

mkdir -p -- "$dir" || fail "cannot create the results directory $dir"
echo "$me: shard $cli_index of $shards (from $from): ${run[*]}" >&2

if [ "${HMM_SPEC_KEEP_GOING:-0}" != 1 ]; then
  exec "${run[@]}"
fi

# Keep going: run as a child (forwarding TERM and INT, e.g. from Kubernetes to PID 1), then judge by the result.
"${run[@]}" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM
trap 'kill -INT "$child" 2>/dev/null' INT
status=0
wait "$child" || status=$?
# A trapped signal interrupts wait; wait again for the child's own exit.
while kill -0 "$child" 2>/dev/null; do
  status=0
  wait "$child" || status=$?
done
case $status in
  0 | 1 | 3)
    if [ -f "$result" ]; then
      [ "$status" -eq 0 ] || echo "$me: hmm-spec exited $status (the merge reports it); this shard succeeded" >&2
      exit 0
    fi
    echo "$me: hmm-spec exited $status but wrote no result file $result" >&2
    exit 2
    ;;
  *) exit "$status" ;;
esac
