using System.Text.Json;

namespace Hmm.Spec.Actors.Tests.Cli;

/// <summary><c>hmm-spec verify</c>: its verdicts as exit codes, the stated claim, JSON, and bad input.</summary>
public sealed class VerifyCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-verify-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void A_clean_scenario_is_verified_with_its_claim()
    {
        var r = CliRunner.Run("verify", "--scenario", "fault-vs-fault", "--variant", "upstream", "--preemptions", "1", "--out", dir);
        r.ExitCode.Should().Be(0, r.Err);
        r.Out.Should().Contain("verified: fault-vs-fault on upstream: no bug in any schedule with at most 1 preemptions (")
            .And.Contain("pruned as equivalent").And.Contain("K=0:").And.Contain("K=1:")
            .And.Contain("a preemption is a switch away from an actor that could have continued");
    }

    [Fact]
    public void The_seed_bug_exits_1_with_a_bundle_that_replays()
    {
        var r = CliRunner.Run("verify", "--scenario", "fault-vs-fault", "--variant", "seed", "--out", dir, "--json");
        r.ExitCode.Should().Be(1, r.Err);
        var result = JsonDocument.Parse(r.Out).RootElement[0];
        result.GetProperty("verdict").GetString().Should().Be("bug");
        result.GetProperty("category").GetString().Should().Be("use-after-free");
        result.GetProperty("bugPreemptions").GetInt32().Should().Be(1);
        var bundle = result.GetProperty("bundle").GetString()!;
        Path.GetFileName(bundle).Should().Be("fault-vs-fault.seed.verify.k1.hmmtrace.json");

        var replay = CliRunner.Run("replay", bundle);
        replay.ExitCode.Should().Be(1, replay.Err);
        replay.Out.Should().Contain("REPRODUCED").And.Contain("use-after-free");
    }

    [Fact]
    public void A_user_scenario_file_is_verified_like_a_built_in()
    {
        var file = Path.Combine(dir, "mine.json");
        var text = Hmm.Spec.Actors.Scenarios.BuiltinScenarios.Load("fault-vs-fault").Json
            .Replace("\"fault-vs-fault\"", "\"my-fault-race\"", StringComparison.Ordinal);
        File.WriteAllText(file, text);
        var r = CliRunner.Run("verify", "--scenario", file, "--variant", "upstream", "--preemptions", "1", "--out", dir);
        r.ExitCode.Should().Be(0, r.Err);
        r.Out.Should().Contain("verified: my-fault-race on upstream");
    }

    [Fact]
    public void A_spent_budget_exits_3_and_says_how_far_it_got()
    {
        var r = CliRunner.Run("verify", "--scenario", "fault-vs-fault", "--variant", "upstream", "--preemptions", "3", "--max-seconds", "0.000001");
        r.ExitCode.Should().Be(3, r.Err);
        r.Out.Should().Contain("incomplete: fault-vs-fault on upstream").And.Contain("levels completed").And.Contain("executions left");
    }

    [Theory]
    [InlineData(new[] { "verify" }, "--all")]
    [InlineData(new[] { "verify", "--all", "--scenario", "fault-vs-fault" }, "exclude")]
    [InlineData(new[] { "verify", "--scenario", "fault-vs-fault", "--preemptions", "-1" }, "--preemptions")]
    [InlineData(new[] { "verify", "--scenario", "fault-vs-fault", "--max-seconds", "0" }, "--max-seconds")]
    [InlineData(new[] { "verify", "--scenario", "no-such-scenario" }, "no-such-scenario")]
    [InlineData(new[] { "verify", "--scenario", "fault-vs-fault", "--variant", "nonsense" }, "nonsense")]
    public void Bad_input_is_one_line_and_exit_2(string[] args, string fragment)
    {
        CliRunner.Run(args).ShouldBeBadInput(fragment);
    }
}
