using Hmm.Spec.Actors.Bench;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Catalog;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Replay;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Stress;
using Hmm.Spec.Model;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Catalog;

/// <summary>
/// The known-bug catalog: its data is consistent with the variants and scenarios, every checked-in bundle under
/// traces/ replays its bug with the catalogued category, upstream passes each entry's scenario, every reachable
/// mutant is found within its budget (fixed strategy and seed), and stress runs see deterministic bugs.
/// </summary>
public sealed class CatalogTests(ITestOutputHelper output)
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hmm.Spec.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Hmm.Spec.sln above {AppContext.BaseDirectory}");
    }

    private static string BundlePath(CatalogEntry e) => Path.Combine(RepoRoot(), "traces", e.BundleFile!);

    public static TheoryData<string> ReachableIds() => new(BugCatalog.Reachable.Select(e => e.Id));

    public static TheoryData<string> UpstreamCleanIds() =>
        new(BugCatalog.Reachable.Where(e => e.KnownModelIssue is null).Select(e => e.Id));

    public static TheoryData<string> MutantIds() =>
        new(BugCatalog.Mutants.Where(e => e.Scenario is not null).Select(e => e.Id));

    [Fact]
    public void Catalog_names_existing_variants_scenarios_and_categories_and_covers_every_mutant()
    {
        BugCatalog.Entries.Select(e => e.Id).Should().OnlyHaveUniqueItems();
        foreach (var e in BugCatalog.Entries)
        {
            ViolationCategory.All.Should().Contain(e.Category, e.Id);
            KernelVariants.TryGet(e.Variant, out _).Should().BeTrue(e.Id);
            if (e.FixedBy is not null)
                KernelVariants.TryGet(e.FixedBy, out _).Should().BeTrue(e.Id);
            if (e.Scenario is not null)
                BuiltinScenarios.Exists(e.Scenario).Should().BeTrue(e.Id);
            else
                e.Unreachable.Should().NotBeNullOrWhiteSpace($"{e.Id} has no scenario, so it must say why");
        }
        BugCatalog.Bugs.Should().OnlyContain(e => e.FixedBy != null && e.Commit != null);
        BugCatalog.Mutants.Select(e => e.Variant).Should().BeEquivalentTo(KernelVariants.Mutants.Select(v => v.Name),
            "every mutant is catalogued");
        // The catalogued upstream commits of the fault path and teardown.
        BugCatalog.Bugs.Select(e => e.Commit).Should().Contain(["16ce101db85d", "1afaeb8293c9", "b570f37a2ce4", "50f44ee7248a",
            "ef233450898f+0dc45ca1ce18", "249881232e14"]);
    }

    [Theory]
    [MemberData(nameof(ReachableIds))]
    public void Checked_in_bundle_replays_the_catalogued_bug(string id)
    {
        var e = BugCatalog.Find(id)!;
        var path = BundlePath(e);
        File.Exists(path).Should().BeTrue($"{id}: bundle {path} is checked in (hmm-spec explore --scenario {e.Scenario} " +
                                          $"--variant {e.Variant} --strategy {e.BundleStrategy} --seed {e.BundleSeed} --out traces)");
        var bundle = TraceBundle.Read(path);
        bundle.Variant.Should().Be(e.Variant);
        bundle.Scenario.Name.Should().Be(e.Scenario);
        bundle.Category.Should().Be(e.Category, "the bundle recorded the catalogued bug");

        var r = Replayer.Replay(bundle);
        output.WriteLine($"{id}: replay of {path}: reproduced={r.Reproduced} {r.Category} {r.Message} divergence={r.Divergence}");
        r.Divergence.Should().BeNull();
        r.SameBug.Should().BeTrue($"{id}: the replay reports {r.Category}: {r.Message}");
    }

    [Theory]
    [MemberData(nameof(UpstreamCleanIds))]
    public void Upstream_passes_the_entry_scenario(string id)
    {
        var e = BugCatalog.Find(id)!;
        var r = new Explorer().Explore(ScenarioPlan.Create(BuiltinScenarios.Load(e.Scenario!), "upstream"),
            new ExploreOptions { Strategy = ExplorationStrategy.Random, Seed = 1, Iterations = 20, OutDir = null });
        output.WriteLine($"{id}: {e.Scenario} on upstream, random seed 1: {r.Iterations} iterations, bug={r.BugFound} {r.Message}");
        r.BugFound.Should().BeFalse(r.Message);
    }

    /// <summary>
    /// The rule for a replay of a bug's bundle on another variant: it is evidence of a fix ("fixed") only when it
    /// followed the bundle's whole trace and found no bug. A replay that left the trace is "diverged" whatever
    /// it found or did not find; one that found the recorded bug is "still there", any other bug is "other".
    /// </summary>
    internal static string FixEvidence(ReplayResult r) => r switch
    {
        { SameBug: true } => "still there",
        { Reproduced: true } => $"other: {r.Category}",
        { Divergence: not null } => "diverged",
        _ => "fixed",
    };

    [Fact]
    public void Fix_evidence_from_a_replay_follows_the_stated_rule()
    {
        var bundle = TraceBundle.Read(BundlePath(BugCatalog.Find("seed-fault-uaf-vs-madvise")!));
        ReplayResult Result(bool reproduced, string? category, string? divergence) =>
            new(bundle, "fix-fault-ref", reproduced, category, category is null ? null : $"[{category}] x", [], divergence);
        FixEvidence(Result(false, null, null)).Should().Be("fixed");
        FixEvidence(Result(false, null, "the replay followed 88 of the trace's 105 scheduling decisions")).Should().Be("diverged");
        FixEvidence(Result(true, bundle.Category, null)).Should().Be("still there");
        FixEvidence(Result(true, bundle.Category, "cut short")).Should().Be("still there");
        FixEvidence(Result(true, "deadlock", null)).Should().Be("other: deadlock");
    }

    /// <summary>
    /// fix-fault-ref adds scheduling points to the fault path, so the seed's bundle cannot be followed on it: the
    /// replay is "diverged", not "fixed" (it used to pass as a fix). The fix is judged by exploring its variant
    /// instead (<see cref="The_fix_variant_does_not_report_the_bug_on_its_scenario"/>), which covers this entry.
    /// </summary>
    [Fact]
    public void A_replay_on_the_fix_that_leaves_the_trace_is_not_counted_as_fixed()
    {
        var e = BugCatalog.Find("seed-fault-uaf-vs-madvise")!;
        var replay = Replayer.Replay(TraceBundle.Read(BundlePath(e)), e.FixedBy);
        output.WriteLine($"replayed on {e.FixedBy}: reproduced={replay.Reproduced} {replay.Message} divergence={replay.Divergence}");
        FixEvidence(replay).Should().BeOneOf("fixed", "diverged");
        if (FixEvidence(replay) == "diverged")
            FixedBugIds().Cast<object[]>().Select(row => (string)row[0]).Should().Contain(e.Id, "a diverged replay leaves the verdict to the exploration check");
    }

    public static TheoryData<string> FixedBugIds() =>
        new(BugCatalog.Bugs.Where(e => e.Scenario is not null && e.KnownModelIssue is null).Select(e => e.Id));

    /// <summary>
    /// The rule for a fix check by exploration: the fix variant explores the entry's scenario clean, or reports
    /// exactly the category of the later bug the entry names in <see cref="CatalogEntry.FixStillHas"/>. A
    /// different bug is not "clean".
    /// </summary>
    [Theory]
    [MemberData(nameof(FixedBugIds))]
    public void The_fix_variant_does_not_report_the_bug_on_its_scenario(string id)
    {
        var e = BugCatalog.Find(id)!;
        var later = e.FixStillHas is null ? null : BugCatalog.Find(e.FixStillHas);
        if (e.FixStillHas is not null)
        {
            later.Should().NotBeNull($"{id} names {e.FixStillHas}");
            later!.Category.Should().NotBe(e.Category, "the later bug must be told apart from the fixed one");
        }
        // The later bug is looked past (exploration notes it and goes on with the next seed), so it cannot end the
        // check early and hide the fixed bug coming back within the budget.
        var r = new Explorer().Explore(ScenarioPlan.Create(BuiltinScenarios.Load(e.Scenario!), e.FixedBy),
            new ExploreOptions
            {
                Strategy = e.BundleStrategy, Seed = e.BundleSeed, Iterations = e.Budget, OutDir = null,
                IgnoreCategories = later is null ? new HashSet<string>() : new HashSet<string> { later.Category },
            });
        output.WriteLine($"{id}: {e.Scenario} on {e.FixedBy}, {e.BundleStrategy} seed {e.BundleSeed}: {r.Iterations} iterations, " +
                         $"bug={r.BugFound} {r.Category} {r.Message}; looked past {r.Ignored.Count} x {later?.Category}");
        r.BugFound.Should().BeFalse($"{e.FixedBy} fixes {id}; it may still have only {later?.Id ?? "nothing"}: {r.Message}");
        r.Iterations.Should().Be(e.Budget, "the whole budget was explored");
    }

    [Fact]
    public void Every_later_bug_a_fix_still_has_is_catalogued_after_it()
    {
        foreach (var e in BugCatalog.Entries.Where(e => e.FixStillHas is not null))
        {
            var later = BugCatalog.Find(e.FixStillHas!);
            later.Should().NotBeNull(e.Id);
            later!.Kind.Should().Be(CatalogEntryKind.Bug, e.Id);
            BugCatalog.Entries.ToList().IndexOf(later).Should().BeGreaterThan(BugCatalog.Entries.ToList().IndexOf(e), e.Id);
        }
    }

    /// <summary>
    /// ef233450898f + 0dc45ca1ce18 change the refcount convention of free device pages but not what pins the pgmap:
    /// every teardown scenario ends the same way on the variant before and after them.
    /// </summary>
    [Theory]
    [InlineData("device-release-vs-fault")]
    [InlineData("mprotect-vs-device-release")]
    [InlineData("hotplug-vs-device-release")]
    public void Teardown_refzero_changes_no_outcome(string scenario)
    {
        ExploreResult Run(string variant)
        {
            var r = new Explorer().Explore(ScenarioPlan.Create(BuiltinScenarios.Load(scenario), variant),
                new ExploreOptions { Strategy = ExplorationStrategy.Random, Seed = 1, Iterations = 50, OutDir = null });
            output.WriteLine($"{scenario} on {variant}: {r.Iterations} iterations, bug={r.BugFound} {r.Category} {r.Message}");
            return r;
        }
        var before = Run("fix-teardown-wait");
        var after = Run("fix-teardown-refzero");
        after.BugFound.Should().Be(before.BugFound);
        after.Category.Should().Be(before.Category);
    }

    [Theory]
    [MemberData(nameof(MutantIds))]
    public void Mutant_is_found_within_its_budget(string id)
    {
        var e = BugCatalog.Find(id)!;
        var r = new Explorer().Explore(ScenarioPlan.Create(BuiltinScenarios.Load(e.Scenario!), e.Variant),
            new ExploreOptions { Strategy = e.BundleStrategy, Seed = e.BundleSeed, Iterations = e.Budget, OutDir = null });
        output.WriteLine($"{id}: {e.Scenario}, {e.BundleStrategy} seed {e.BundleSeed}: {r.Iterations} iterations, {r.Category} {r.Message}");
        r.BugFound.Should().BeTrue();
        r.Category.Should().Be(e.Category, r.Message);
    }

    /// <summary>
    /// Stress runs are real threads, so the test asserts a rate, not every run. Measured after the step log was
    /// made safe for concurrent appends and the runner stopped parsing note text (docs/reliability.md):
    /// 10,000 of 10,000 mutant runs hit the expectation, 5,000 of 5,000 upstream runs were clean. By the rule of
    /// three the miss rate is below 3e-4 (95%), so 3 or more misses in 20 runs has probability below
    /// C(20,3)·(3e-4)^3 ≈ 3e-8; a runner that lost half its verdicts passes 18 of 20 with probability 2e-4.
    /// </summary>
    public const int StressRuns = 20, StressMisses = 2;

    [Fact]
    public void Stress_runs_see_a_deterministic_bug_at_the_measured_rate_and_upstream_never()
    {
        var scenario = BuiltinScenarios.Load("catalog-hotplug-overlap");
        var mutant = new StressRunner().Run(ScenarioPlan.Create(scenario, "mutant-register-memory-ignores-conflict"), StressRuns, 60);
        output.WriteLine($"mutant: {mutant.Runs} runs, {mutant.Clean} clean, {string.Join(", ", mutant.Bugs)}, first {mutant.FirstMessage}");
        mutant.Runs.Should().Be(StressRuns);
        mutant.Hits(ViolationCategory.Expectation).Should().BeGreaterThanOrEqualTo(StressRuns - StressMisses);

        var upstream = new StressRunner().Run(ScenarioPlan.Create(scenario, "upstream"), StressRuns, 60);
        output.WriteLine($"upstream: {upstream.Runs} runs, {upstream.Clean} clean, {string.Join(", ", upstream.Bugs)}");
        upstream.Runs.Should().Be(StressRuns);
        upstream.Hits(ViolationCategory.Expectation).Should().Be(0, upstream.FirstMessage);
        upstream.Clean.Should().BeGreaterThanOrEqualTo(StressRuns - StressMisses, upstream.FirstMessage);
    }

    /// <summary>The runner reads op outcomes as values: a result note's text is never parsed back.</summary>
    [Fact]
    public void Stress_runner_finds_an_unmet_expectation_from_the_outcome_value()
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load("catalog-hotplug-overlap"), "mutant-register-memory-ignores-conflict");
        var message = StressRunner.RunOnce(plan);
        message.Should().StartWith("[expectation] hotplug").And.Contain("expected {\"error\":\"EEXIST\"}");
    }

    [Fact]
    public void Median_counts_misses_as_infinite()
    {
        FirstHitTimes.Median([1, 2, 3]).Should().Be(2);
        FirstHitTimes.Median([1, double.PositiveInfinity, 5, double.PositiveInfinity]).Should().BeNull();
        FirstHitTimes.Median([1, 3, 5, double.PositiveInfinity]).Should().Be(4);

        // The catalog and bench share this rule: a miss is infinitely late, never dropped.
        var times = new FirstHitTimes();
        times.Hit(1, 10);
        times.Hit(5, 50);
        times.Miss();
        (times.Seeds, times.Found, times.MedianIterations, times.MedianMs).Should().Be((3, 2, 5.0, 50.0));
        times.WorstIterations.Should().BeNull("a seed missed");
        times.WorstMs.Should().BeNull();
        times.Miss();
        times.MedianIterations.Should().BeNull("half the seeds missed");
        FirstHitTimes.Show(times.MedianIterations).Should().Be("miss");
    }
}
