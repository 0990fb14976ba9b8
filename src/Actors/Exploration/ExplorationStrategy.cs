using Hmm.Spec.Input;
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

    /// <summary>
    /// Coyote 1.7.11 documents <c>WithDFSStrategy</c> but compiles it as internal; the pinned version is called
    /// through reflection (the tool's <c>-s dfs</c> does the same internally).
    /// </summary>
    private static Configuration WithDfs(Configuration c)
    {
        var method = typeof(Configuration).GetMethod("WithDFSStrategy",
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic, [])
            ?? throw new InvalidOperationException("this Coyote version has no WithDFSStrategy");
        return (Configuration)method.Invoke(c, null)!;
    }

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
        Dfs => WithDfs(c),
        _ => throw new InputError("--strategy", $"unknown strategy \"{name}\" (known: {string.Join(", ", Names)})"),
    };
}
