#!/usr/bin/env bash
# End-to-end test of the Slurm path on one machine: an 8-shard job array of a small `explore` and of a small
# `verify`, each merged by a dependent job, must print exactly what a single local run prints (the same bugs, the
# same counts, the same exit code; the --json outputs compared with timings dropped) and write the same bug
# bundles and the same JUnit report (times dropped). Prints the wall time of the Slurm path and of a local `--jobs 2` run of the same work. Exit 0 only if
# every comparison is identical; 1 when one differs (the difference is printed); 2 when it cannot run.
#
# The cluster: when `sinfo` answers, the running cluster is used (its nodes must see this machine's /tmp, as a
# single-node cluster does). Otherwise, as root, a single-node cluster is started just for the test: slurm-wlm and
# munge are installed with apt-get when missing, and munged, slurmctld and slurmd run from a temporary directory
# with their own key, socket, configuration (SLURM_CONF), state, logs and ports, so nothing under /etc is read or
# written. The daemons it started are stopped by their pids when it ends, however it ends.
#
# Environment:
#   HMM_SPEC                the tool to test (default: build src/Cli with HMM_SPEC_CONFIGURATION and use its output)
#   HMM_SPEC_CONFIGURATION  Release (default) or Debug
#   HMM_SPEC_SLURM_TIMEOUT  seconds to wait for each run's jobs (default 300)
#   HMM_SPEC_KEEP           1: keep the work directory (results, job output, logs) even when the test passes
set -uo pipefail

me=test-local.sh
say() { echo "$me: $*"; }
die() {
  echo "$me: $*" >&2
  exit 2
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
timeout_s=${HMM_SPEC_SLURM_TIMEOUT:-300}
[[ $timeout_s =~ ^[0-9]{1,6}$ ]] || die "HMM_SPEC_SLURM_TIMEOUT=\"$timeout_s\" is not a number of seconds"

# The work: two scenarios each, small; explore finds the seed's use-after-free in fault-vs-fault, verify finds it at
# the smallest preemption bound and proves fault-vs-munmap clean at K=2.
WORK_NAMES=(explore verify)
WORK_explore=(explore --scenario fault-vs-fault --scenario fault-vs-munmap --iterations 100)
WORK_verify=(verify --scenario fault-vs-fault --scenario fault-vs-munmap --preemptions 2)
SHARDS=8

# --- work directory and clean-up ------------------------------------------------------------------------------
work=$(mktemp -d /tmp/hmm-spec-slurm-test.XXXXXX) || die "cannot create a work directory under /tmp"
chmod 755 "$work"
started_pids=() # daemons this script started, in start order
our_jobs=()
passed=0
cleanup() {
  trap - EXIT INT TERM
  if [ "${#our_jobs[@]}" -gt 0 ] && command -v scancel >/dev/null; then
    scancel "${our_jobs[@]}" 2>/dev/null || true
  fi
  # Stop the daemons we started, last started first, by pid; wait for each to go.
  local i pid n
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do
    pid=${started_pids[i]}
    kill "$pid" 2>/dev/null || continue
    for ((n = 0; n < 100; n++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$me: pid $pid did not stop after 10 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [ "$passed" = 1 ] && [ "${HMM_SPEC_KEEP:-0}" != 1 ]; then
    rm -rf -- "$work"
  else
    echo "$me: results, job output and daemon logs kept in $work" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- packages: jq compares the outputs; slurm-wlm and munge, only when no cluster answers ---------------------
apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || die "$* not installed, and installing needs root and apt-get"
  say "installing $*"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >>"$work/apt.log" 2>&1 \
    || { tail -20 "$work/apt.log" >&2; die "apt-get install $* failed (log: $work/apt.log)"; }
}
command -v jq >/dev/null || apt_install jq

# --- the tool -------------------------------------------------------------------------------------------------
if [ -z "${HMM_SPEC:-}" ]; then
  config=${HMM_SPEC_CONFIGURATION:-Release}
  case $config in Release | Debug) ;; *) die "HMM_SPEC_CONFIGURATION=\"$config\" must be Release or Debug" ;; esac
  say "building src/Cli ($config)"
  dotnet build -c "$config" "$repo/src/Cli" -nologo -v q >"$work/build.log" 2>&1 \
    || { tail -20 "$work/build.log" >&2; die "the build failed (log: $work/build.log)"; }
  HMM_SPEC="$repo/src/Cli/bin/$config/net10.0/hmm-spec"
fi
export HMM_SPEC
read -r -a tool <<<"$HMM_SPEC"
"${tool[@]}" list variants >/dev/null 2>&1 || die "the tool does not run: $HMM_SPEC list variants failed"

# --- the cluster ----------------------------------------------------------------------------------------------
node_states() { timeout 20 sinfo -h -o '%T' 2>/dev/null; }

# A TCP port pair nobody listens on (slurmctld, slurmd).
free_port_pair() {
  local p
  for p in 6817 16817 26817 36817; do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# Waits up to $2 tenths of a second for the pid file $1; prints the pid.
pid_from() {
  local n
  for ((n = 0; n < $2; n++)); do
    if [ -s "$1" ]; then
      head -n1 "$1"
      return 0
    fi
    sleep 0.1
  done
  return 1
}

start_cluster() {
  [ "$(id -u)" = 0 ] || die "no Slurm cluster answers and starting one needs root"
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
    || ! command -v munged >/dev/null || ! command -v mungekey >/dev/null; then
    apt_install slurm-wlm munge
  fi
  local c="$work/cluster" host cpus mem port pid
  mkdir -p "$c/state" "$c/spool"
  chmod 755 "$c"

  # munged with its own key and socket (munged wants the key private to the user it runs as).
  mungekey -c -b 1024 -k "$c/munge.key" >/dev/null 2>&1 || die "mungekey could not create $c/munge.key"
  chmod 600 "$c/munge.key"
  munged --force --socket="$c/munge.socket" --key-file="$c/munge.key" --pid-file="$c/munged.pid" \
    --log-file="$c/munged.log" --seed-file="$c/munged.seed" 2>>"$c/munged.log" || die "munged did not start (log: $c/munged.log)"
  pid=$(pid_from "$c/munged.pid" 50) || die "munged wrote no pid file (log: $c/munged.log)"
  started_pids+=("$pid")

  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
  port=$(free_port_pair) || die "no free port pair for slurmctld and slurmd (tried 6817, 16817, 26817, 36817)"
  cat >"$c/slurm.conf" <<EOF
# Single-node cluster of deploy/slurm/test-local.sh (temporary).
ClusterName=hmmspectest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$c/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$c/state
SlurmdSpoolDir=$c/spool
SlurmctldPidFile=$c/slurmctld.pid
SlurmdPidFile=$c/slurmd.pid
SlurmctldLogFile=$c/slurmctld.log
SlurmdLogFile=$c/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=3600
KillWait=5
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$c/slurm.conf"

  slurmctld -c -f "$SLURM_CONF" >>"$c/slurmctld.out" 2>&1 || die "slurmctld did not start (log: $c/slurmctld.log)"
  pid=$(pid_from "$c/slurmctld.pid" 100) || die "slurmctld wrote no pid file (log: $c/slurmctld.log)"
  started_pids+=("$pid")
  slurmd -f "$SLURM_CONF" >>"$c/slurmd.out" 2>&1 || die "slurmd did not start (log: $c/slurmd.log)"
  pid=$(pid_from "$c/slurmd.pid" 100) || die "slurmd wrote no pid file (log: $c/slurmd.log)"
  started_pids+=("$pid")

  local n
  for ((n = 0; n < 60; n++)); do
    if node_states | grep -qx idle; then
      say "started a single-node cluster ($host, $cpus CPUs, ports $port-$((port + 1))) in $c; pids ${started_pids[*]}"
      return 0
    fi
    sleep 0.5
  done
  die "the node did not become idle within 30 s (logs: $c/slurmctld.log, $c/slurmd.log)"
}

if command -v sinfo >/dev/null && node_states | grep -Eqx 'idle|mixed|allocated|completing'; then
  say "using the running Slurm cluster ($(sinfo -h -o '%N: %T' | head -n1))"
else
  start_cluster
fi

# --- run, merge, compare ---------------------------------------------------------------------------------------
# Drops every timing (keys naming elapsed time or a rate) and keeps only a bundle's file name: the rest must be equal.
normalize() {
  jq -S 'walk(if type == "object" then
                (with_entries(select(.key | test("(?i)(elapsed|duration|seconds$|ms$|time|rate|perSecond|throughput)") | not))
                 | if has("bundle") and (.bundle | type) == "string" then .bundle |= sub(".*/"; "") else . end)
              else . end)' "$1"
}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

job_state() { # JOBID -> "STATE EXIT" from scontrol (kept for MinJobAge after the end)
  scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | awk -F= '$1 == "JobState" {s = $2} $1 == "ExitCode" {e = $2} END {print s, e}'
}

failures=0
summary=()
for name in "${WORK_NAMES[@]}"; do
  declare -n spec="WORK_$name"
  dir="$work/$name"
  mkdir -p "$dir/local" "$dir/slurm"

  # One local run (not sharded) with --jobs 2: the reference, and the time to beat.
  t0=$(now)
  "${tool[@]}" "${spec[@]}" --jobs 2 --out "$dir/local/bundles" --junit "$dir/local/junit.xml" --json \
    >"$dir/local/out.json" 2>"$dir/local/err.txt"
  local_exit=$?
  t1=$(now)
  local_time=$(secs "$t0" "$t1")
  [ "$local_exit" -le 1 ] || { cat "$dir/local/err.txt" >&2; die "$name: the local run exited $local_exit"; }

  # The Slurm path: submit the array and the merge, wait for both to leave the queue.
  t0=$(now)
  ids=$("$here/submit.sh" -P -n "$SHARDS" -r "$dir/slurm" -m --json -m --junit -m "$dir/slurm/junit.xml" "${spec[@]}") \
    || die "$name: submit.sh failed"
  read -r array merge <<<"$ids"
  our_jobs+=("$array" "$merge")
  deadline=$(($(date +%s) + timeout_s))
  while [ -n "$(squeue -h -j "$array,$merge" -o %i 2>/dev/null)" ]; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      squeue -j "$array,$merge" >&2
      die "$name: the jobs did not end within $timeout_s s"
    fi
    sleep 0.5
  done
  t1=$(now)
  slurm_time=$(secs "$t0" "$t1")
  read -r merge_state merge_exit <<<"$(job_state "$merge")"
  merge_exit=${merge_exit%%:*}
  merged="$dir/slurm/hmm-spec-merge-$merge.out"

  # Compare: exit code, the normalized JSON, the bundles byte for byte.
  verdict=identical
  if [ "$merge_exit" != "$local_exit" ]; then
    echo "$me: $name: the merge job ($merge, $merge_state) exited $merge_exit, the local run $local_exit" >&2
    sed 's/^/  merge stderr: /' "$dir/slurm/hmm-spec-merge-$merge.err" >&2 2>/dev/null
    verdict=DIFFERENT
  fi
  if ! normalize "$dir/local/out.json" >"$dir/local.norm.json" || ! normalize "$merged" >"$dir/merged.norm.json"; then
    echo "$me: $name: an output is not JSON (local: $dir/local/out.json, merged: $merged)" >&2
    verdict=DIFFERENT
  elif ! diff -u "$dir/local.norm.json" "$dir/merged.norm.json" >"$dir/diff.txt"; then
    echo "$me: $name: the merged result differs from the local run:" >&2
    head -40 "$dir/diff.txt" >&2
    verdict=DIFFERENT
  fi
  # The JUnit reports: the same test cases and failures (times dropped, the bundle directory named alike).
  junit_norm() { sed -E -e 's/ time="[^"]*"//g' -e "s#$2/#BUNDLES/#g" "$1"; }
  if ! diff -u <(junit_norm "$dir/local/junit.xml" "$dir/local/bundles") <(junit_norm "$dir/slurm/junit.xml" "$dir/slurm/bundles") \
    >"$dir/junit-diff.txt" 2>&1; then
    echo "$me: $name: the merged JUnit report differs from the local run's:" >&2
    head -20 "$dir/junit-diff.txt" >&2
    verdict=DIFFERENT
  fi
  for b in "$dir/local/bundles"/*.hmmtrace.json; do
    [ -e "$b" ] || continue
    if ! cmp -s "$b" "$dir/slurm/bundles/${b##*/}"; then
      echo "$me: $name: bundle ${b##*/} differs or is missing in the Slurm run" >&2
      verdict=DIFFERENT
    fi
  done
  bundles=$(find "$dir/local/bundles" -name '*.hmmtrace.json' 2>/dev/null | wc -l)
  [ "$verdict" = identical ] || failures=$((failures + 1))
  line="$name: $verdict (exit $local_exit, $bundles bundle(s)); Slurm $SHARDS shards + merge ${slurm_time} s, local --jobs 2 ${local_time} s"
  say "$line"
  summary+=("$line")
done

echo "slurm-local: ${#WORK_NAMES[@]} runs, $failures different"
if [ "$failures" -eq 0 ]; then
  passed=1
  exit 0
fi
exit 1
