using System.Diagnostics;
using System.Runtime;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;

namespace Hmm.Spec.Actors.Bench;

/// <summary>
/// One scenario's speed beside Coyote's floor with the same actors and scheduling points, each from its fastest
/// timed round: on a shared machine other processes only ever slow a run down, so the fastest round is the one
/// least disturbed.
/// </summary>
public sealed record BenchRow(string Scenario, string Variant, int Iterations, double IterationsPerSecond,
    double StepsPerIteration, double FloorIterationsPerSecond, double FloorStepsPerIteration, double CostRatio,
    double AllocatedKiBPerIteration, double FloorAllocatedKiBPerIteration);

/// <summary>
/// Time to the first bug over many seeds (the target: median under 1 s and 200 iterations); medians and
/// worst follow <see cref="FirstHitTimes"/> (a seed that missed is infinitely late; null: a miss).
/// </summary>
public sealed record TimeToBugRow(string Scenario, string Variant, string Strategy, int Seeds, int Found,
    double? MedianIterations, int? WorstIterations, double? MedianMs, long? WorstMs);

/// <summary>
/// Measures iterations per second and scheduling points per iteration of scenarios, and the same for
/// <see cref="FloorTest"/>. Runs once; the machine is shared, so callers run it by hand, not in loops.
/// </summary>
public static class ExplorationBench
{
    /// <summary>Timed rounds per row (each times the model and then the floor, back to back).</summary>
    public const int Rounds = 9;

    /// <summary>Warm-up chunks at most, when the JIT keeps finding new methods to compile.</summary>
    public const int MaxWarmUpChunks = 40;

    /// <summary>
    /// Warms up the model and the floor, then times <see cref="Rounds"/> rounds of <paramref name="iterations"/>
    /// iterations of each. Warm-up runs chunks of both until a chunk compiles no new method (tiered compilation
    /// recompiles hot methods on a background thread for seconds; on a shared 2-core machine that thread would
    /// otherwise steal time from the timed rounds of whichever side runs more distinct code, the model).
    /// The cost ratio compares time per scheduling point, so a floor that takes a few more or fewer points than
    /// the model (its own task start and join points) does not skew it.
    /// </summary>
    public static BenchRow Measure(ScenarioPlan plan, int iterations, uint seed = 1)
    {
        var chunk = Math.Max(20, iterations / 4);
        var model = TimeModel(plan, chunk, seed);
        var actors = plan.Scenario.Actors.Count;
        var perActor = Math.Max(1, (int)Math.Round(model.Steps / (double)model.Iterations / actors));
        for (var i = 0; i < MaxWarmUpChunks; i++)
        {
            var compiled = JitInfo.GetCompiledMethodCount();
            TimeFloor(actors, perActor, chunk, seed);
            TimeModel(plan, chunk, seed);
            // Give the background compiler its call-counting delay (100 ms) before judging the chunk quiet.
            Thread.Sleep(200);
            if (JitInfo.GetCompiledMethodCount() == compiled)
                break;
        }

        var rounds = new List<(Run Model, Run Floor)>();
        for (var r = 0; r < Rounds; r++)
            rounds.Add((TimeModel(plan, iterations, seed), TimeFloor(actors, perActor, iterations, seed)));

        var m = rounds.Select(x => x.Model).MinBy(x => x.Seconds);
        var f = rounds.Select(x => x.Floor).MinBy(x => x.Seconds);
        return new BenchRow(plan.Scenario.Name, plan.Variant.Name, m.Iterations, m.IterationsPerSecond,
            m.Steps / (double)m.Iterations, f.IterationsPerSecond, f.Steps / (double)f.Iterations,
            m.SecondsPerStep / f.SecondsPerStep, m.AllocatedBytes / 1024.0 / Math.Max(1, m.Iterations),
            f.AllocatedBytes / 1024.0 / Math.Max(1, f.Iterations));
    }

    private readonly record struct Run(int Iterations, long Steps, double Seconds, long AllocatedBytes = 0)
    {
        public double IterationsPerSecond => Iterations / Math.Max(1e-9, Seconds);
        public double SecondsPerStep => Seconds / Math.Max(1, Steps);
    }

    private static Run TimeModel(ScenarioPlan plan, int iterations, uint seed)
    {
        var options = new ExploreOptions { Strategy = ExplorationStrategy.Random, Iterations = iterations, Seed = seed, OutDir = null, RunToCompletion = true };
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var result = new Explorer().Explore(plan, options);
        return new Run(result.Iterations, result.SchedulingSteps, result.ElapsedMs / 1000.0, GC.GetTotalAllocatedBytes(precise: true) - allocated);
    }

    private static Run TimeFloor(int actors, int perActor, int iterations, uint seed)
    {
        var config = Configuration.Create().WithTelemetryEnabled(false).WithTestingIterations((uint)iterations)
            .WithRandomGeneratorSeed(seed).WithRandomStrategy();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        // Started before the engine is created, like the explorer's clock.
        var watch = Stopwatch.StartNew();
        using var engine = CoyoteEngine.Create(config, FloorTest.Create(actors, perActor));
        engine.Run();
        watch.Stop();
        var report = engine.TestReport;
        return new Run(iterations, (long)report.TotalExploredFairSteps + report.TotalExploredUnfairSteps, watch.Elapsed.TotalSeconds,
            GC.GetTotalAllocatedBytes(precise: true) - allocated);
    }

    /// <summary>Iterations and time until a bug of <paramref name="category"/>, looking past <paramref name="ignore"/>.</summary>
    public static TimeToBugRow TimeToBug(ScenarioPlan plan, string strategy, int seeds, int budget, string category, IReadOnlySet<string> ignore)
    {
        var times = new FirstHitTimes();
        var explorer = new Explorer();
        for (uint s = 0; s < seeds; s++)
        {
            var r = explorer.Explore(plan, new ExploreOptions { Strategy = strategy, Iterations = budget, Seed = s * 1000, OutDir = null, IgnoreCategories = ignore });
            if (r.BugFound && r.Category == category)
                times.Hit(r.Iterations, r.ElapsedMs);
            else
                times.Miss();
        }
        return new TimeToBugRow(plan.Scenario.Name, plan.Variant.Name, strategy, seeds, times.Found,
            times.MedianIterations, times.WorstIterations, times.MedianMs, times.WorstMs);
    }
}
