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
public sealed record ReportViolation(string Category, string Function, string Actor, string Detail, int? StepSeq)
{
    /// <summary>Builds the report's view of a model violation.</summary>
    public static ReportViolation From(KernelViolation violation, int? stepSeq = null) =>
        new(violation.Category, violation.Function, violation.Actor, violation.Detail, stepSeq);

    /// <summary>Builds the report's view of a model violation and ties it to the Note step the world recorded
    /// when it raised it (resource <c>violation</c>, value = the violation's <see cref="ViolationNote"/>); null when there is none
    /// (e.g. a harness expectation that never went through the world).</summary>
    public static ReportViolation From(KernelViolation violation, IReadOnlyList<StepRecord> steps)
    {
        ArgumentNullException.ThrowIfNull(violation);
        ArgumentNullException.ThrowIfNull(steps);
        var note = LastViolationNote(steps, v => v.Message == violation.Message);
        return From(violation, note?.Seq);
    }

    /// <summary>Builds the report's view from a bug's category and message as a trace bundle or replay keeps them.
    /// When the world recorded a violation whose message the bug's message contains (a KernelViolation's
    /// <c>[category] function (actor): detail</c>, possibly wrapped), function, actor and detail are that
    /// violation's and the view is tied to its step; any other message (an expectation, a linearizability
    /// verdict) becomes the detail.</summary>
    public static ReportViolation FromMessage(string category, string message, IReadOnlyList<StepRecord> steps)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(steps);
        return LastViolationNote(steps, v => message.Contains(v.Message, StringComparison.Ordinal)) is { } note
            ? new ReportViolation(category, note.Violation.Function, note.Violation.Actor, note.Violation.Detail, note.Seq)
            : new ReportViolation(category, "", "", message, null);
    }

    /// <summary>The last violation note (its step and the violation it carries) that <paramref name="match"/>
    /// accepts, or null.</summary>
    private static (int Seq, ViolationNote Violation)? LastViolationNote(IReadOnlyList<StepRecord> steps,
        Func<ViolationNote, bool> match)
    {
        for (var i = steps.Count - 1; i >= 0; i--)
        {
            var s = steps[i];
            if (s.Kind == StepKind.Note && s.Resource == ViolationResource && s.Value is ViolationNote v && match(v))
                return (s.Seq, v);
        }
        return null;
    }

    /// <summary>The resource of the Note step KernelWorld.Violation records.</summary>
    public const string ViolationResource = "violation";
}
