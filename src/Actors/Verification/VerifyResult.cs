namespace Hmm.Spec.Actors.Verification;

/// <summary>The verdict of <c>verify</c> on one scenario and variant.</summary>
public enum VerifyVerdict { Verified, Bug, Incomplete }

/// <summary>One completed preemption bound: every schedule with at most <c>Preemptions</c> preemptions covered.</summary>
public sealed record VerifyLevel(int Preemptions, long Executions, long Pruned, double Seconds);

/// <summary>
/// The outcome of verifying a scenario: the levels completed (K = 0, 1, ...), totals, and for a bug its message,
/// the smallest number of preemptions that reaches it and the bundle; for an incomplete run what was left.
/// </summary>
public sealed record VerifyResult(
    string Scenario,
    string Variant,
    int Bound,
    VerifyVerdict Verdict,
    IReadOnlyList<VerifyLevel> Levels,
    long Executions,
    long Pruned,
    double Seconds)
{
    public string? Category { get; init; }
    public string? Message { get; init; }
    /// <summary>For a bug: the preemption bound at which it was found (the smallest that reaches it).</summary>
    public int? BugPreemptions { get; init; }
    public IReadOnlyList<int>? Schedule { get; init; }
    public string? BundlePath { get; init; }
    /// <summary>Why the bug's bundle could not be written, and its full text then (a found bug is never lost).</summary>
    public string? BundleError { get; init; }
    public string? BundleJson { get; init; }
    /// <summary>For an incomplete run: the level in progress and the alternatives still on its search stack.</summary>
    public int? LevelInProgress { get; init; }
    public long? PendingAtLeast { get; init; }
    /// <summary>Executions that hit the step bound (an unbounded loop); a level with any is not verified.</summary>
    public long StepBoundHits { get; init; }
}

/// <summary>Options of a verify run.</summary>
public sealed record VerifyOptions
{
    public const int DefaultPreemptions = 2;

    /// <summary>The largest preemption bound K; levels 0..K are searched in turn.</summary>
    public int Preemptions { get; init; } = DefaultPreemptions;
    /// <summary>Wall-clock budget for the whole run (null: none).</summary>
    public TimeSpan? MaxTime { get; init; }
    /// <summary>The partial-order reduction (off only to measure it, or to cross-check it).</summary>
    public bool Reduce { get; init; } = true;
    public int MaxSteps { get; init; } = VerifyExecution.DefaultMaxSteps;
    /// <summary>Where a bug's bundle is written (null: not written).</summary>
    public string? OutDir { get; init; }
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);
}
