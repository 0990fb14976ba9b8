namespace Hmm.Spec.Actors.Exploration;

/// <summary>The outcome of exploring one scenario on one variant; <c>SchedulingSteps</c> sums Coyote's steps over the iterations run.</summary>
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
    long SchedulingSteps);
