using Hmm.Spec.Actors.Verification;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Verification;

/// <summary>
/// The reduction is sound: on small programs it reaches exactly the outcomes that enumerating every schedule
/// with at most K preemptions reaches, for K = 0..3, while running fewer executions.
/// </summary>
public sealed class ReductionSoundnessTests(ITestOutputHelper output)
{
    /// <summary>Fixed seeds of the random programs (a failure names its seed and program).</summary>
    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 40));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_reduced_search_reaches_every_outcome_of_the_bounded_search(int seed)
    {
        var program = SyntheticProgram.Random(seed);
        for (var k = 0; k <= 3; k++)
        {
            var all = program.Explore(k, reduce: false);
            var reduced = program.Explore(k, reduce: true);
            output.WriteLine($"seed {seed} K={k}: {all.Executions} executions unreduced, {reduced.Executions} reduced (+{reduced.Pruned} pruned), {all.Outcomes.Count} outcomes");
            reduced.Outcomes.Should().BeEquivalentTo(all.Outcomes, $"seed {seed}, K={k}, program {program}");
            reduced.Executions.Should().BeLessThanOrEqualTo(all.Executions);
        }
    }

    [Fact]
    public void The_random_programs_exercise_the_reduction_and_spins()
    {
        long saved = 0;
        var deadlocks = 0;
        var spins = 0;
        foreach (var seed in Enumerable.Range(1, 40))
        {
            var program = SyntheticProgram.Random(seed);
            var all = program.Explore(2, reduce: false);
            var reduced = program.Explore(2, reduce: true);
            saved += all.Executions - reduced.Executions;
            deadlocks += all.Outcomes.Any(o => o.StartsWith("[deadlock]", StringComparison.Ordinal)) ? 1 : 0;
            spins += program.Actors.Any(a => a.Any(op => op.Kind == SyntheticOpKind.Spin)) ? 1 : 0;
        }
        output.WriteLine($"executions saved at K=2: {saved}; programs with a deadlock: {deadlocks}; with a spin: {spins}");
        saved.Should().BePositive("the soundness test above would be vacuous if nothing were pruned");
        spins.Should().BePositive();
    }

    [Fact]
    public void A_lock_order_inversion_deadlocks_in_both_searches()
    {
        SyntheticOp[] Nested(int outer) =>
        [
            new(SyntheticOpKind.Read, 2), new(SyntheticOpKind.Lock, outer), new(SyntheticOpKind.Lock, 1 - outer),
            new(SyntheticOpKind.Write, outer), new(SyntheticOpKind.Unlock, 1 - outer), new(SyntheticOpKind.Unlock, outer),
        ];
        var program = new SyntheticProgram("abba", 3, 2, [Nested(0), Nested(1)]);
        program.Explore(0, reduce: true).Outcomes.Should().NotContain(o => o.StartsWith("[deadlock]", StringComparison.Ordinal), "without a preemption one actor takes both locks first");
        var all = program.Explore(1, reduce: false);
        var reduced = program.Explore(1, reduce: true);
        reduced.Outcomes.Should().Contain(o => o.StartsWith("[deadlock]", StringComparison.Ordinal), "one preemption between the two lock operations deadlocks");
        reduced.Outcomes.Should().BeEquivalentTo(all.Outcomes);
        reduced.Executions.Should().BeLessThan(all.Executions, "a preemption before the first read commutes with the other actor");
    }

    [Fact]
    public void Disjoint_actors_need_no_preemption_anywhere()
    {
        // Two actors on different cells: every schedule is equivalent to the one without preemptions.
        var ops = new SyntheticOp[] { new(SyntheticOpKind.Read, 0), new(SyntheticOpKind.Write, 0), new(SyntheticOpKind.Read, 0), new(SyntheticOpKind.Write, 0) };
        var other = ops.Select(o => o with { Target = 1 }).ToArray();
        var program = new SyntheticProgram("disjoint", 2, 0, [ops, other]);
        var all = program.Explore(2, reduce: false);
        var reduced = program.Explore(2, reduce: true);
        all.Executions.Should().BeGreaterThan(10);
        reduced.Executions.Should().Be(2, "one execution per actor that can start first; every preempted one is pruned");
        reduced.Outcomes.Should().BeEquivalentTo(all.Outcomes);
    }

    [Fact]
    public void A_conflicting_write_keeps_its_preemption()
    {
        // t0 reads cell 0 twice, t1 writes it once: a preemption between t0's reads is a distinct outcome.
        var program = new SyntheticProgram("read-write", 1, 0,
        [
            [new(SyntheticOpKind.Read, 0), new(SyntheticOpKind.Read, 0)],
            [new(SyntheticOpKind.Write, 0)],
        ]);
        var reduced = program.Explore(1, reduce: true);
        reduced.Outcomes.Should().Contain(o => o.Contains("seen=[0,2 |", StringComparison.Ordinal), "t1's write between t0's two reads");
    }

    [Fact]
    public void The_same_search_twice_gives_the_same_counts()
    {
        var program = SyntheticProgram.Random(7);
        var first = program.Explore(3, reduce: true);
        var second = program.Explore(3, reduce: true);
        (second.Executions, second.Pruned).Should().Be((first.Executions, first.Pruned));
        second.Outcomes.Should().BeEquivalentTo(first.Outcomes);
    }
}
