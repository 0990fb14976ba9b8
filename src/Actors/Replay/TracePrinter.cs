using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Replay;

/// <summary>
/// Prints a replayed interleaving step by step: which actor, in which kernel function, read or wrote what,
/// took or released which lock, and at the end the violation.
/// </summary>
public static class TracePrinter
{
    public static void Print(ReplayResult r, TextWriter w)
    {
        var b = r.Bundle;
        w.WriteLine($"Replaying {b.Scenario.Name} on {r.Variant} (strategy {b.Options.Strategy}, seed {b.Options.Seed}, iteration {b.Iteration})");
        w.WriteLine($"Recorded bug ({b.Category}): {b.Message}");
        w.WriteLine();
        PrintSteps(r.Steps, w);
        w.WriteLine();
        if (r.Reproduced)
        {
            w.WriteLine(r.SameBug
                ? $"REPRODUCED: {r.Message}"
                : $"REPRODUCED A DIFFERENT BUG ({r.Category}, recorded {b.Category}): {r.Message}");
        }
        else
        {
            w.WriteLine("NOT REPRODUCED: the replayed interleaving ran without a bug.");
            if (r.Divergence is not null)
                w.WriteLine($"note: the trace did not fit this run: {r.Divergence}");
        }
    }

    public static void PrintSteps(IReadOnlyList<StepRecord> steps, TextWriter w)
    {
        var actorWidth = Math.Max(5, steps.Count == 0 ? 0 : steps.Max(s => s.Actor.Length));
        var fnWidth = Math.Max(8, steps.Count == 0 ? 0 : steps.Max(s => s.Function.Length));
        w.WriteLine($"{"step",5}  {"actor".PadRight(actorWidth)}  {"function".PadRight(fnWidth)}  {"kind",-6}  what");
        foreach (var s in steps)
            w.WriteLine($"{s.Seq,5}  {s.Actor.PadRight(actorWidth)}  {s.Function.PadRight(fnWidth)}  {KindName(s.Kind),-6}  {Describe(s)}");
    }

    private static string KindName(StepKind k) => k switch
    {
        StepKind.Read => "read",
        StepKind.Write => "write",
        StepKind.Lock => "lock",
        StepKind.Unlock => "unlock",
        StepKind.Call => "call",
        _ => "note",
    };

    private static string Describe(StepRecord s) =>
        s.Detail.Length == 0 ? s.Resource : s.Resource.Length == 0 ? s.Detail : $"{s.Resource}: {s.Detail}";
}
