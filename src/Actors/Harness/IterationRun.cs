using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Model;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Harness;

/// <summary>
/// The state of one iteration, shared by its actors (Coyote, or the verifier's scheduler, runs one at a time):
/// the ops of each actor with their history records and expectations, and the quiescent checks at the end.
/// What it finds goes to an <see cref="IIterationObserver"/>.
/// </summary>
internal sealed class IterationRun(ScenarioPlan plan, KernelWorld world, IIterationObserver observer)
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
        var id = process is { } p ? History.Invoke(p, so.Op) : HistoryLog.SetupId;
        if (access)
            observer.AccessStarted();
        // Op boundaries in the step log (no scheduling point), so a replay shows which op each step belongs to.
        var name = so.Op.Kind.WireName();
        // Ops and results render as JSON: only when the steps are read (see StepDetail).
        world.Record(StepKind.Call, name, so.Path, new StepDetail(static (op, _, _) => op!.ToString()!, 0, state: so.Op));
        // The struct page pointers this actor captured in its previous op are dead (no scheduling point).
        world.ForgetPagePointers();
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
            observer.AccessCompleted();
        // The outcome as a value (StepRecord.Value); its text, the result's JSON, is made only when read.
        world.Record(StepKind.Note, name, "result", new StepDetail(new OpOutcome(so, result)));
        History.Complete(id, result);
        if (so.Op.Kind == OpKind.DeviceRemove && result.Ok != true)
            deviceRemoveFailed = true;

        var satisfied = so.Expect is null || result.Satisfies(so.Expect);
        if (!satisfied)
            Failed = true;
        observer.OpChecked(actor, so, result, satisfied);
        return satisfied;
    }

    /// <summary>Quiescent checks after every actor and the final ops ran.</summary>
    public void CheckEnd()
    {
        try
        {
            using (world.EnterActor(ScenarioHarness.FinalActor))
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
            observer.ViolationRaised(verdict);
        }
    }

    private void Fail(KernelViolation v)
    {
        Failed = true;
        observer.ViolationRaised(v.Message);
    }
}
