using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Microsoft.Coyote.Runtime;
using Microsoft.Coyote.Specifications;

namespace Hmm.Spec.Actors.Tests.Exploration;

/// <summary>The harness's monitors under the explorer's Coyote configuration, on synthetic tests.</summary>
public sealed class MonitorTests
{
    private static readonly ExploreOptions Options = new() { Strategy = ExplorationStrategy.Random, Seed = 5, Iterations = 5, MaxSteps = 400, OutDir = null };

    private static Microsoft.Coyote.SystematicTesting.TestReport Run(Func<Task> test) =>
        CoyoteTestRun.Run(Explorer.CreateConfiguration(Options), test);

    [Fact]
    public void A_cpu_access_that_never_completes_is_a_livelock()
    {
        var report = Run(async () =>
        {
            Specification.RegisterMonitor<FaultLivenessMonitor>();
            var spinner = Task.Run(() =>
            {
                Specification.Monitor<FaultLivenessMonitor>(FaultLivenessMonitor.AccessStarted.Instance);
                while (true)
                    SchedulingPoint.Interleave();
            });
            await Task.WhenAll(new[] { spinner });
        });
        report.NumOfFoundBugs.Should().Be(1);
        BugCategory.Of(report.BugReports.First()).Should().Be(BugCategory.Livelock, report.BugReports.First());
    }

    [Fact]
    public void Accesses_that_complete_keep_the_monitor_cold()
    {
        var report = Run(async () =>
        {
            Specification.RegisterMonitor<FaultLivenessMonitor>();
            var tasks = new Task[2];
            for (var i = 0; i < tasks.Length; i++)
            {
                tasks[i] = Task.Run(() =>
                {
                    for (var n = 0; n < 20; n++)
                    {
                        Specification.Monitor<FaultLivenessMonitor>(FaultLivenessMonitor.AccessStarted.Instance);
                        SchedulingPoint.Interleave();
                        Specification.Monitor<FaultLivenessMonitor>(FaultLivenessMonitor.AccessCompleted.Instance);
                    }
                });
            }
            await Task.WhenAll(tasks);
        });
        report.NumOfFoundBugs.Should().Be(0, report.BugReports.FirstOrDefault());
    }

    [Fact]
    public void A_failed_expectation_is_reported_with_its_category()
    {
        var op = new ScenarioOp(new Op { Kind = OpKind.Read, Mm = "A", Page = 0 }, new OpResult { Value = 2 }, "actors[0].ops[0]");
        var report = Run(() =>
        {
            Specification.RegisterMonitor<SafetyMonitor>();
            Specification.Monitor<SafetyMonitor>(new SafetyMonitor.OpChecked("cpu0", op, new OpResult { Value = 1 }, satisfied: false));
            return Task.CompletedTask;
        });
        report.NumOfFoundBugs.Should().Be(1);
        report.BugReports.First().Should().StartWith($"[expectation] cpu0: actors[0].ops[0] {op.Op} returned {{\"value\":1}}, expected {{\"value\":2}}");
    }
}
