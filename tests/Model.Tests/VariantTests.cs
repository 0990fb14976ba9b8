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
        .Where(p => p.CanWrite && p.Name is not (nameof(KernelVariant.Name) or nameof(KernelVariant.Description) or nameof(KernelVariant.Commit)))
        .ToArray();

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
