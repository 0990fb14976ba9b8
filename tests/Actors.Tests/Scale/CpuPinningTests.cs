using System.Diagnostics;
using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Verification;
using Hmm.Spec.Cli.Scale;

namespace Hmm.Spec.Actors.Tests.Scale;

/// <summary>Worker CPU pinning (docs/scaling.md, "CPU pinning"): which CPUs, claims between runs, inheritance; and the unit order.</summary>
public sealed class CpuPinningTests
{
    private static Func<int, bool> Free(params int[] taken) => cpu => !taken.Contains(cpu);

    [Fact]
    public void Workers_get_the_first_allowed_cpus_in_order()
    {
        CpuPinning.Assign([0, 1, 2, 3], 2, Free()).Should().Equal(0, 1);
        CpuPinning.Assign([3, 1, 2, 0], 4, Free()).Should().Equal(0, 1, 2, 3);
        CpuPinning.Assign([5, 9], 2, Free()).Should().Equal([5, 9], "a taskset or cpuset restriction is respected");
    }

    [Fact]
    public void Cpus_another_run_holds_are_skipped()
    {
        CpuPinning.Assign([0, 1, 2, 3], 2, Free(0, 2)).Should().Equal(1, 3);
        CpuPinning.Assign([0, 1, 2, 3], 3, Free(0, 2)).Should().BeNull("only two CPUs are free for three workers: nothing is pinned");
    }

    [Fact]
    public void One_worker_or_more_workers_than_cpus_are_not_pinned()
    {
        CpuPinning.Assign([0, 1], 1, Free()).Should().BeNull();
        CpuPinning.Assign([0, 1], 3, Free()).Should().BeNull();
        CpuPinning.Assign([0, 1], 2, Free()).Should().Equal(0, 1);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("off", true)]
    [InlineData(" False ", true)]
    [InlineData("no", true)]
    [InlineData("1", false)]
    [InlineData(null, false)]
    [InlineData("", false)]
    public void The_switch_turns_pinning_off(string? value, bool disabled) => CpuPinning.Disabled(value).Should().Be(disabled);

    [Fact]
    public void A_claimed_cpu_cannot_be_claimed_again_until_released()
    {
        if (!OperatingSystem.IsLinux())
            return; // claims are flock(2) files: Linux only, as pinning is
        var dir = Directory.CreateTempSubdirectory("hmm-cpu-claims-").FullName;
        try
        {
            using var first = new CpuClaims(dir);
            using var second = new CpuClaims(dir);
            first.TryClaim(0).Should().BeTrue();
            first.TryClaim(1).Should().BeTrue();
            second.TryClaim(0).Should().BeFalse("another run holds CPU 0");
            second.TryClaim(2).Should().BeTrue();
            first.KeepOnly([1]);
            first.Held.Should().Equal(1);
            second.TryClaim(0).Should().BeTrue("CPU 0 was released");
            second.TryClaim(1).Should().BeFalse();
            first.Dispose();
            second.TryClaim(1).Should().BeTrue("disposing releases every claim");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_process_started_on_a_cpu_has_only_that_cpu_and_the_thread_gets_its_mask_back()
    {
        if (!OperatingSystem.IsLinux() || CpuPinning.Allowed() is not { Count: >= 2 } allowed)
            return; // needs two CPUs to tell pinned from unpinned
        var cpu = allowed[^1];
        IReadOnlyList<int>? inside = null, after = null, before = null;
        string status = "";
        var thread = new Thread(() =>
        {
            before = CpuPinning.GetMask(0);
            using var p = CpuPinning.OnCpu(cpu, () =>
            {
                inside = CpuPinning.GetMask(0);
                return Process.Start(new ProcessStartInfo("cat", "/proc/self/status") { RedirectStandardOutput = true, UseShellExecute = false })!;
            });
            status = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            after = CpuPinning.GetMask(0);
        });
        thread.Start();
        thread.Join();
        inside.Should().Equal(cpu);
        after.Should().Equal(before, "the starting thread is unpinned again");
        status.Split('\n').Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
            .Split(':')[1].Trim().Should().Be($"{cpu}", "the child inherits the mask of the thread that started it");
    }

    [Fact]
    public void Stress_workers_are_never_pinned_the_controlled_commands_are()
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load("fault-vs-fault"), "seed");
        new StressWork(plan, 100, 5).Pinnable.Should().BeFalse("stress races real threads");
        new ExploreWork([plan], new ExploreOptions { Iterations = 10, OutDir = null }).Pinnable.Should().BeTrue();
        new VerifyWork([(plan, null)], new VerifyOptions { Preemptions = 1 }, 8, catalog: false).Pinnable.Should().BeTrue();
    }

    [Fact]
    public void OnCpu_without_a_cpu_just_runs()
    {
        var before = CpuPinning.GetMask(0);
        CpuPinning.OnCpu(null, () => CpuPinning.GetMask(0)).Should().Equal(before);
    }

    private sealed class CostedWork(double[] costs) : Work
    {
        public override string Command => "explore";

        public override IReadOnlyList<WorkUnit> Units { get; } = costs.Select((_, i) => new WorkUnit(i, $"u{i}", "c", "n", [])).ToArray();

        protected override JsonObject Options() => [];

        public override UnitOutcome Run(WorkUnit unit) => throw new InvalidOperationException("not run");

        public override double Cost(WorkUnit unit) => costs[unit.Index];
    }

    [Fact]
    public void Units_are_handed_out_costliest_first_ties_in_index_order()
    {
        var work = new CostedWork([1, 5, 3, 5, 0.5]);
        UnitOrder.LongestFirst(work, work.Units).Select(u => u.Index).Should().Equal(1, 3, 2, 0, 4);
        UnitOrder.LongestFirst(work, work.Units.Where(u => u.Index % 2 == 0).ToArray()).Select(u => u.Index)
            .Should().Equal([2, 0, 4], "a shard's units keep the same relative order");
    }

    [Fact]
    public void Explore_costs_grow_with_the_scenario_and_the_iterations()
    {
        var plans = BuiltinScenarios.LoadAll().Select(s => ScenarioPlan.Create(s, "seed")).ToArray();
        var work = new ExploreWork(plans, new ExploreOptions { Iterations = 100, OutDir = null });
        var order = UnitOrder.LongestFirst(work, work.Units);
        order.Select(u => u.Index).Order().Should().Equal(Enumerable.Range(0, plans.Length), "every unit once");
        var sizes = order.Select(u => plans[u.Index].Scenario.AllOps.Count()).ToArray();
        sizes.Should().BeInDescendingOrder("the scenarios with the most ops go first");
        sizes[0].Should().BeGreaterThan(sizes[^1]);
        var more = new ExploreWork(plans, new ExploreOptions { Iterations = 200, OutDir = null });
        more.Cost(more.Units[0]).Should().Be(2 * work.Cost(work.Units[0]));
    }

    private static VerifyShape Shape(int decisions, int branching, bool splitRoot = false) =>
        new(decisions, Enumerable.Range(0, branching).Select(r => new VerifyShape.Node(2, splitRoot && r == 0)).ToArray());

    [Fact]
    public void A_verify_part_with_lower_ranks_costs_more()
    {
        VerifyParts.PartCost(Shape(40, 30), 2, 0, 8).Should().BeGreaterThan(VerifyParts.PartCost(Shape(40, 30), 2, 7, 8));
        VerifyParts.PartCost(Shape(40, 30), 2, 0, 8).Should().BeGreaterThan(VerifyParts.PartCost(Shape(20, 30), 2, 0, 8), "longer executions cost more");
        VerifyParts.PartCost(Shape(40, 3), 2, 5, 8).Should().Be(40, "a part without a subtree runs the default execution only");
        VerifyParts.PartCost(Shape(40, 3, splitRoot: true), 2, 5, 8).Should().BeGreaterThan(40, "every part runs the first executions at a split node");
    }

    [Fact]
    public void A_split_root_spreads_the_estimate_over_the_parts()
    {
        var costs = Enumerable.Range(0, 8).Select(p => VerifyParts.PartCost(Shape(40, 30, splitRoot: true), 2, p, 8)).ToArray();
        var root = Math.Pow(30, 2) * 2 * 40;
        costs.Sum().Should().BeGreaterThan(root, "the root's subtree is most of the tree");
        costs.Max().Should().BeLessThan(root / 4, "and it is spread over the parts");
    }

    [Fact]
    public void Verify_hands_out_the_biggest_scenario_s_parts_first()
    {
        // truncate-vs-cow-fault is about 70% of verify --all at K=2 (docs/verification.md); fault-vs-fault is small.
        var plans = new[] { "fault-vs-fault", "truncate-vs-cow-fault" }
            .Select(n => (ScenarioPlan.Create(BuiltinScenarios.Load(n), "upstream"), (string?)null)).ToArray();
        var work = new VerifyWork(plans, new VerifyOptions { Preemptions = 2 }, 8, catalog: false);
        var order = UnitOrder.LongestFirst(work, work.Units);
        // Its root's subtree is split (docs/scaling.md), so all of its parts cost more than any of fault-vs-fault's.
        order.Take(8).Should().OnlyContain(u => u.Key.Contains("truncate-vs-cow-fault"));
        order.Last().Key.Should().Contain("fault-vs-fault");
    }
}
