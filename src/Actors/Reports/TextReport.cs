using System.Globalization;
using System.Text;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Reports;

/// <summary>
/// The plain-text form of the same report: one line per step (actor, locks the actor holds, kernel function,
/// kind, what was read or written), repeated blocks folded exactly as in the HTML page, and the violation marked
/// under its step. Built from the same <see cref="ReplayView"/> and layout as <see cref="HtmlReport"/>.
/// </summary>
public static class TextReport
{
    public static string Render(ReplayView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var layout = ReportLayout.Build(view);
        var sb = new StringBuilder(256 + view.Steps.Count * 100);
        sb.Append(CultureInfo.InvariantCulture, $"{view.Scenario} on {view.Variant}");
        if (view.Seed is not null)
            sb.Append(CultureInfo.InvariantCulture, $" (seed {view.Seed})");
        sb.AppendLine();
        if (!string.IsNullOrWhiteSpace(view.Description))
            sb.AppendLine(view.Description);
        sb.AppendLine("lanes: " + string.Join(" | ", layout.Lanes));
        sb.AppendLine(view.Violation is { } v
            ? $"VIOLATION {Describe(v)}" + (layout.ViolatingIndex >= 0
                ? string.Create(CultureInfo.InvariantCulture, $" (step {view.Steps[layout.ViolatingIndex].Seq})")
                : " (after the last step)")
            : "no violation");
        sb.AppendLine();

        var actorWidth = Math.Max(5, layout.Lanes.Count == 0 ? 0 : layout.Lanes.Max(a => a.Length));
        var fnWidth = Math.Max(8, view.Steps.Count == 0 ? 0 : view.Steps.Max(s => s.Function.Length));
        var lockTexts = layout.Rows.OfType<StepRow>().Select(r => LockText(r.Held[r.Lane])).ToList();
        var lockWidth = Math.Max(5, lockTexts.Count == 0 ? 0 : lockTexts.Max(t => t.Length));
        sb.AppendLine($"{"step",5}  {"actor".PadRight(actorWidth)}  {"locks".PadRight(lockWidth)}  {"function".PadRight(fnWidth)}  {"kind",-6}  what");
        var stepRowIndex = 0;
        foreach (var row in layout.Rows)
        {
            switch (row)
            {
                case StepRow r:
                    var s = r.Step;
                    var locks = lockTexts[stepRowIndex++];
                    sb.Append(CultureInfo.InvariantCulture, $"{s.Seq,5}  {s.Actor.PadRight(actorWidth)}  {locks.PadRight(lockWidth)}  ")
                        .Append(CultureInfo.InvariantCulture, $"{s.Function.PadRight(fnWidth)}  {s.Kind.Name(),-6}  {What(s)}");
                    sb.AppendLine();
                    if (r.Violating && view.Violation is { } hit)
                        sb.AppendLine($"{">>>",5}  {Describe(hit)}");
                    break;
                case FoldRow f:
                    sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"{"...",5}  steps {view.Steps[f.FirstIndex].Seq}-{view.Steps[f.LastIndex].Seq} folded: the {f.Period} step(s) above repeat {f.Times} more time(s)"));
                    break;
            }
        }
        if (view.Violation is { } late && layout.ViolatingIndex < 0)
            sb.AppendLine($"{">>>",5}  {Describe(late)} (after the last step)");
        return sb.ToString();
    }

    private static string Describe(ReportViolation v) => $"[{v.Category}] {v.Function} ({v.Actor}): {v.Detail}";

    private static string What(StepRecord s)
    {
        var what = s.Detail.Length == 0 ? s.Resource : s.Resource.Length == 0 ? s.Detail : $"{s.Resource}: {s.Detail}";
        return what;
    }

    /// <summary>Compact lock column: <c>ptl A</c>, <c>mmap_sem A(r)</c>, joined with '+'; '-' when none.</summary>
    private static string LockText(HeldLocks held)
    {
        if (!held.Any)
            return "-";
        var parts = new List<string>();
        parts.AddRange(held.MmapSemRead.Select(r => r + "(r)"));
        parts.AddRange(held.MmapSemWrite.Select(r => r + "(w)"));
        parts.AddRange(held.Ptl);
        parts.AddRange(held.Other);
        return string.Join('+', parts);
    }
}
