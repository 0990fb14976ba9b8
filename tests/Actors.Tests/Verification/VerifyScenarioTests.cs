using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Replay;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Verification;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Verification;

/// <summary>verify on the kernel model: the seed's fault-path use-after-free at its smallest bound, a clean verdict on upstream, and the reduction's outcomes checked against every schedule.</summary>
public sealed class VerifyScenarioTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-verify-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static ScenarioPlan Plan(string name, string variant) => ScenarioPlan.Create(BuiltinScenarios.Load(name), variant);

    [Fact]
    public void The_seed_fault_path_use_after_free_needs_one_preemption_and_replays()
    {
        var result = new Verifier().Verify(Plan("fault-vs-fault", "seed"), new VerifyOptions { Preemptions = 2, OutDir = dir });
        result.Verdict.Should().Be(VerifyVerdict.Bug);
        result.Category.Should().Be("use-after-free");
        result.BugPreemptions.Should().Be(1, "K=0 is complete and clean, so one preemption is the fewest");
        result.Levels.Should().ContainSingle(l => l.Preemptions == 0);

        var bundle = TraceBundle.Read(result.BundlePath!);
        bundle.VerifySchedule.Should().Equal(result.Schedule);
        bundle.Preemptions.Should().Be(1);
        var replay = Replayer.Replay(bundle);
        replay.Reproduced.Should().BeTrue();
        replay.Message.Should().Be(result.Message);
        Replayer.Replay(bundle, "upstream").Reproduced.Should().BeFalse("upstream holds the page reference across the callback");
    }

    [Fact]
    public void A_cut_verify_schedule_is_refused_not_reported_as_fixed()
    {
        var result = new Verifier().Verify(Plan("fault-vs-fault", "seed"), new VerifyOptions { Preemptions = 1, OutDir = dir });
        var bundle = TraceBundle.Read(result.BundlePath!);
        var cut = bundle with { VerifySchedule = bundle.VerifySchedule!.Take(bundle.VerifySchedule!.Count / 2).ToArray() };
        var act = () => Replayer.Replay(cut);
        act.Should().Throw<InputError>().Which.Message.Should().Contain("verify_schedule");
    }

    [Fact]
    public void Upstream_fault_vs_fault_is_verified_and_the_counts_repeat()
    {
        var plan = Plan("fault-vs-fault", "upstream");
        var first = new Verifier().Verify(plan, new VerifyOptions { Preemptions = 2 });
        var second = new Verifier().Verify(plan, new VerifyOptions { Preemptions = 2 });
        output.WriteLine($"{first.Executions} executions, {first.Pruned} pruned");
        first.Verdict.Should().Be(VerifyVerdict.Verified);
        first.Levels.Select(l => l.Preemptions).Should().Equal(0, 1, 2);
        (second.Verdict, second.Executions, second.Pruned).Should().Be((first.Verdict, first.Executions, first.Pruned));
        second.Levels.Select(l => (l.Executions, l.Pruned)).Should().Equal(first.Levels.Select(l => (l.Executions, l.Pruned)));
    }

    [Fact]
    public void A_spent_budget_is_incomplete_with_what_is_left()
    {
        var result = new Verifier().Verify(Plan("fault-vs-fault", "upstream"), new VerifyOptions { Preemptions = 3, MaxTime = TimeSpan.Zero });
        result.Verdict.Should().Be(VerifyVerdict.Incomplete);
        result.LevelInProgress.Should().Be(0);
        result.PendingAtLeast.Should().BePositive();
    }

    /// <summary>Every outcome (how it ended, the bug, each op's result) the search reaches on a real scenario.</summary>
    private static (HashSet<string> Outcomes, long Executions) Outcomes(ScenarioPlan plan, int bound, bool reduce)
    {
        var outcomes = new HashSet<string>(StringComparer.Ordinal);
        var search = new ScheduleSearch(bound, reduce);
        long executions = 0;
        do
        {
            search.BeginExecution();
            var o = VerifyExecution.Run(plan, search);
            if (o.End == ExecutionEnd.Pruned)
                continue;
            executions++;
            outcomes.Add($"{o.End} {o.Message} | {o.Results}");
        }
        while (search.Backtrack());
        return (outcomes, executions);
    }

    [Theory]
    [InlineData("fault-vs-fault", "upstream", 2)]
    [InlineData("fault-vs-fault", "seed", 1)]
    [InlineData("fault-vs-munmap", "upstream", 1)]
    [InlineData("fault-vs-madvise-dontneed", "upstream", 1)]
    [InlineData("migrate-vs-cpu-read", "upstream", 1)]
    public void On_the_model_the_reduction_reaches_every_outcome_of_the_bounded_search(string scenario, string variant, int bound)
    {
        var plan = Plan(scenario, variant);
        var all = Outcomes(plan, bound, reduce: false);
        var reduced = Outcomes(plan, bound, reduce: true);
        output.WriteLine($"{scenario} on {variant}, K={bound}: {all.Executions} executions unreduced, {reduced.Executions} reduced, {all.Outcomes.Count} outcomes");
        reduced.Outcomes.Should().BeEquivalentTo(all.Outcomes);
        reduced.Executions.Should().BeLessThan(all.Executions);
    }
}
