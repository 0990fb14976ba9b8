using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Model;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Coyote.Specifications;
using Microsoft.Extensions.Logging;

namespace Hmm.Spec.Actors.Harness;

/// <summary>
/// One Coyote iteration of a scenario: a fresh <see cref="KernelWorld"/>, the setup ops in order, one
/// <c>Task.Run</c> per actor over its synchronous body, then the final ops, the quiescent invariants, the
/// leak check (when the scenario ends with everything released) and the history's linearizability.
/// Nothing is static: the iteration's world and history are left in <see cref="IterationCapture"/> for
/// the replay printer.
/// </summary>
public static class ScenarioHarness
{
    public const string SetupActor = "setup", FinalActor = "final";

    /// <summary>
    /// Runs one iteration. <paramref name="bound"/> bounds the step log (stress runs; null under Coyote and verify,
    /// which bound their steps themselves).
    /// </summary>
    public static async Task RunIterationAsync(ScenarioPlan plan, IterationCapture capture, ILogger? logger = null, StepBound? bound = null)
    {
        Specification.RegisterMonitor<SafetyMonitor>();
        Specification.RegisterMonitor<FaultLivenessMonitor>();

        var world = KernelWorld.Create(plan.Layout, plan.Config, plan.Variant, logger);
        world.FaultRetryLimit = plan.Scenario.FaultRetryLimit;
        world.TrackDirty = plan.Scenario.TrackDirty;
        world.Bound = bound;
        var run = new IterationRun(plan, world, CoyoteMonitors.Instance);
        capture.Begin(world, run.History);

        if (!run.RunSequential(SetupActor, plan.Scenario.Setup, process: null))
            return;

        var actors = plan.Scenario.Actors;
        var tasks = new Task[actors.Count];
        for (var i = 0; i < actors.Count; i++)
        {
            var actor = actors[i];
            var process = i;
            tasks[i] = Task.Run(() => run.RunActor(actor, process));
        }
        await Task.WhenAll(tasks);
        if (run.Failed)
            return;

        if (!run.RunSequential(FinalActor, plan.Scenario.Final, process: actors.Count))
            return;
        run.CheckEnd();
    }
}

/// <summary>
/// What the last iteration built, kept by the caller (an <c>Explorer</c> or <c>Replayer</c> instance, never a
/// static) so a replay can print the steps of the iteration that hit the bug.
/// </summary>
public sealed class IterationCapture
{
    public KernelWorld? World { get; private set; }
    public HistoryLog? History { get; private set; }

    /// <summary>Iterations so far whose history check ran out of its budget (no finding, but not a verdict either).</summary>
    public int UndecidedChecks => _undecidedBefore + (History?.Undecided == true ? 1 : 0);
    private int _undecidedBefore;

    internal void Begin(KernelWorld world, HistoryLog history)
    {
        if (History?.Undecided == true) _undecidedBefore++;
        World = world;
        History = history;
    }
}
