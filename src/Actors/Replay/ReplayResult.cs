using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Replay;

/// <summary>What a replay of a bundle did: whether the bug came back, and the replayed iteration's steps.</summary>
public sealed record ReplayResult(
    TraceBundle Bundle,
    /// <summary>The variant replayed (the bundle's unless overridden).</summary>
    string Variant,
    bool Reproduced,
    string? Category,
    string? Message,
    IReadOnlyList<StepRecord> Steps,
    /// <summary>Why the replay could not follow the trace (e.g. the variant no longer has the race), or null.</summary>
    string? Divergence)
{
    /// <summary>The bug came back with the category the bundle recorded.</summary>
    public bool SameBug => Reproduced && Category == Bundle.Category;
}
