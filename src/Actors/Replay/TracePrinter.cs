using Hmm.Spec.Actors.Reports;

namespace Hmm.Spec.Actors.Replay;

/// <summary>
/// Prints a replayed interleaving: the bundle's header, the steps as <see cref="TextReport"/> renders them (actor,
/// locks held, kernel function, what was read or written; the violation marked under its step), and the verdict.
/// </summary>
public static class TracePrinter
{
    public static void Print(ReplayResult r, TextWriter w)
    {
        var b = r.Bundle;
        w.WriteLine($"Replaying {b.Scenario.Name} on {r.Variant} (strategy {b.Options.Strategy}, seed {b.Options.Seed}, iteration {b.Iteration})");
        w.WriteLine($"Recorded bug ({b.Category}): {b.Message}");
        if (!b.TraceVerified)
            w.WriteLine("note: this bundle has no coyote_trace_sha256 (written before bundles carried one): an edit of its trace is caught only when the trace ends before the run does");
        w.WriteLine();
        // The step table is the shared plain-text report: the same rows, folds and violation marker as the HTML page.
        w.Write(TextReport.Render(ReplayReport.ViewOf(r)));
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
}
