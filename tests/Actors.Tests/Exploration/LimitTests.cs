using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Tests.Cli;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Exploration;

/// <summary>
/// Scenarios at the documented limits (4096 pages, 256 ops in a list, 16 actors) explore clean on upstream with
/// the default options, each iteration to its end (docs/reliability.md, "Limits that hold"). With
/// Coyote's own 1 s hang bound the 4096-page ones failed as a false deadlock: the end-of-iteration checks take
/// seconds without a scheduling step.
/// </summary>
public sealed class LimitTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("limit-migrate-4096")]
    [InlineData("limit-fork-4096")]
    [InlineData("limit-256-writes-one-ram-page")]
    [InlineData("limit-16-actors")]
    [InlineData("limit-255-written-of-4096")]
    public void Scenario_at_a_documented_limit_explores_clean_to_its_end(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Exploration", "Limits", name + ".json");
        var plan = ScenarioPlan.Create(ScenarioLoader.LoadFile(path), null);
        // Seed 0 of the default portfolio starts with the random strategy: fair, so its step bound is ten times
        // --max-steps and the 4096-page iterations (about 12,000 steps) run to their end checks.
        var r = new Explorer().Explore(plan, new ExploreOptions { Iterations = 1, Seed = 0, OutDir = null });
        output.WriteLine($"{name}: {r.Iterations} iteration(s), {r.SchedulingSteps} steps, {r.ElapsedMs} ms, bound hits {r.StepBoundHits}, {r.Category} {r.Message}");
        r.BugFound.Should().BeFalse(r.Message);
        r.Iterations.Should().Be(1);
        r.StepBoundHits.Should().Be(0, "the iteration reached its final ops and end checks");
    }

    [Fact]
    public void Coyote_hang_report_becomes_ours_and_names_only_options_that_exist()
    {
        const string coyote = "Potential deadlock or hang detected. The periodic deadlock detection monitor was used, so " +
            "Coyote cannot accurately determine if this is a deadlock, hang or false positive. If you believe that this is a " +
            "false positive, you can try increase the deadlock detection timeout by setting '--deadlock-timeout N' or " +
            "'Configuration.WithDeadlockTimeout(N)'.";
        var message = BugCategory.Tagged(coyote);
        BugCategory.Of(message).Should().Be(BugCategory.Hang);
        BugCategory.Of(coyote).Should().Be(BugCategory.Hang);
        message.Should().NotContain("--deadlock-timeout").And.NotContain("--skip-potential-deadlocks").And.Contain("--hang-timeout");
        CliRunner.Run("explore", "--help").Out.Should().Contain("--hang-timeout");
        // A real lock cycle is still a deadlock.
        BugCategory.Of("Deadlock detected. Op(1) is paused on a dependency, but no other controlled operations are enabled.")
            .Should().Be(BugCategory.Deadlock);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("86401")]
    public void Hang_timeout_out_of_range_is_bad_input(string seconds) =>
        CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--hang-timeout", seconds).ShouldBeBadInput("--hang-timeout");

    [Fact]
    public void The_hang_bound_reaches_coyote_and_so_the_bundle()
    {
        var c = Explorer.CreateConfiguration(new ExploreOptions { HangTimeoutSeconds = 7 });
        c.DeadlockTimeout.Should().Be(7000);
        Explorer.CreateConfiguration(new ExploreOptions()).DeadlockTimeout.Should().Be(ExploreOptions.DefaultHangTimeoutSeconds * 1000u);
    }
}
