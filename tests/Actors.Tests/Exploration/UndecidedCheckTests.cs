using System.Text.Json;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Tests.Cli;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Tests.Exploration;

/// <summary>An iteration whose history check runs out of budget is no finding, but is counted and reported.</summary>
public class UndecidedCheckTests
{
    private static readonly ScenarioPlan Plan = ScenarioPlan.Create(BuiltinScenarios.Load("fault-vs-fault"), "upstream");

    /// <summary>30 writes that never completed (pending forever) and a read of a value nobody wrote: 2^30 subsets to rule out.</summary>
    private static HistoryLog Explosive()
    {
        var log = new HistoryLog(Plan);
        for (var p = 0; p < 30; p++) log.Invoke(p, new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = p % 3 + 1 });
        log.Complete(log.Invoke(30, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 }), OpResult.OfValue(-1));
        return log;
    }

    private static HistoryLog Small()
    {
        var log = new HistoryLog(Plan);
        log.Complete(log.Invoke(0, new Op { Kind = OpKind.Read, Mm = "nobody", Page = 0 }), OpResult.OfSignal(Outcomes.SIGSEGV));
        return log;
    }

    [Fact]
    public void A_check_out_of_its_memory_budget_is_no_finding_but_marked_undecided()
    {
        var log = Explosive();
        log.Check(maxMemoryBytes: 1 << 20).Should().BeNull();
        log.Undecided.Should().BeTrue();
        var small = Small();
        small.Check().Should().BeNull();
        small.Undecided.Should().BeFalse();
    }

    [Fact]
    public void The_capture_counts_undecided_iterations()
    {
        var capture = new IterationCapture();
        var logs = new[] { Explosive(), Small(), Explosive() };
        foreach (var log in logs)
        {
            capture.Begin(null!, log);
            log.Check(maxMemoryBytes: 1 << 20);
        }
        capture.UndecidedChecks.Should().Be(2);
    }

    [Fact]
    public void Explore_reports_undecided_checks_in_json()
    {
        var r = CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--variant", "upstream", "--iterations", "3", "--json");
        r.ExitCode.Should().Be(0, r.Err);
        var result = JsonDocument.Parse(r.Out).RootElement[0];
        result.GetProperty("undecidedChecks").GetInt32().Should().Be(0);
    }

    [Fact]
    public void A_violation_message_carries_no_elapsed_time_so_bundles_are_the_same_on_every_run()
    {
        var log = new HistoryLog(Plan);
        log.Complete(log.Invoke(0, new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = 5 }), OpResult.Success);
        log.Complete(log.Invoke(0, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 }), OpResult.OfValue(7));
        var message = log.Check();
        message.Should().StartWith("[not-linearizable] not linearizable: ");
        message.Should().NotMatchRegex(@"\d+ ms");
    }
}
