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
}
