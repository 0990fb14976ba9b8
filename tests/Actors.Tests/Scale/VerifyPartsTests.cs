using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Verification;

namespace Hmm.Spec.Actors.Tests.Scale;

/// <summary>
/// verify split into parts (subtrees of the schedule tree, docs/results-format.md): the merge of any number of
/// parts is exactly the whole search: verdict, bug, schedule, level and total counts.
/// </summary>
public sealed class VerifyPartsTests
{
    public static TheoryData<string, string, int> Cases => new()
    {
        { "fault-vs-fault", "upstream", 2 },           // verified
        { "fault-vs-fault", "seed", 2 },               // a bug at K=1, deep in the tree
        { "device-release-vs-fault", "seed", 1 },      // a bug in the default execution (K=0)
        { "fault-vs-munmap", "upstream", 2 },          // verified, small
        { "fault-vs-madvise-dontneed", "seed", 2 },    // a bug at K=1
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Any_number_of_parts_merges_to_the_whole_search(string scenario, string variant, int k)
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load(scenario), variant);
        var options = new VerifyOptions { Preemptions = k };
        var whole = new Verifier().Verify(plan, options);
        foreach (var parts in new[] { 1, 3, 8 })
        {
            var results = Enumerable.Range(0, parts).Select(p => VerifyParts.Run(plan, options, p, parts)).Reverse().ToArray();
            var (merged, bundle) = VerifyParts.Merge(results);
            var because = $"{parts} part(s) of {scenario} on {variant}";
            (merged.Verdict, merged.Executions, merged.Pruned, merged.StepBoundHits).Should()
                .Be((whole.Verdict, whole.Executions, whole.Pruned, whole.StepBoundHits), because);
            merged.Levels.Select(l => (l.Preemptions, l.Executions, l.Pruned)).Should()
                .Equal(whole.Levels.Select(l => (l.Preemptions, l.Executions, l.Pruned)), because);
            (merged.Category, merged.Message, merged.BugPreemptions).Should().Be((whole.Category, whole.Message, whole.BugPreemptions), because);
            if (whole.Schedule is null)
            {
                merged.Schedule.Should().BeNull(because);
                bundle.Should().BeNull(because);
            }
            else
            {
                merged.Schedule.Should().Equal(whole.Schedule, because);
                bundle.Should().Be(Hmm.Spec.Actors.Bundles.TraceBundle.CreateVerified(plan, whole.BugPreemptions!.Value, whole.Schedule, whole.Category!, whole.Message!).ToJson(), because);
            }
        }
    }

    [Fact]
    public void Parts_split_the_subtrees_among_themselves()
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load("fault-vs-fault"), "upstream");
        var options = new VerifyOptions { Preemptions = 2 };
        var parts = Enumerable.Range(0, 4).Select(p => VerifyParts.Run(plan, options, p, 4)).ToArray();
        foreach (var k in new[] { 0, 1, 2 })
        {
            var ranks = parts.SelectMany(p => p.Levels.Single(l => l.Preemptions == k).Ranks.Select(r => (p.Part, r.Rank))).ToArray();
            ranks.Select(r => r.Rank).Should().OnlyHaveUniqueItems("each subtree is one part's");
            ranks.Where(r => r.Rank >= 0).Should().OnlyContain(r => r.Rank % 4 == r.Part);
            ranks.Where(r => r.Rank < 0).Should().OnlyContain(r => r.Part == 0, "the default execution is part 0's");
        }
        parts.Count(p => p.Levels.Last().Ranks.Any(r => r.Executions > 0)).Should().Be(4, "every part has work at K=2");
    }
}
