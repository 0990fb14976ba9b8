using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Exploration;

/// <summary>Runs explorations with fixed seeds and prints seed and bundle path, so a failure can be replayed.</summary>
internal static class ExploreTestSupport
{
    public static ExploreResult Explore(ITestOutputHelper output, string scenario, string variant, uint seed, int iterations,
        string strategy = ExplorationStrategy.Portfolio, string? outDir = null, params string[] ignore)
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load(scenario), variant);
        var options = new ExploreOptions { Strategy = strategy, Seed = seed, Iterations = iterations, OutDir = outDir ?? Path.GetTempPath(), IgnoreCategories = ignore.ToHashSet() };
        var r = new Explorer().Explore(plan, options);
        output.WriteLine($"{scenario} on {variant}: strategy {strategy}, seed {seed}, {r.Iterations} iteration(s), {r.ElapsedMs} ms, " +
                         $"bug={r.BugFound} {r.Category} {r.Message}; bundle: {r.BundlePath ?? "(none)"}; ignored: {string.Join(" | ", r.Ignored)}");
        return r;
    }
}
