using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Tests.Verification;
using Hmm.Spec.Actors.Verification;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Scale;

/// <summary>
/// verify split into parts (pieces of the schedule tree, docs/scaling.md "Splitting the search"): the merge of any
/// number of parts is exactly the whole search: verdict, bug, schedule, bundle, level and total counts.
/// </summary>
public sealed class VerifyPartsTests(ITestOutputHelper output)
{
    private static readonly int[] PartCounts = [1, 2, 3, 8, 13];

    public static TheoryData<string, string, int, int> Cases => new()
    {
        { "fault-vs-fault", "upstream", 2, 0 },                              // verified; pruning in the split root's subtree
        { "fault-vs-fault", "upstream", 2, 62 },                             // executions past a step bound of 62
        { "fault-vs-fault", "seed", 2, 0 },                                  // a bug at K=1, in an unsplit subtree
        { "device-release-vs-fault", "seed", 1, 0 },                         // a bug in the default execution (K=0)
        { "fault-vs-madvise-dontneed", "mutant-zap-skips-rss-decrement", 1, 0 }, // a bug in the first execution at the split root
        { "fault-vs-munmap", "upstream", 2, 0 },                             // verified, small
        { "fault-vs-madvise-dontneed", "seed", 2, 0 },                       // a bug at K=1
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Any_number_of_parts_merges_to_the_whole_search(string scenario, string variant, int k, int maxSteps)
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load(scenario), variant);
        var options = new VerifyOptions { Preemptions = k };
        if (maxSteps > 0)
            options = options with { MaxSteps = maxSteps };
        var whole = new Verifier().Verify(plan, options);
        if (maxSteps > 0)
            whole.StepBoundHits.Should().BePositive("the case is there to pass the step bound");
        foreach (var parts in PartCounts)
        {
            var results = Enumerable.Range(0, parts).Select(p => VerifyParts.Run(plan, options, p, parts)).Reverse().ToArray();
            var (merged, bundle) = VerifyParts.Merge(results);
            var expectedBundle = whole.Schedule is null ? null
                : Hmm.Spec.Actors.Bundles.TraceBundle.CreateVerified(plan, whole.BugPreemptions!.Value, whole.Schedule, whole.Category!, whole.Message!).ToJson();
            ShouldBeTheWholeSearch(merged, bundle, whole, expectedBundle, $"{parts} part(s) of {scenario} on {variant}");
        }
    }

    [Fact]
    public void The_scenario_cases_find_bugs_in_the_default_execution_and_at_the_split_root()
    {
        PieceKey? BugKey(string scenario, string variant, int k) =>
            VerifyParts.Run(ScenarioPlan.Create(BuiltinScenarios.Load(scenario), variant), new VerifyOptions { Preemptions = k }, 0, 1)
                .Levels.Last().BugKey;
        BugKey("device-release-vs-fault", "seed", 1).Should().Be(PieceKey.Default);
        BugKey("fault-vs-madvise-dontneed", "mutant-zap-skips-rss-decrement", 1).Should().Be(PieceKey.FromPath([0, 0]), "the second execution: the other actor first");
        BugKey("fault-vs-fault", "seed", 2)!.Path.Should().ContainSingle("a subtree of the default path");
    }

    /// <summary>
    /// Small random programs (tests/Actors.Tests/Verification/SyntheticProgram.cs) where any outcome can be called a bug
    /// or a step-bound hit: bugs in the default execution, in a first execution at a split node and deep in split
    /// subtrees; step-bound hits and pruned executions in split subtrees; and verified runs.
    /// </summary>
    [Fact]
    public void Any_number_of_parts_merges_to_the_whole_search_on_synthetic_programs()
    {
        var bugKinds = new Dictionary<string, int> { ["default"] = 0, ["first execution at a split node"] = 0, ["subtree below a split node"] = 0, ["unsplit subtree"] = 0 };
        var deepStepBound = 0;
        var deepPruned = 0;
        var verified = 0;
        foreach (var seed in Enumerable.Range(1, 10))
        {
            var program = SyntheticProgram.Random(seed);
            const int k = 2;
            var options = new VerifyOptions { Preemptions = k };
            // The outcomes in the order the whole search first reaches them.
            var order = new List<string>();
            Whole(program, options, o =>
            {
                if (!order.Contains(o))
                    order.Add(o);
                return ExecutionEnd.Clean;
            });
            var picks = new[] { 0, 1, order.Count / 2, order.Count - 1 }.Where(i => i < order.Count).Distinct().Select(i => order[i]).ToArray();
            var classifiers = new List<(string Name, Func<string, ExecutionEnd> Classify)> { ("clean", _ => ExecutionEnd.Clean) };
            classifiers.AddRange(picks.Select((o, i) => ($"bug #{i}", (Func<string, ExecutionEnd>)(x => x == o ? ExecutionEnd.Bug : ExecutionEnd.Clean))));
            classifiers.AddRange(picks.Skip(1).Select((o, i) => ($"step bound #{i}", (Func<string, ExecutionEnd>)(x => x == o ? ExecutionEnd.StepBound : ExecutionEnd.Clean))));
            if (picks.Length > 2)
                classifiers.Add(("step bound and a later bug", x => x == picks[1] ? ExecutionEnd.StepBound : x == picks[^1] ? ExecutionEnd.Bug : ExecutionEnd.Clean));
            foreach (var (name, classify) in classifiers)
            {
                var whole = Whole(program, options, classify);
                verified += whole.Verdict == VerifyVerdict.Verified ? 1 : 0;
                foreach (var parts in PartCounts)
                {
                    var results = Enumerable.Range(0, parts).Select(p => VerifyParts.Run(program.Name, "synthetic", options, p, parts,
                        search => program.Execute(search, classify), Bundle)).Reverse().ToArray();
                    var (merged, bundle) = VerifyParts.Merge(results);
                    ShouldBeTheWholeSearch(merged, bundle, whole, whole.BundleJson, $"{parts} part(s) of seed {seed} ({program}), {name}");
                    if (parts != 1)
                        continue;
                    var last = results[0].Levels[^1];
                    if (last.BugKey is { } key)
                        bugKinds[key.Path.Count == 0 ? "default" : key.IsShared ? "first execution at a split node" : key.Path.Count > 1 ? "subtree below a split node" : "unsplit subtree"]++;
                    var deep = results[0].Levels.SelectMany(l => l.Pieces).Where(c => c.Key.Path.Count > 1).ToArray();
                    deepStepBound += deep.Count(c => c.StepBound > 0);
                    deepPruned += deep.Count(c => c.Pruned > 0);
                }
            }
        }
        output.WriteLine($"bugs by piece: {string.Join(", ", bugKinds.Select(b => $"{b.Key} {b.Value}"))}; step-bound hits below a split node: {deepStepBound}; pruned below a split node: {deepPruned}; verified: {verified}");
        bugKinds.Should().OnlyContain(b => b.Value > 0, "bugs in every kind of piece");
        deepStepBound.Should().BePositive();
        deepPruned.Should().BePositive();
        verified.Should().BePositive();
    }

    private static string Bundle(int k, IReadOnlyList<int> schedule, string category, string message) =>
        $"K={k} schedule={string.Join(",", schedule)} {category}: {message}";

    private static VerifyResult Whole(SyntheticProgram program, VerifyOptions options, Func<string, ExecutionEnd> classify) =>
        new Verifier().Search(program.Name, "synthetic", options, search => program.Execute(search, classify), (search, message, partial) =>
        {
            var tagged = BugCategory.Tagged(message);
            var category = BugCategory.Of(tagged);
            return partial with
            {
                Category = category,
                Message = tagged,
                BugPreemptions = search.Bound,
                Schedule = search.Schedule,
                BundleJson = Bundle(search.Bound, search.Schedule, category, tagged),
            };
        });

    private static void ShouldBeTheWholeSearch(VerifyResult merged, string? bundle, VerifyResult whole, string? expectedBundle, string because)
    {
        (merged.Verdict, merged.Executions, merged.Pruned, merged.StepBoundHits).Should()
            .Be((whole.Verdict, whole.Executions, whole.Pruned, whole.StepBoundHits), because);
        merged.Levels.Select(l => (l.Preemptions, l.Executions, l.Pruned)).Should()
            .Equal(whole.Levels.Select(l => (l.Preemptions, l.Executions, l.Pruned)), because);
        (merged.Category, merged.Message, merged.BugPreemptions, merged.LevelInProgress, merged.PendingAtLeast).Should()
            .Be((whole.Category, whole.Message, whole.BugPreemptions, whole.LevelInProgress, whole.PendingAtLeast), because);
        if (whole.Schedule is null)
        {
            merged.Schedule.Should().BeNull(because);
            bundle.Should().BeNull(because);
        }
        else
        {
            merged.Schedule.Should().Equal(whole.Schedule, because);
            bundle.Should().Be(expectedBundle, because);
        }
    }

    [Fact]
    public void Parts_split_the_pieces_among_themselves()
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load("fault-vs-fault"), "upstream");
        var options = new VerifyOptions { Preemptions = 2 };
        var parts = Enumerable.Range(0, 4).Select(p => VerifyParts.Run(plan, options, p, 4)).ToArray();
        foreach (var k in new[] { 0, 1, 2 })
        {
            var pieces = parts.SelectMany(p => p.Levels.Single(l => l.Preemptions == k).Pieces.Select(c => (p.Part, c.Key))).ToArray();
            pieces.Select(c => c.Key).Should().OnlyHaveUniqueItems("each piece is one part's");
            pieces.Should().OnlyContain(c => c.Key.Owner(4) == c.Part);
            pieces.Where(c => c.Key.Path.Count == 0).Should().OnlyContain(c => c.Part == 0, "the default execution is part 0's");
        }
        var last = parts.SelectMany(p => p.Levels.Last().Pieces).ToArray();
        last.Should().Contain(c => c.Key.Path.Count >= 3, "the root's subtree is split");
        parts.Count(p => p.Levels.Last().Pieces.Any(c => c.Executions > 0)).Should().Be(4, "every part has work at K=2");
    }

    [Fact]
    public void Piece_keys_are_in_the_whole_search_s_order()
    {
        PieceKey Key(params int[] path) => PieceKey.FromPath(path);
        var inOrder = new[]
        {
            Key(), Key(5), Key(4, 0), Key(4, 0, 3), Key(4, 0, 2, 0), Key(4, 0, 2, 0, 1), Key(4, 0, 2, 1), Key(4, 0, 0),
            Key(4, 1), Key(4, 1, 0), Key(3), Key(0, 0), Key(0, 0, 7),
        };
        inOrder.Should().BeInAscendingOrder();
        inOrder.Reverse().Order().Should().Equal(inOrder);
        Key(4, 0).IsShared.Should().BeTrue();
        Key(4, 0, 3).IsShared.Should().BeFalse();
        Key().Owner(8).Should().Be(0);
        Key(9).Owner(8).Should().Be(1);
        Enumerable.Range(0, 8).Select(s => Key(0, 0, s).Owner(8)).Should().OnlyHaveUniqueItems("a split subtree's pieces go to consecutive parts");
        FluentActions.Invoking(() => Key(1, -1)).Should().Throw<FormatException>();
    }
}
