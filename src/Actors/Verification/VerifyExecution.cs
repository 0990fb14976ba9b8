using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Model;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Verification;

/// <summary>How one verify execution ended.</summary>
internal enum ExecutionEnd { Clean, Bug, Pruned, StepBound }

/// <summary>
/// One execution's outcome; <c>World</c> is kept for a replay's step listing. <c>Results</c> lists every op's
/// result in completion order per actor: what the execution showed its user (the soundness tests compare it).
/// </summary>
internal sealed record ExecutionOutcome(ExecutionEnd End, string? Message, KernelWorld World, int Steps, string Results);

/// <summary>
/// One execution of a scenario under the <see cref="ControlledScheduler"/>: the same <see cref="IterationRun"/> as
/// an explore iteration (setup in order, the actors, the final ops, the quiescent invariants, the leak check and
/// the history's linearizability), with the first failure recorded instead of asserted in a Coyote monitor.
/// </summary>
internal static class VerifyExecution
{
    /// <summary>Scheduling points one execution may pass before it is called unbounded (not a verdict).</summary>
    public const int DefaultMaxSteps = 200_000;

    public static ExecutionOutcome Run(ScenarioPlan plan, IScheduleChooser chooser, int maxSteps = DefaultMaxSteps)
    {
        var scheduler = new ControlledScheduler(chooser, maxSteps);
        var observer = new FirstFailure(scheduler);
        var world = KernelWorld.Create(plan.Layout, plan.Config, plan.Variant, logger: null, scheduler);
        world.FaultRetryLimit = plan.Scenario.FaultRetryLimit;
        world.TrackDirty = plan.Scenario.TrackDirty;
        var run = new IterationRun(plan, world, observer);
        ExecutionOutcome Outcome(ExecutionEnd end, string? message = null) => new(end, message, world, scheduler.Steps, observer.Results);
        try
        {
            if (!run.RunSequential(ScenarioHarness.SetupActor, plan.Scenario.Setup, process: null))
                return Outcome(ExecutionEnd.Bug, observer.Message);
            var actors = plan.Scenario.Actors;
            var bodies = new (string, Action)[actors.Count];
            for (var i = 0; i < actors.Count; i++)
            {
                var actor = actors[i];
                var process = i;
                bodies[i] = (actor.Name, () => run.RunActor(actor, process));
            }
            scheduler.Run(bodies);
            if (observer.Message is { } bug)
                return Outcome(ExecutionEnd.Bug, bug);
            if (scheduler.Pruned)
                return Outcome(ExecutionEnd.Pruned);
            if (scheduler.StepBoundHit)
                return Outcome(ExecutionEnd.StepBound, scheduler.StopReason);
            if (scheduler.StopReason is { } stopped)
                return Outcome(ExecutionEnd.Bug, BugCategory.Tagged(stopped));
            if (!run.RunSequential(ScenarioHarness.FinalActor, plan.Scenario.Final, process: actors.Count))
                return Outcome(ExecutionEnd.Bug, observer.Message);
            run.CheckEnd();
            return observer.Message is { } end ? Outcome(ExecutionEnd.Bug, end) : Outcome(ExecutionEnd.Clean);
        }
        catch (KernelViolation v)
        {
            return Outcome(ExecutionEnd.Bug, v.Message);
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("[deadlock]", StringComparison.Ordinal))
        {
            return Outcome(ExecutionEnd.Bug, e.Message);
        }
    }

    /// <summary>Keeps the first failure and stops the execution there (an explore iteration stops at its first assertion too).</summary>
    private sealed class FirstFailure(ControlledScheduler scheduler) : IIterationObserver
    {
        private readonly SortedDictionary<string, List<string>> _results = new(StringComparer.Ordinal);

        public string? Message { get; private set; }

        public string Results => string.Join("; ", _results.Select(r => $"{r.Key}: {string.Join(", ", r.Value)}"));

        public void AccessStarted()
        {
        }

        public void AccessCompleted()
        {
        }

        public void OpChecked(string actor, ScenarioOp op, OpResult result, bool satisfied)
        {
            if (!_results.TryGetValue(actor, out var list))
                _results[actor] = list = [];
            list.Add(result.ToString());
            if (!satisfied)
                Fail(SafetyMonitor.ExpectationMessage(actor, op, result));
        }

        public void ViolationRaised(string message) => Fail(message);

        private void Fail(string message)
        {
            if (Message is not null)
                return;
            Message = message;
            scheduler.StopWithBug(message);
        }
    }
}
