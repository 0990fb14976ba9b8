namespace Hmm.Spec.Actors.Exploration;

/// <summary>The outcome of exploring one scenario on one variant.</summary>
public sealed record ExploreResult(
    string Scenario,
    string Variant,
    string Strategy,
    uint Seed,
    bool BugFound,
    string? Category,
    string? Message,
    int Iterations,
    long ElapsedMs,
    string? BundlePath,
    /// <summary>Coyote scheduling steps summed over the iterations run.</summary>
    long SchedulingSteps);
