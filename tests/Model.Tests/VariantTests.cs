using System.Reflection;
using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>The variant table: names, cumulative fixes, mutants as upstream plus exactly one point.</summary>
public sealed class VariantTests
{
    [Fact]
    public void Named_variants_exist_and_resolve()
    {
        foreach (var name in new[] { "seed", "fix-fault-ref", "fix-fault-trylock", "fix-fault-trylock-wait", "fix-teardown-wait", "fix-teardown-refzero", "fix-teardown-evict", "upstream" })
        {
            KernelVariants.TryGet(name, out var v).Should().BeTrue(name);
            v.Name.Should().Be(name);
        }
        KernelVariants.TryGet("nope", out _).Should().BeFalse();
        KernelVariants.All.Select(v => v.Name).Should().OnlyHaveUniqueItems();
        KernelVariants.All.Should().OnlyContain(v => !string.IsNullOrWhiteSpace(v.Description));
    }

    [Fact]
    public void Fixes_are_cumulative_and_upstream_has_all()
    {
        KernelVariants.Get("fix-fault-trylock-wait").Fault.Should().Be(FaultProtocol.TrylockWaitForUnlock);
        KernelVariants.Get("fix-fault-ref").Commit.Should().Be("16ce101db85d");
        var evict = KernelVariants.Get("fix-teardown-evict");
        (evict.TeardownWaitsForPageRefs, evict.FreeDevicePagesAtRefcountZero, evict.ReleaseEvictsMappedPages).Should().Be((true, true, true));
        evict.Fault.Should().Be(FaultProtocol.Lockless);
        var up = KernelVariants.Upstream;
        (up.Fault, up.TeardownWaitsForPageRefs, up.FreeDevicePagesAtRefcountZero, up.ReleaseEvictsMappedPages).Should().Be((FaultProtocol.TrylockWaitForUnlock, true, true, true));
    }

    private static readonly PropertyInfo[] Points = typeof(KernelVariant).GetProperties()
        .Where(p => p.CanWrite && p.Name is not (nameof(KernelVariant.Name) or nameof(KernelVariant.Description) or nameof(KernelVariant.Commit) or nameof(KernelVariant.Base)))
        .ToArray();

    /// <summary>
    /// Fix steps branch per path (docs/kernel-model.md, "Variants"): each names the variant it is built on, an
    /// earlier one, and changes at least one point of it; what the last step of each path changes, upstream has.
    /// </summary>
    [Fact]
    public void Fix_steps_branch_per_path_from_their_base_and_upstream_has_each_step()
    {
        var all = KernelVariants.All.ToList();
        var steps = all.Where(v => v.Base is not null).ToList();
        steps.Select(v => v.Name).Should().Contain(["fix-fault-ref", "fix-collect-flush", "fix-rmap-keep-write", "fix-teardown-evict"]);
        all.Where(v => v.Base is null).Select(v => v.Name).Should().Contain(["seed", "upstream"]).And.Contain(KernelVariants.Mutants.Select(m => m.Name));
        foreach (var step in steps)
        {
            var basis = KernelVariants.Get(step.Base!);
            all.IndexOf(basis).Should().BeLessThan(all.IndexOf(step), $"{step.Name} is listed after its base {basis.Name}");
            var changed = Points.Where(p => !Equals(p.GetValue(step), p.GetValue(basis))).ToList();
            changed.Should().NotBeEmpty($"{step.Name} changes something of {basis.Name}");
        }
        // A path's last step (no step is built on it) is in upstream: everything it changed from seed, upstream has.
        foreach (var last in steps.Where(s => steps.All(o => o.Base != s.Name)))
        {
            foreach (var p in Points.Where(p => !Equals(p.GetValue(last), p.GetValue(KernelVariants.Seed))))
                p.GetValue(KernelVariants.Upstream).Should().Be(p.GetValue(last), $"upstream has {last.Name}'s {p.Name}");
        }
        // Not one chain: several paths start from seed.
        steps.Count(s => s.Base == "seed").Should().BeGreaterThan(5);
    }

    [Fact]
    public void Each_mutant_is_upstream_plus_exactly_one_point()
    {
        KernelVariants.Mutants.Should().HaveCount(14);
        foreach (var m in KernelVariants.Mutants)
        {
            m.Name.Should().StartWith("mutant-");
            m.IsMutant.Should().BeTrue();
            var differing = Points.Where(p => !Equals(p.GetValue(m), p.GetValue(KernelVariants.Upstream))).Select(p => p.Name).ToList();
            differing.Should().ContainSingle(m.Name);
        }
    }
}
