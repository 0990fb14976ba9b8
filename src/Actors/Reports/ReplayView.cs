using System.Text.RegularExpressions;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Reports;

/// <summary>
/// Everything a report shows about one replayed execution. The steps are the world's own StepRecords, so the HTML
/// page and the plain-text replay tell the same story.
/// </summary>
/// <param name="Scenario">Scenario name (shown escaped; may contain anything).</param>
/// <param name="Variant">Kernel variant the execution ran on (<c>seed</c>, <c>upstream</c>, a mutant...).</param>
/// <param name="Description">The scenario's description, or null.</param>
/// <param name="Seed">The exploration seed (or any text that identifies the run), or null.</param>
/// <param name="Actors">Lane order: one lane per actor, left to right. Steps by an actor not listed here (e.g.
/// <c>setup</c>, <c>final</c>) get a lane of their own.</param>
/// <param name="Steps">The execution, in Seq order.</param>
/// <param name="Violation">What went wrong, or null for a clean run.</param>
public sealed record ReplayView(
    string Scenario,
    string Variant,
    string? Description,
    string? Seed,
    IReadOnlyList<string> Actors,
    IReadOnlyList<StepRecord> Steps,
    ReportViolation? Violation);

/// <summary>
/// The violation a report highlights.
/// </summary>
/// <param name="Category">Stable category (see ViolationCategory), e.g. <c>use-after-free</c>.</param>
/// <param name="Function">Kernel function (or oracle check) that detected it.</param>
/// <param name="Actor">Actor that was running.</param>
/// <param name="Detail">Human-readable reason.</param>
/// <param name="StepSeq">Seq of the step the violation belongs to, when known. When null the report highlights
/// the last step of <paramref name="Actor"/> in <paramref name="Function"/>, if there is one.</param>
public sealed partial record ReportViolation(string Category, string Function, string Actor, string Detail, int? StepSeq)
{
    /// <summary>Builds the report's view of a model violation.</summary>
    public static ReportViolation From(KernelViolation violation, int? stepSeq = null) =>
        new(violation.Category, violation.Function, violation.Actor, violation.Detail, stepSeq);

    /// <summary>Builds the report's view of a model violation and ties it to the Note step the world recorded
    /// when it raised it (resource <c>violation</c>, detail = the violation's message); null when there is none
    /// (e.g. a harness expectation that never went through the world).</summary>
    public static ReportViolation From(KernelViolation violation, IReadOnlyList<StepRecord> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        int? seq = null;
        for (var i = steps.Count - 1; i >= 0; i--)
        {
            var s = steps[i];
            if (s.Kind == StepKind.Note && s.Resource == ViolationResource && s.Detail == violation.Message)
            {
                seq = s.Seq;
                break;
            }
        }
        return From(violation, seq);
    }

    /// <summary>Builds the report's view from a bug's category and message as a trace bundle or replay keeps them.
    /// A message in KernelViolation's form (<c>[category] function (actor): detail</c>) is split into its parts;
    /// any other message (an expectation, a linearizability verdict) becomes the detail. The violation is tied
    /// to the world's recorded violation step when one carries the same message.</summary>
    public static ReportViolation FromMessage(string category, string message, IReadOnlyList<StepRecord> steps)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(steps);
        var m = KernelMessage().Match(message);
        var function = m.Success ? m.Groups["fn"].Value : "";
        var actor = m.Success ? m.Groups["actor"].Value : "";
        var detail = m.Success ? m.Groups["detail"].Value : message;
        int? seq = null;
        for (var i = steps.Count - 1; i >= 0; i--)
        {
            var s = steps[i];
            if (s.Kind == StepKind.Note && s.Resource == ViolationResource && s.Detail.Length > 0
                && message.Contains(s.Detail, StringComparison.Ordinal))
            {
                seq = s.Seq;
                break;
            }
        }
        return new ReportViolation(category, function, actor, detail, seq);
    }

    [GeneratedRegex(@"\[(?<cat>[^\]]+)\] (?<fn>\S+) \((?<actor>[^)]*)\): (?<detail>.*)\z", RegexOptions.Singleline)]
    private static partial Regex KernelMessage();

    /// <summary>The resource of the Note step KernelWorld.Violation records.</summary>
    public const string ViolationResource = "violation";
}
