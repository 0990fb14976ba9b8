using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Replay;

/// <summary>
/// What a replay of a bundle did: the variant replayed (the bundle's unless overridden), whether the bug came
/// back, the replayed iteration's steps, and <c>Divergence</c>: why the replay could not follow the trace, or null.
/// </summary>
public sealed record ReplayResult(
    TraceBundle Bundle,
    string Variant,
    bool Reproduced,
    string? Category,
    string? Message,
    IReadOnlyList<StepRecord> Steps,
    string? Divergence)
{
    /// <summary>The bug came back with the category the bundle recorded.</summary>
    public bool SameBug => Reproduced && Category == Bundle.Category;
}
