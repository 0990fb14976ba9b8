using System.Diagnostics;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;

namespace Hmm.Spec.Actors.Bench;

/// <summary>One scenario's speed beside Coyote's floor with the same scheduling points.</summary>
public sealed record BenchRow(string Scenario, string Variant, int Iterations, double IterationsPerSecond,
    double StepsPerIteration, double FloorIterationsPerSecond)
{
    /// <summary>Model cost per scheduling point over the floor's (1.0 = as cheap as an empty test).</summary>
    public double CostRatio => FloorIterationsPerSecond / IterationsPerSecond;
}

/// <summary>Time to the first bug over many seeds (the target: median under 1 s and 200 iterations).</summary>
public sealed record TimeToBugRow(string Scenario, string Variant, string Strategy, int Seeds, int Found,
    double MedianIterations, int WorstIterations, double MedianMs, long WorstMs);

/// <summary>
/// Measures iterations per second and scheduling points per iteration of scenarios, and the same for
/// <see cref="FloorTest"/>. Runs once; the machine is shared, so callers run it by hand, not in loops.
/// </summary>
public static class ExplorationBench
{
    public static BenchRow Measure(ScenarioPlan plan, int iterations, uint seed = 1)
    {
        var options = new ExploreOptions { Strategy = ExplorationStrategy.Random, Iterations = iterations, Seed = seed, OutDir = null, RunToCompletion = true };
        var result = new Explorer().Explore(plan, options);
        var ips = result.Iterations / Math.Max(1e-9, result.ElapsedMs / 1000.0);
        var steps = result.SchedulingSteps / (double)Math.Max(1, result.Iterations);

        var actors = plan.Scenario.Actors.Count;
        var perActor = Math.Max(1, (int)Math.Round(steps / actors));
        var floorConfig = Configuration.Create().WithTelemetryEnabled(false).WithTestingIterations((uint)iterations)
            .WithRandomGeneratorSeed(seed).WithRandomStrategy();
        using var engine = CoyoteEngine.Create(floorConfig, FloorTest.Create(actors, perActor));
        var watch = Stopwatch.StartNew();
        engine.Run();
        watch.Stop();
        var floorIps = iterations / Math.Max(1e-9, watch.Elapsed.TotalSeconds);
        return new BenchRow(plan.Scenario.Name, plan.Variant.Name, result.Iterations, ips, steps, floorIps);
    }

    /// <summary>Iterations and time until a bug of <paramref name="category"/>, looking past <paramref name="ignore"/>.</summary>
    public static TimeToBugRow TimeToBug(ScenarioPlan plan, string strategy, int seeds, int budget, string category, IReadOnlySet<string> ignore)
    {
        var iterations = new List<int>();
        var ms = new List<long>();
        var explorer = new Explorer();
        for (uint s = 0; s < seeds; s++)
        {
            var r = explorer.Explore(plan, new ExploreOptions { Strategy = strategy, Iterations = budget, Seed = s * 1000, OutDir = null, IgnoreCategories = ignore });
            if (r.BugFound && r.Category == category)
            {
                iterations.Add(r.Iterations);
                ms.Add(r.ElapsedMs);
            }
        }
        return new TimeToBugRow(plan.Scenario.Name, plan.Variant.Name, strategy, seeds, iterations.Count,
            Median(iterations.Select(i => (double)i)), iterations.DefaultIfEmpty(0).Max(),
            Median(ms.Select(m => (double)m)), ms.DefaultIfEmpty(0).Max());
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
