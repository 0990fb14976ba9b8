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

    public static async Task RunIterationAsync(ScenarioPlan plan, IterationCapture capture, ILogger? logger = null)
    {
        Specification.RegisterMonitor<SafetyMonitor>();
        Specification.RegisterMonitor<FaultLivenessMonitor>();

        var world = KernelWorld.Create(plan.Layout, plan.Config, plan.Variant, logger);
        world.FaultRetryLimit = plan.Scenario.FaultRetryLimit;
        var run = new IterationRun(plan, world);
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

    /// <summary>The state of one iteration, shared by its actors (Coyote serializes them).</summary>
    private sealed class IterationRun(ScenarioPlan plan, KernelWorld world)
    {
        public HistoryLog History { get; } = new(plan);
        public bool Failed { get; private set; }
        private bool deviceRemoveFailed;

        public void RunActor(ScenarioActor actor, int process)
        {
            using var _ = world.EnterActor(actor.Name);
            foreach (var op in actor.Ops)
            {
                if (Failed || !RunOp(actor.Name, op, process))
                    return;
            }
        }

        /// <summary>Setup (process null: recorded as the history's setup) and final ops, in order.</summary>
        public bool RunSequential(string actor, IReadOnlyList<ScenarioOp> ops, int? process)
        {
            using var _ = world.EnterActor(actor);
            foreach (var op in ops)
            {
                if (!RunOp(actor, op, process))
                    return false;
            }
            return true;
        }

        private bool RunOp(string actor, ScenarioOp so, int? process)
        {
            var access = OpExecutor.IsCpuAccess(so.Op);
            var id = process is { } p ? History.Invoke(p, so.Op) : History.SetupOp(so.Op);
            if (access)
                Specification.Monitor<FaultLivenessMonitor>(FaultLivenessMonitor.AccessStarted.Instance);
            // Op boundaries in the step log (no scheduling point), so a replay shows which op each step belongs to.
            var name = so.Op.Kind.WireName();
            // Ops and results render as JSON: only when the steps are read (see StepDetail).
            world.Record(StepKind.Call, name, so.Path, new StepDetail(static (op, _, _) => op!.ToString()!, 0, state: so.Op));
            OpResult result;
            try
            {
                result = OpExecutor.Execute(world, so.Op);
            }
            catch (KernelViolation v)
            {
                Fail(v);
                return false;
            }
            if (access)
                Specification.Monitor<FaultLivenessMonitor>(FaultLivenessMonitor.AccessCompleted.Instance);
            world.Record(StepKind.Note, name, "result", new StepDetail(static (r, _, _) => r!.ToString()!, 0, state: result));
            History.Complete(id, result);
            if (so.Op.Kind == OpKind.DeviceRemove && result.Ok != true)
                deviceRemoveFailed = true;

            var satisfied = so.Expect is null || result.Satisfies(so.Expect);
            if (!satisfied)
                Failed = true;
            Specification.Monitor<SafetyMonitor>(new SafetyMonitor.OpChecked(actor, so, result, satisfied));
            return satisfied;
        }

        /// <summary>Quiescent checks after every actor and the final ops ran.</summary>
        public void CheckEnd()
        {
            try
            {
                using (world.EnterActor(FinalActor))
                {
                    world.CheckInvariants();
                    if (plan.EndsQuiescent && !deviceRemoveFailed)
                        world.CheckLeaks();
                }
            }
            catch (KernelViolation v)
            {
                Fail(v);
                return;
            }
            var verdict = History.Check();
            if (verdict is not null)
            {
                Failed = true;
                Specification.Monitor<SafetyMonitor>(new SafetyMonitor.ViolationRaised(verdict));
            }
        }

        private void Fail(KernelViolation v)
        {
            Failed = true;
            Specification.Monitor<SafetyMonitor>(new SafetyMonitor.ViolationRaised(v.Message));
        }
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
    public int Iterations { get; private set; }

    /// <summary>Iterations so far whose history check ran out of its budget (no finding, but not a verdict either).</summary>
    public int UndecidedChecks => _undecidedBefore + (History?.Undecided == true ? 1 : 0);
    private int _undecidedBefore;

    internal void Begin(KernelWorld world, HistoryLog history)
    {
        if (History?.Undecided == true) _undecidedBefore++;
        World = world;
        History = history;
        Iterations++;
    }
}
