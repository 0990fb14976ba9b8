using Hmm.Spec.Actors.Catalog;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Tests.Cli;
using Hmm.Spec.Actors.Verification;
using Hmm.Spec.Cli.Scale;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Tests.Scale;

/// <summary>The work units: a fixed list for given options, and shards that split it completely.</summary>
public sealed class UnitPartitionTests
{
    private static ScenarioPlan[] AllPlans(string variant) =>
        BuiltinScenarios.LoadAll().Select(s => ScenarioPlan.Create(s, variant)).ToArray();

    private static IEnumerable<Work> Works()
    {
        yield return new ExploreWork(AllPlans("seed"), new ExploreOptions { Iterations = 100, OutDir = null });
        yield return new VerifyWork(AllPlans("upstream").Take(5).Select(p => (p, (string?)null)).ToArray(), new VerifyOptions { Preemptions = 2 }, 8, catalog: false);
        yield return new CatalogWork(BugCatalog.Entries, new CatalogSettings());
        yield return new StressWork(AllPlans("seed")[0], 1000, 30);
    }

    [Fact]
    public void Every_unit_is_in_exactly_one_shard_for_any_shard_count()
    {
        foreach (var work in Works())
        {
            var all = work.Units.Select(u => u.Index).ToArray();
            all.Should().Equal(Enumerable.Range(0, work.Units.Count), "units are numbered in order");
            foreach (var n in new[] { 1, 2, 3, 5, 8, 64 })
            {
                var shards = Enumerable.Range(0, n).Select(i => work.Units.Where(u => new ShardId(i, n).Holds(u.Index)).Select(u => u.Index).ToArray()).ToArray();
                shards.SelectMany(s => s).Order().Should().Equal(all, $"{work.Command}: the {n} shards cover every unit once");
                (shards.Max(s => s.Length) - shards.Min(s => s.Length)).Should().BeLessThanOrEqualTo(1, "shards differ by at most one unit");
            }
        }
    }

    [Fact]
    public void The_unit_list_and_its_digest_are_the_same_every_time_and_change_with_the_options()
    {
        var first = Works().ToArray();
        var second = Works().ToArray();
        foreach (var (a, b) in first.Zip(second))
        {
            a.Units.Select(u => u.Key).Should().Equal(b.Units.Select(u => u.Key));
            a.Hash.Should().Be(b.Hash, $"{a.Command}: the same options give the same work");
        }
        var other = new ExploreWork(AllPlans("seed"), new ExploreOptions { Iterations = 101, OutDir = null });
        other.Hash.Should().NotBe(first[0].Hash, "the iteration budget decides the results");
        var otherOut = new ExploreWork(AllPlans("seed"), new ExploreOptions { Iterations = 100, OutDir = "elsewhere" });
        otherOut.Hash.Should().Be(first[0].Hash, "where bundles go does not");
        first[0].Units.Should().HaveCount(BuiltinScenarios.Names.Count, "explore: one unit per scenario");
        first[1].Units.Should().HaveCount(5 * 8, "verify: parts per scenario");
    }

    [Theory]
    [InlineData("3/3")]
    [InlineData("-1/2")]
    [InlineData("1/0")]
    [InlineData("x")]
    [InlineData("1/2/3")]
    [InlineData("")]
    public void A_bad_shard_is_one_line_and_exit_2(string shard)
    {
        FluentActions.Invoking(() => ShardId.Parse(shard)).Should().Throw<InputError>();
        CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--shard", shard, "--results", Path.Combine(Path.GetTempPath(), "unused.json"))
            .ShouldBeBadInput("--shard");
    }

    [Fact]
    public void Scale_options_are_checked()
    {
        CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--shard", "0/2").ShouldBeBadInput("--shard", "--results");
        CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--jobs", "0").ShouldBeBadInput("--jobs");
        CliRunner.Run("verify", "--scenario", "fault-vs-fault", "--parts", "0").ShouldBeBadInput("--parts");
        CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--results", "/nonexistent-dir/r.json").ShouldBeBadInput("--results");
        ShardId.Parse(" 2 / 5 ").Should().Be(new ShardId(2, 5));
    }
}
