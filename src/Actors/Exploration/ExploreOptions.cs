namespace Hmm.Spec.Actors.Exploration;

/// <summary>An exploration budget and where bug bundles go.</summary>
public sealed record ExploreOptions
{
    /// <summary>Default budget: enough for the seed's use-after-free, which the portfolio finds in tens of iterations.</summary>
    public const int DefaultIterations = 1000;
    public const int DefaultMaxSteps = 5000;
    public const string DefaultOutDir = "hmm-out";
    /// <summary>Largest <c>--max-steps</c>: Coyote allows ten times as many fair steps, and both are 32-bit counts.</summary>
    public const int MaxMaxSteps = 100_000_000;
    /// <summary>
    /// Default hang bound. Coyote's background monitor reports a hang when no task takes a scheduling step for a
    /// whole period; its own default (1 s) is shorter than the step-free stretches of scenarios at the documented
    /// limits (docs/reliability.md, "Limits that hold"), which then failed as false deadlocks.
    /// </summary>
    public const int DefaultHangTimeoutSeconds = 60;

    public string Strategy { get; init; } = ExplorationStrategy.Portfolio;
    public int Iterations { get; init; } = DefaultIterations;
    public uint Seed { get; init; }
    public int MaxSteps { get; init; } = DefaultMaxSteps;
    /// <summary>Seconds without any scheduling step after which an iteration is reported as a <c>hang</c>.</summary>
    public int HangTimeoutSeconds { get; init; } = DefaultHangTimeoutSeconds;
    /// <summary>Directory for trace bundles; null: do not write one.</summary>
    public string? OutDir { get; init; } = DefaultOutDir;
    /// <summary>Keep exploring after a bug (benchmarks measure speed over the whole budget); bugs are then counted, not bundled.</summary>
    public bool RunToCompletion { get; init; }
    /// <summary>Bug categories to look past (e.g. a known <c>livelock</c> while hunting a <c>use-after-free</c>).</summary>
    public IReadOnlySet<string> IgnoreCategories { get; init; } = new HashSet<string>();
    /// <summary>How often a long run logs its progress.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);
}
