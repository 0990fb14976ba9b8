namespace Hmm.Spec.Actors.Exploration;

/// <summary>The outcome of exploring one scenario on one variant; <c>SchedulingSteps</c> sums Coyote's steps over the iterations run; <c>Seed</c> is the seed of the run that found the bug.</summary>
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
    long SchedulingSteps)
{
    /// <summary>Messages of bugs found in ignored categories before the result (oldest first).</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];
    /// <summary>Why the bug's bundle could not be written (null when it was, or none was asked for).</summary>
    public string? BundleError { get; init; }
    /// <summary>The bundle's full text when it could not be written, so the bug is not lost.</summary>
    public string? BundleJson { get; init; }
    /// <summary>The bug's bundle, whether or not it was written (scale-out writes it after the merge).</summary>
    public Bundles.TraceBundle? Bundle { get; init; }

    /// <summary>
    /// Iterations Coyote stopped at the step bound (<c>--max-steps</c>, ten times that for fair strategies): they
    /// ended before the final ops and end checks, so "no bug" says nothing about their end.
    /// </summary>
    public int StepBoundHits { get; init; }

    /// <summary>Iterations whose linearizability check ran out of its budget (counted as no finding).</summary>
    public int UndecidedChecks { get; init; }
}
