using Hmm.Spec.Oracle.Ops;
using Microsoft.Coyote;

namespace Hmm.Spec.Actors.Exploration;

/// <summary>Coyote's scheduling strategies, by the names the CLI and bundles use.</summary>
public static class ExplorationStrategy
{
    public const string Portfolio = "portfolio", Random = "random", Pct = "pct", FairPct = "fair-pct",
        Probabilistic = "probabilistic", DelayBounding = "delay-bounding", Dfs = "dfs";

    public static readonly IReadOnlyList<string> Names = [Portfolio, Random, Pct, FairPct, Probabilistic, DelayBounding, Dfs];

    /// <summary>PCT's priority-change bound and delay-bounding's delay bound: small, as the races here are shallow.</summary>
    public const uint PriorityChangeBound = 10, DelayBound = 10;

    public static void Validate(string name)
    {
        if (!Names.Contains(name))
            throw new InputError("--strategy", $"unknown strategy \"{name}\" (known: {string.Join(", ", Names)})");
    }

    /// <summary>Applies the strategy; <c>portfolio</c> leaves Coyote's default fair portfolio, which rotates per iteration.</summary>
    public static Configuration Apply(Configuration c, string name) => name switch
    {
        Portfolio => c,
        Random => c.WithRandomStrategy(),
        Pct => c.WithPrioritizationStrategy(false, PriorityChangeBound),
        FairPct => c.WithPrioritizationStrategy(true, PriorityChangeBound),
        Probabilistic => c.WithProbabilisticStrategy(),
        DelayBounding => c.WithDelayBoundingStrategy(false, DelayBound),
        Dfs => c.WithDFSStrategy(),
        _ => throw new InputError("--strategy", $"unknown strategy \"{name}\" (known: {string.Join(", ", Names)})"),
    };
}
