using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Stress;
using Hmm.Spec.Model;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Catalog;

/// <summary>
/// Stress runs are bounded (docs/reliability.md, "Bounded stress runs"): an uncontrolled run has no Coyote step
/// bound, so a task that never stops must end as the model's <c>livelock</c> with a step log of bounded size, not
/// grow the log until the process is killed.
/// </summary>
public sealed class StressBoundTests(ITestOutputHelper output)
{
    /// <summary>
    /// cpu0 writes a second page while the only RAM page is in use and nothing can free it: the fault returns
    /// VM_FAULT_OOM and is retried (no OOM kill on upstream), alone, up to the model's solo livelock bound of
    /// 1000 × 100 refaults — hundreds of thousands of steps, far past the bounds used here.
    /// </summary>
    private const string Endless = """
        {
          "format": "hmm-scenario", "version": 1, "name": "stress-endless-oom-retry",
          "variant": "upstream", "fault_retry_limit": 1000,
          "machine": { "ram_pages": 1 },
          "setup": [
            { "op": "mmap", "mm": "A", "page": 0, "pages": 2, "prot": "rw" },
            { "op": "write", "mm": "A", "page": 0, "value": 1, "expect": { "ok": true } }
          ],
          "actors": [ { "name": "cpu0", "ops": [ { "op": "write", "mm": "A", "page": 1, "value": 2 } ] } ]
        }
        """;

    private static ScenarioPlan Plan() => ScenarioPlan.Create(ScenarioLoader.Parse(Endless, "stress-bound-test"), null);

    [Fact]
    public void A_run_that_never_ends_stops_at_the_step_bound_as_a_livelock()
    {
        var bound = new StepBound(20_000, 1L << 30);
        var capture = new IterationCapture();
        var message = StressRunner.RunOnce(Plan(), bound, TimeSpan.FromMinutes(5), capture);
        output.WriteLine($"{message}; steps {capture.World!.Steps.Count}, dropped {capture.World.StepsDropped}, bytes {capture.World.StepLogBytes}");
        message.Should().NotBeNull();
        BugCategory.Of(message!).Should().Be(BugCategory.Livelock);
        message.Should().Contain("bound of 20000 steps");
        capture.World.BoundExceeded.Should().BeTrue();
        capture.World.Steps.Count.Should().BeLessThanOrEqualTo(bound.MaxSteps, "the log stops growing at the bound");
    }

    [Fact]
    public void A_run_that_never_ends_stops_at_the_log_byte_bound_as_a_livelock()
    {
        var bound = new StepBound(int.MaxValue, 256 * 1024);
        var capture = new IterationCapture();
        var message = StressRunner.RunOnce(Plan(), bound, TimeSpan.FromMinutes(5), capture);
        output.WriteLine($"{message}; steps {capture.World!.Steps.Count}, bytes {capture.World.StepLogBytes}");
        BugCategory.Of(message!).Should().Be(BugCategory.Livelock);
        capture.World.StepLogBytes.Should().BeLessThan(bound.MaxLogBytes + 4096, "no step is logged once the log holds the bound");
        capture.World.Steps.Count.Should().BeLessThan(256 * 1024 / 64 + 64);
    }

    [Fact]
    public void The_default_bound_leaves_a_built_in_scenario_alone()
    {
        var capture = new IterationCapture();
        var message = StressRunner.RunOnce(ScenarioPlan.Create(BuiltinScenarios.Load("fault-vs-fault"), "upstream"),
            StressRunner.DefaultBound, StressRunner.DefaultRunTimeout, capture);
        message.Should().BeNull();
        capture.World!.BoundExceeded.Should().BeFalse();
        capture.World.Steps.Count.Should().BeLessThan(StressRunner.DefaultBound.MaxSteps / 100);
    }
}
