using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Verification;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Replay;

/// <summary>Replays a verify bundle: the same execution, its decisions taken from the bundle's schedule.</summary>
internal static class VerifyReplay
{
    public static ReplayResult Replay(TraceBundle bundle, ScenarioPlan plan, IReadOnlyList<int> schedule, bool otherVariant)
    {
        var chooser = new ScriptedChooser(schedule);
        var outcome = VerifyExecution.Run(plan, chooser);
        var steps = outcome.World.Steps.ToArray();
        // On its own variant the run must take every recorded decision and no other; a shorter or edited
        // schedule would otherwise pass for a fixed bug.
        var divergence = chooser.Divergence
            ?? (outcome.End == ExecutionEnd.Bug && chooser.Position < schedule.Count
                ? $"the bug came after {chooser.Position} of the schedule's {schedule.Count} decisions"
                : outcome.End != ExecutionEnd.Bug && chooser.Position < schedule.Count
                    ? $"the run ended after {chooser.Position} of the schedule's {schedule.Count} decisions"
                    : null);
        if (!otherVariant && (divergence is not null || outcome.End != ExecutionEnd.Bug))
        {
            throw new InputError($"{bundle.FilePath ?? "bundle"}: verify_schedule",
                $"the schedule does not reproduce the recorded run: {divergence ?? "no bug at its end"} (edited bundle, or a model changed without bumping HmmModelVersion?)");
        }
        if (outcome.End != ExecutionEnd.Bug)
            return new ReplayResult(bundle, plan.Variant.Name, false, null, null, steps, divergence);
        var message = BugCategory.Tagged(outcome.Message!);
        return new ReplayResult(bundle, plan.Variant.Name, true, BugCategory.Of(message), message, steps, divergence);
    }
}
