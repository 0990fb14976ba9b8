using System.Text.RegularExpressions;

namespace Hmm.Spec.Actors.Tests.Deploy;

/// <summary>
/// deploy/slurm: the job-array script (shard from SLURM_ARRAY_TASK_ID/COUNT), the merge job, and submit.sh, which
/// submits the array and the merge with <c>--dependency=afterany:&lt;array job&gt;</c>. Run against a stand-in
/// <c>sbatch</c> that records its arguments: no Slurm needed (deploy/slurm/test-local.sh runs the real thing).
/// </summary>
public sealed class SlurmScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hmm-slurm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Sbatch(string file) => File.ReadAllText(DeployScripts.DeployPath("slurm", file));

    private static IEnumerable<string> Directives(string script) =>
        script.Split('\n').Where(l => l.StartsWith("#SBATCH ", StringComparison.Ordinal)).Select(l => l["#SBATCH ".Length..].Trim());

    [Fact]
    public void The_shard_script_is_a_job_array_from_zero_and_runs_the_entry_script()
    {
        var script = Sbatch("shard.sbatch");
        var array = Directives(script).Should().ContainSingle(d => d.StartsWith("--array=", StringComparison.Ordinal)).Subject;
        array.Should().MatchRegex(@"^--array=0-[1-9][0-9]*(%[0-9]+)?$", "a contiguous range from 0, as run-shard.sh numbers shards");
        script.Should().Contain("exec \"$deploy/run-shard.sh\" \"$@\"");
        Directives(script).Should().Contain("--cpus-per-task=1");
    }

    [Fact]
    public void The_merge_script_is_not_an_array_and_runs_merge()
    {
        var script = Sbatch("merge.sbatch");
        Directives(script).Should().NotContain(d => d.StartsWith("--array", StringComparison.Ordinal));
        script.Should().Contain("exec \"$deploy/merge.sh\" \"$@\"");
    }

    [BashFact]
    public void Inside_an_array_task_the_shard_script_runs_that_tasks_shard()
    {
        var r = DeployScripts.Run(DeployScripts.DeployPath("slurm", "shard.sbatch"), DeployScripts.DryRun(new Dictionary<string, string>
        {
            ["SLURM_ARRAY_TASK_ID"] = "6", ["SLURM_ARRAY_TASK_COUNT"] = "8", ["SLURM_ARRAY_TASK_MIN"] = "0", ["SLURM_ARRAY_TASK_MAX"] = "7",
            ["SLURM_SUBMIT_DIR"] = DeployScripts.RepoRoot(), ["HMM_SPEC_RESULTS_DIR"] = "/shared/results",
        }), ["verify", "--all"]);
        r.Command.Should().Be("hmm-spec verify --all --shard 6/8 --results /shared/results/verify.shard-6-of-8.json");
    }

    /// <summary>A stand-in sbatch: appends its arguments (one per line, then "--") to a log and prints job ids 100, 101, ...</summary>
    private string FakeSbatch()
    {
        var bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        var path = Path.Combine(bin, "sbatch");
        File.WriteAllText(path, $$"""
            #!/usr/bin/env bash
            log="{{_dir}}/sbatch.log"
            n=$(grep -c '^--$' "$log" 2>/dev/null || true)
            printf '%s\n' "$@" -- >> "$log"
            echo "$((100 + n))"
            """.Replace("\r", ""));
        DeployScripts.MakeExecutable(path);
        return bin;
    }

    private List<string[]> SbatchCalls()
    {
        var calls = new List<string[]>();
        var current = new List<string>();
        foreach (var line in File.ReadAllLines(Path.Combine(_dir, "sbatch.log")))
        {
            if (line == "--") { calls.Add([.. current]); current.Clear(); }
            else current.Add(line);
        }
        return calls;
    }

    [BashFact]
    public void Submit_queues_the_array_then_a_merge_that_waits_for_any_end_of_it()
    {
        var results = Path.Combine(_dir, "results");
        var r = DeployScripts.Run(DeployScripts.DeployPath("slurm", "submit.sh"), new Dictionary<string, string>(),
            ["-P", "-n", "4", "-r", results, "-m", "--json", "-s", "--partition=long", "explore", "--iterations", "50"],
            workingDirectory: _dir, pathPrefix: FakeSbatch());
        r.ExitCode.Should().Be(0, r.Err);
        r.Out.Trim().Should().Be("100 101");

        var calls = SbatchCalls();
        calls.Should().HaveCount(2);
        var (array, merge) = (calls[0], calls[1]);
        array.Should().Contain("--array=0-3").And.Contain("--partition=long").And.Contain("--export=ALL");
        array.Should().ContainInOrder(DeployScripts.DeployPath("slurm", "shard.sbatch"), "explore", "--iterations", "50");
        array[^3..].Should().Equal("explore", "--iterations", "50");
        merge.Should().Contain("--dependency=afterany:100").And.Contain("--partition=long");
        merge[^2..].Should().Equal(DeployScripts.DeployPath("slurm", "merge.sbatch"), "--json");
        Directory.Exists(results).Should().BeTrue("the results directory is made before the jobs are queued");
    }

    [BashFact]
    public void Submit_checks_the_shard_arguments_before_queueing_anything()
    {
        var r = DeployScripts.Run(DeployScripts.DeployPath("slurm", "submit.sh"), new Dictionary<string, string>(),
            ["-n", "4", "replay", "x.hmmtrace.json"], workingDirectory: _dir, pathPrefix: FakeSbatch());
        r.ExitCode.Should().Be(2);
        r.Err.Should().Contain("cannot be sharded");
        File.Exists(Path.Combine(_dir, "sbatch.log")).Should().BeFalse("nothing was submitted");

        r = DeployScripts.Run(DeployScripts.DeployPath("slurm", "submit.sh"), new Dictionary<string, string>(),
            ["-n", "0", "explore"], workingDirectory: _dir, pathPrefix: FakeSbatch());
        r.ExitCode.Should().Be(2);
        r.Err.Should().Contain("at least 1");
    }

    [Fact]
    public void The_local_test_stops_only_the_daemons_it_started_by_pid()
    {
        var script = File.ReadAllText(DeployScripts.DeployPath("slurm", "test-local.sh"));
        script.Should().NotMatchRegex(@"\b(pkill|killall)\b", "daemons are stopped by pid, never by name");
        script.Should().Contain("started_pids+=");
        Regex.Matches(script, @"kill (-KILL )?""\$pid""").Should().NotBeEmpty();
        script.Should().NotMatchRegex(@">\s*/etc/", "nothing under /etc is written");
    }
}
