using Hmm.Spec.Actors.Bench;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Stress;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hmm.Spec.Actors.Catalog;

/// <summary>
/// Time to the first hit of one entry with one strategy over several seeds. <c>Found</c>: seeds whose exploration
/// reported the entry's category within the budget; <c>Other</c>: seeds that stopped on a bug of another category
/// (misses); medians and worst follow <see cref="FirstHitTimes"/> (a miss is infinitely late: the median is null
/// when half or more missed, the worst when any seed missed).
/// </summary>
public sealed record StrategyTiming(
    string Strategy,
    int Seeds,
    int Found,
    int Other,
    string? OtherCategory,
    double? MedianIterations,
    int? WorstIterations,
    double? MedianMs,
    long? WorstMs);

/// <summary>
/// What <c>upstream</c> (and the fixing variant, for bugs) reports on the entry's scenario: null = clean.
/// <c>LookedPast</c>: the iterations that hit the later bug the entry names (<see cref="CatalogEntry.FixStillHas"/>),
/// looked past on the fix variant so that it cannot end the check early.
/// </summary>
public sealed record FixCheck(string Variant, string? Category, int LookedPast = 0);

/// <summary>One entry's measurements.</summary>
public sealed record EntryMeasurement(
    CatalogEntry Entry,
    IReadOnlyList<StrategyTiming> Timings,
    IReadOnlyList<FixCheck> Checks,
    StressResult? Stress);

/// <summary>Settings of one catalog run.</summary>
public sealed record CatalogSettings
{
    public static readonly IReadOnlyList<string> DefaultStrategies =
    [
        ExplorationStrategy.Portfolio, ExplorationStrategy.Pct, ExplorationStrategy.Random,
        ExplorationStrategy.Probabilistic, ExplorationStrategy.DelayBounding, ExplorationStrategy.Dfs,
    ];

    public int Seeds { get; init; } = 20;
    /// <summary>Iterations after which a seed counts as a miss; null: each entry's own budget.</summary>
    public int? Budget { get; init; }
    public IReadOnlyList<string> Strategies { get; init; } = DefaultStrategies;
    /// <summary>Iterations of the fix/upstream checks (random strategy, seed 1).</summary>
    public int CheckBudget { get; init; } = 100;
    public int StressRuns { get; init; } = 2000;
    public double StressSeconds { get; init; } = 10;
}

/// <summary>
/// Measures the catalog (docs/bug-catalog.md): for each entry a scenario exposes, iterations and milliseconds to
/// the first hit per strategy over seeds 0..N-1, the fix/upstream checks, and a stress run for comparison.
/// </summary>
public sealed class CatalogBenchmark(ILogger? logger = null)
{
    private readonly ILogger log = logger ?? NullLogger.Instance;

    public EntryMeasurement Measure(CatalogEntry entry, CatalogSettings s)
    {
        if (entry.Scenario is null)
            return new EntryMeasurement(entry, [], [], null);
        var scenario = BuiltinScenarios.Load(entry.Scenario);
        var plan = ScenarioPlan.Create(scenario, entry.Variant);
        var budget = s.Budget ?? entry.Budget;
        var timings = new List<StrategyTiming>();
        foreach (var strategy in s.Strategies)
        {
            if (strategy == ExplorationStrategy.Dfs && !entry.DfsFeasible)
                continue;
            // dfs ignores the seed: one run says everything.
            var seeds = strategy == ExplorationStrategy.Dfs ? 1 : s.Seeds;
            log.LogInformation("catalog {Entry}: {Strategy}, {Seeds} seed(s), budget {Budget}", entry.Id, strategy, seeds, budget);
            timings.Add(Time(plan, entry.Category, strategy, seeds, budget));
        }

        var checks = new List<FixCheck>();
        var stillHas = entry.FixStillHas is { } id ? BugCatalog.Find(id)?.Category : null;
        foreach (var variant in new[] { entry.FixedBy, "upstream" }.OfType<string>().Distinct())
        {
            var ignore = variant == entry.FixedBy && stillHas is not null ? new HashSet<string> { stillHas } : new HashSet<string>();
            checks.Add(Check(ScenarioPlan.Create(scenario, variant), s.CheckBudget, ignore));
        }

        StressResult? stress = null;
        if (s.StressRuns > 0)
        {
            log.LogInformation("catalog {Entry}: stress, up to {Runs} runs / {Seconds} s", entry.Id, s.StressRuns, s.StressSeconds);
            stress = new StressRunner(log).Run(plan, s.StressRuns, s.StressSeconds);
        }
        return new EntryMeasurement(entry, timings, checks, stress);
    }

    /// <summary>The first bug on a variant (random strategy, seed 1) outside <paramref name="ignore"/>, or clean within the budget.</summary>
    public static FixCheck Check(ScenarioPlan plan, int budget, IReadOnlySet<string> ignore)
    {
        var r = new Explorer().Explore(plan, new ExploreOptions
        {
            Strategy = ExplorationStrategy.Random, Seed = 1, Iterations = budget, OutDir = null, IgnoreCategories = ignore,
        });
        return new FixCheck(plan.Variant.Name, r.BugFound ? r.Category : null, r.Ignored.Count);
    }

    public static StrategyTiming Time(ScenarioPlan plan, string category, string strategy, int seeds, int budget)
    {
        var times = new FirstHitTimes();
        int other = 0;
        string? otherCategory = null;
        var explorer = new Explorer();
        for (uint seed = 0; seed < seeds; seed++)
        {
            var r = explorer.Explore(plan, new ExploreOptions { Strategy = strategy, Seed = seed, Iterations = budget, OutDir = null });
            if (r.BugFound && r.Category == category)
            {
                times.Hit(r.Iterations, r.ElapsedMs);
                continue;
            }
            if (r.BugFound)
            {
                other++;
                otherCategory ??= r.Category;
            }
            times.Miss();
        }
        return Timing(strategy, times, other, otherCategory);
    }

    /// <summary>A strategy's row from its seeds' first-hit times (<see cref="FirstHitTimes"/>' rule).</summary>
    public static StrategyTiming Timing(string strategy, FirstHitTimes times, int other, string? otherCategory) =>
        new(strategy, times.Seeds, times.Found, other, otherCategory,
            times.MedianIterations, times.WorstIterations, times.MedianMs, times.WorstMs);
}
