namespace Hmm.Spec.Actors.Tests.Deploy;

/// <summary>
/// deploy/run-shard.sh reads the shard from whichever engine's variables are set — a Slurm job array, a
/// Kubernetes Indexed Job, a GitHub Actions matrix, or by hand — and runs hmm-spec with exactly
/// <c>--shard I/N --results DIR/NAME.shard-I-of-N.json</c>; missing, ambiguous and out-of-range values are one line
/// and exit 2. Run in dry-run mode (the command printed, not run) except where the exit-code handling is the point.
/// </summary>
public sealed class RunShardScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hmm-deploy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, string> Env(params (string Name, string Value)[] vars) =>
        vars.ToDictionary(v => v.Name, v => v.Value);

    [BashFact]
    public void A_slurm_array_task_runs_its_shard_of_the_array()
    {
        var r = DeployScripts.RunShard(
            Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "8"), ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "7"), ("SLURM_ARRAY_TASK_STEP", "1")),
            "explore", "--scenario", "fault-vs-fault", "--iterations", "100");
        r.Command.Should().Be("hmm-spec explore --scenario fault-vs-fault --iterations 100 --shard 3/8 --results results/explore.shard-3-of-8.json");
    }

    [BashFact]
    public void A_shard_runs_as_many_workers_as_the_engine_gave_it_cpus_unless_told()
    {
        var slurm = Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "2"), ("SLURM_CPUS_PER_TASK", "4"));
        DeployScripts.RunShard(slurm, "verify").Command.Should().Be("hmm-spec verify --jobs 4 --shard 1/2 --results results/verify.shard-1-of-2.json");
        DeployScripts.RunShard(slurm, "verify", "--jobs", "1").Command.Should().Be("hmm-spec verify --jobs 1 --shard 1/2 --results results/verify.shard-1-of-2.json");
        DeployScripts.RunShard(new Dictionary<string, string>(slurm) { ["HMM_SPEC_JOBS"] = "3" }, "verify")
            .Command.Should().Contain(" --jobs 3 ").And.NotContain("--jobs 4");
        DeployScripts.RunShard(Env(("HMM_SPEC_SHARD", "0"), ("HMM_SPEC_SHARDS", "2"), ("SLURM_CPUS_PER_TASK", "4")), "verify")
            .Command.Should().NotContain("--jobs", "outside a Slurm array task the CPUs are hmm-spec's own count");
        DeployScripts.RunShard(Env(("HMM_SPEC_SHARD", "0"), ("HMM_SPEC_SHARDS", "2"), ("HMM_SPEC_JOBS", "0")), "verify")
            .ShouldBeRejected("HMM_SPEC_JOBS");
    }

    [BashFact]
    public void A_slurm_array_numbered_from_one_is_counted_from_its_first_task()
    {
        var env = Env(("SLURM_ARRAY_TASK_COUNT", "8"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "8"));
        env["SLURM_ARRAY_TASK_ID"] = "1";
        DeployScripts.RunShard(env, "verify").Command.Should().EndWith("--shard 0/8 --results results/verify.shard-0-of-8.json");
        env["SLURM_ARRAY_TASK_ID"] = "8";
        DeployScripts.RunShard(env, "verify").Command.Should().EndWith("--shard 7/8 --results results/verify.shard-7-of-8.json");
    }

    [BashFact]
    public void A_slurm_array_that_is_not_a_contiguous_range_is_rejected()
    {
        DeployScripts.RunShard(Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "6"), ("SLURM_ARRAY_TASK_STEP", "2")), "explore")
            .ShouldBeRejected("SLURM_ARRAY_TASK_STEP=2", "contiguous");
        DeployScripts.RunShard(Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "4")), "explore")
            .ShouldBeRejected("_COUNT=3", "contiguous");
        DeployScripts.RunShard(Env(("SLURM_ARRAY_TASK_ID", "2")), "explore").ShouldBeRejected("SLURM_ARRAY_TASK_COUNT");
        DeployScripts.RunShard(Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "8"), ("HMM_SPEC_SHARDS", "4")), "explore")
            .ShouldBeRejected("HMM_SPEC_SHARDS=4", "SLURM_ARRAY_TASK_COUNT=8");
    }

    [BashFact]
    public void A_kubernetes_indexed_job_pod_runs_the_shard_of_its_completion_index()
    {
        var r = DeployScripts.RunShard(
            Env(("JOB_COMPLETION_INDEX", "5"), ("HMM_SPEC_SHARDS", "8"), ("HMM_SPEC_RESULTS_DIR", "/results")),
            "verify", "--all");
        r.Command.Should().Be("hmm-spec verify --all --shard 5/8 --results /results/verify.shard-5-of-8.json");
    }

    [BashFact]
    public void A_kubernetes_index_without_the_shard_count_is_rejected()
    {
        DeployScripts.RunShard(Env(("JOB_COMPLETION_INDEX", "5")), "verify").ShouldBeRejected("HMM_SPEC_SHARDS", "completions");
    }

    [BashFact]
    public void A_github_matrix_or_a_hand_set_shard_runs_with_the_given_tool_and_name()
    {
        var r = DeployScripts.RunShard(
            Env(("HMM_SPEC_SHARD", "0"), ("HMM_SPEC_SHARDS", "2"), ("HMM_SPEC", "dotnet /app/hmm-spec.dll"),
                ("HMM_SPEC_RUN_NAME", "nightly"), ("HMM_SPEC_RESULTS_DIR", "out dir")),
            "catalog", "--strategy", "random walk");
        r.Command.Should().Be(@"dotnet /app/hmm-spec.dll catalog --strategy random\ walk --shard 0/2 --results out\ dir/nightly.shard-0-of-2.json");
    }

    [BashFact]
    public void Leading_zeros_are_decimal_not_octal()
    {
        DeployScripts.RunShard(Env(("HMM_SPEC_SHARD", "09"), ("HMM_SPEC_SHARDS", "010")), "stress")
            .Command.Should().EndWith("--shard 9/10 --results results/stress.shard-9-of-10.json");
    }

    [BashFact]
    public void Two_engines_setting_a_shard_is_ambiguous()
    {
        DeployScripts.RunShard(Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "8"), ("JOB_COMPLETION_INDEX", "1"),
                ("HMM_SPEC_SHARDS", "8")), "explore")
            .ShouldBeRejected("ambiguous", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX");
        DeployScripts.RunShard(Env(("JOB_COMPLETION_INDEX", "1"), ("HMM_SPEC_SHARD", "1"), ("HMM_SPEC_SHARDS", "8")), "explore")
            .ShouldBeRejected("ambiguous", "JOB_COMPLETION_INDEX", "HMM_SPEC_SHARD");
    }

    [BashFact]
    public void No_shard_at_all_is_rejected()
    {
        DeployScripts.RunShard(Env(), "explore").ShouldBeRejected("no shard given", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "HMM_SPEC_SHARD");
        DeployScripts.RunShard(Env(("HMM_SPEC_SHARD", "1")), "explore").ShouldBeRejected("HMM_SPEC_SHARDS");
    }

    [BashTheory]
    [InlineData("8", "8", "out of range")]
    [InlineData("0", "0", "at least 1")]
    [InlineData("-1", "8", "not a whole number")]
    [InlineData("", "8", "not a whole number")]
    [InlineData("1e3", "8", "not a whole number")]
    [InlineData(" 1", "8", "not a whole number")]
    [InlineData("1", "1234567890", "not a whole number")]
    public void Bad_shard_values_are_rejected(string index, string count, string problem)
    {
        DeployScripts.RunShard(Env(("HMM_SPEC_SHARD", index), ("HMM_SPEC_SHARDS", count)), "explore").ShouldBeRejected(problem);
        DeployScripts.RunShard(Env(("JOB_COMPLETION_INDEX", index), ("HMM_SPEC_SHARDS", count)), "explore").ShouldBeRejected(problem);
    }

    [BashFact]
    public void The_shard_arguments_are_the_scripts_to_set_and_only_sharded_commands_run()
    {
        var env = Env(("HMM_SPEC_SHARD", "0"), ("HMM_SPEC_SHARDS", "2"));
        DeployScripts.RunShard(env, "explore", "--shard", "1/2").ShouldBeRejected("--shard", "leave it out");
        DeployScripts.RunShard(env, "explore", "--results=x.json").ShouldBeRejected("--results=x.json");
        DeployScripts.RunShard(env, "replay", "x.hmmtrace.json").ShouldBeRejected("\"replay\" cannot be sharded");
        DeployScripts.RunShard(env).ShouldBeRejected("no command");
        DeployScripts.RunShard(new Dictionary<string, string>(env) { ["HMM_SPEC_RUN_NAME"] = "../x" }, "explore").ShouldBeRejected("HMM_SPEC_RUN_NAME");
    }

    /// <summary>A stand-in for hmm-spec that records its arguments, writes the result file when told to, and exits as told.</summary>
    private string FakeTool(int exitCode, bool writesResult)
    {
        var path = Path.Combine(_dir, "fake-hmm-spec");
        File.WriteAllText(path, $$"""
            #!/usr/bin/env bash
            printf '%s\n' "$@" > "{{_dir}}/args.txt"
            while [ $# -gt 0 ]; do
              if [ "$1" = --results ] && {{(writesResult ? "true" : "false")}}; then echo '{}' > "$2"; fi
              shift
            done
            exit {{exitCode}}
            """.Replace("\r", ""));
        DeployScripts.MakeExecutable(path);
        return path;
    }

    private DeployScripts.Outcome RunFake(int exitCode, bool writesResult, bool keepGoing)
    {
        var env = Env(("HMM_SPEC_SHARD", "1"), ("HMM_SPEC_SHARDS", "4"), ("HMM_SPEC", FakeTool(exitCode, writesResult)),
            ("HMM_SPEC_RESULTS_DIR", Path.Combine(_dir, "results", "nested")));
        if (keepGoing) env["HMM_SPEC_KEEP_GOING"] = "1";
        return DeployScripts.Run(DeployScripts.DeployPath("run-shard.sh"), env, ["explore", "--iterations", "5"]);
    }

    [BashFact]
    public void A_real_run_makes_the_results_directory_and_passes_the_exit_code_through()
    {
        var r = RunFake(exitCode: 1, writesResult: true, keepGoing: false);
        r.ExitCode.Should().Be(1, "a bug found is hmm-spec's exit 1, passed on");
        File.ReadAllLines(Path.Combine(_dir, "args.txt")).Should().Equal(
            "explore", "--iterations", "5", "--shard", "1/4", "--results", Path.Combine(_dir, "results", "nested", "explore.shard-1-of-4.json"));
        File.Exists(Path.Combine(_dir, "results", "nested", "explore.shard-1-of-4.json")).Should().BeTrue();
    }

    [BashTheory]
    [InlineData(0, true, 0)]
    [InlineData(1, true, 0)]
    [InlineData(3, true, 0)]
    [InlineData(1, false, 2)]
    [InlineData(2, false, 2)]
    [InlineData(137, false, 137)]
    public void Keep_going_succeeds_exactly_when_the_shard_wrote_its_result(int toolExit, bool writesResult, int expected)
    {
        var r = RunFake(toolExit, writesResult, keepGoing: true);
        r.ExitCode.Should().Be(expected, r.Err);
        if (expected == 2 && toolExit != 2) r.Err.Should().Contain("wrote no result file");
    }
}

/// <summary>A [Theory] skipped, with the reason, when bash is not installed.</summary>
public sealed class BashTheoryAttribute : TheoryAttribute
{
    public BashTheoryAttribute()
    {
        if (BashFactAttribute.Bash is null) Skip = "bash is not installed: the deploy/ entry scripts are not run";
    }
}
