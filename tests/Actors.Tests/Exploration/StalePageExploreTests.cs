using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Verification;
using Hmm.Spec.Model;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Exploration;

/// <summary>
/// Issue 12, item 3 (ABA): in fault-vs-device-page-reuse the seed's lockless fault keeps a bare pointer to device
/// pfn 1024 while the driver migrates the page back and hands pfn 1024 to its next migration (lowest free pfn
/// first). Exploration must report the stale access even when it lands on the reallocated, in-use page; upstream's
/// fault holds a page reference across the callback, so the page cannot be freed under it.
/// </summary>
public sealed class StalePageExploreTests(ITestOutputHelper output)
{
    private const string Scenario = "fault-vs-device-page-reuse";

    [Fact]
    public void Seed_stale_pointer_to_a_reallocated_device_page_is_found_as_use_after_free()
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load(Scenario), "seed");
        var reallocated = false;
        // Fixed PCT seeds, tried in order; the first bug of a run is either window (free, or free and handed out
        // again), so a run that stops on the plain free page moves on to the next seed.
        for (uint seed = 1; seed <= 12 && !reallocated; seed++)
        {
            var r = new Explorer().Explore(plan, new ExploreOptions
                { Strategy = ExplorationStrategy.Pct, Seed = seed, Iterations = 500, OutDir = null });
            output.WriteLine($"pct seed {seed}: {r.Iterations} iterations, bug={r.BugFound} {r.Category} {r.Message}");
            r.BugFound.Should().BeTrue($"pct seed {seed} reaches the seed's fault-path use-after-free");
            r.Category.Should().Be(ViolationCategory.UseAfterFree, r.Message);
            reallocated = r.Message!.Contains("allocated again", StringComparison.Ordinal);
        }
        reallocated.Should().BeTrue("some run reports the stale pointer that landed on the reallocated page");
    }

    /// <summary>
    /// verify's bounded search reaches the reallocated page with one preemption (cpu0 preempted inside its
    /// lockless window, the driver running both migrations) and stops there: no lower level has a bug.
    /// </summary>
    [Fact]
    public void Verify_finds_the_stale_pointer_to_the_reallocated_page_at_one_preemption()
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load(Scenario), "seed");
        var r = new Verifier().Verify(plan, new VerifyOptions { Preemptions = 1 });
        output.WriteLine($"seed: {r.Category} at K={r.BugPreemptions}: {r.Message}");
        r.Category.Should().Be(ViolationCategory.UseAfterFree, r.Message);
        r.BugPreemptions.Should().Be(1);
        r.Message.Should().Contain("allocated again");
    }

    [Fact]
    public void Upstream_is_clean_on_the_reuse_scenario()
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load(Scenario), "upstream");
        var r = new Explorer().Explore(plan, new ExploreOptions { Strategy = ExplorationStrategy.Pct, Seed = 5, Iterations = 300, OutDir = null });
        output.WriteLine($"upstream: {r.Iterations} iterations, bug={r.BugFound} {r.Message}");
        r.BugFound.Should().BeFalse(r.Message);
    }
}
