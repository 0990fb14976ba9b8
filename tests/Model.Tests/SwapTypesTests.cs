using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>include/linux/swap.h and swapops.h arithmetic (seed hunks) over every config combination that can be built.</summary>
public sealed class SwapTypesTests : ModelTest
{
    public static TheoryData<bool, bool, bool, bool> AllConfigs()
    {
        var data = new TheoryData<bool, bool, bool, bool>();
        foreach (var c in KernelConfig.AllBuildable())
            data.Add(c.Migration, c.MemoryFailure, c.DeviceUnaddressable, c.Swap);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllConfigs))]
    public void Special_types_take_the_top_of_the_type_space_without_collisions(bool migration, bool memoryFailure, bool device, bool swap)
    {
        var config = new KernelConfig(migration, memoryFailure, device, swap);
        var s = new SwapTypes(config, KernelVariants.Seed);
        var taken = (migration ? 2 : 0) + (memoryFailure ? 1 : 0) + (device ? 2 : 0);
        s.MAX_SWAPFILES.Should().Be(32 - taken);
        s.Collisions().Should().BeEmpty();
        var special = s.SpecialTypes.Select(t => t.Type).OrderBy(t => t).ToList();
        special.Should().Equal(Enumerable.Range(s.MAX_SWAPFILES, taken));
        if (memoryFailure) s.SWP_HWPOISON.Should().Be(s.MAX_SWAPFILES);
        if (migration) s.SWP_MIGRATION_WRITE.Should().Be(s.SWP_MIGRATION_READ + 1);
        if (device)
        {
            s.SWP_DEVICE_WRITE.Should().Be(s.MAX_SWAPFILES + s.SWP_HWPOISON_NUM + s.SWP_MIGRATION_NUM);
            s.SWP_DEVICE.Should().Be(s.SWP_DEVICE_WRITE + 1);
            s.SWP_DEVICE.Should().Be(31);
        }
        // Every real swap type is a swap entry, every special one is not.
        for (var t = 0; t < 32; t++)
            s.non_swap_entry(SwapEntry.swp_entry(t, 5)).Should().Be(t >= s.MAX_SWAPFILES);
    }

    [Fact]
    public void Only_the_twelve_buildable_combinations_are_enumerated()
    {
        var all = KernelConfig.AllBuildable().ToList();
        all.Should().HaveCount(12);
        all.Should().NotContain(c => c.DeviceUnaddressable && !c.Migration, "DEVICE_UNADDRESSABLE -> ZONE_DEVICE -> MEMORY_HOTREMOVE -> MIGRATION");
        all.Should().Contain(c => !c.DeviceUnaddressable && !c.Migration);
    }

    [Fact]
    public void Default_config_numbers()
    {
        var s = new SwapTypes(KernelConfig.Default, KernelVariants.Seed);
        (s.MAX_SWAPFILES, s.SWP_HWPOISON, s.SWP_MIGRATION_READ, s.SWP_MIGRATION_WRITE, s.SWP_DEVICE_WRITE, s.SWP_DEVICE)
            .Should().Be((27, 27, 28, 29, 30, 31));
    }

    [Theory]
    [MemberData(nameof(AllConfigs))]
    public void Device_entry_helpers_per_config(bool migration, bool memoryFailure, bool device, bool swap)
    {
        var s = new SwapTypes(new KernelConfig(migration, memoryFailure, device, swap), KernelVariants.Seed);
        var w = s.make_device_entry(1234, write: true);
        var r = s.make_device_entry(1234, write: false);
        if (device)
        {
            s.is_device_entry(w).Should().BeTrue();
            s.is_write_device_entry(w).Should().BeTrue();
            s.is_device_entry(r).Should().BeTrue();
            s.is_write_device_entry(r).Should().BeFalse();
            s.make_device_entry_read(w).Should().Be(r);
            w.Offset.Should().Be(1234);
            s.is_migration_entry(w).Should().BeFalse();
            s.is_hwpoison_entry(w).Should().BeFalse();
        }
        else
        {
            w.Should().Be(SwapEntry.swp_entry(0, 0));
            s.is_device_entry(w).Should().BeFalse();
            s.is_write_device_entry(w).Should().BeFalse();
        }
        var m = s.make_migration_entry(77, write: true);
        s.is_migration_entry(m).Should().Be(migration);
        s.is_device_entry(m).Should().BeFalse();
        // The !CONFIG_SWAP macros (seed hunk): free_swap_and_cache(e) = is_migration_entry(e) || is_device_entry(e).
        s.free_swap_and_cache_noswap(w).Should().Be(device);
        s.swapcache_prepare_noswap(m).Should().Be(migration);
        s.free_swap_and_cache_noswap(SwapEntry.swp_entry(0, 9)).Should().BeFalse();
    }

    [Fact]
    public void Swap_entry_packs_type_in_the_top_five_bits()
    {
        var e = SwapEntry.swp_entry(31, 0x1234);
        e.Val.Should().Be((31UL << 59) | 0x1234);
        e.Type.Should().Be(31);
        e.Offset.Should().Be(0x1234);
    }

    [Fact]
    public void Device_entries_round_trip_through_the_pte_with_soft_dirty()
    {
        var w = NewWorld();
        var e = w.Swp.make_device_entry(4097, write: true);
        var pte = w.swp_entry_to_pte(e, "test");
        pte.IsSwap.Should().BeTrue();
        ((pte.Raw >> Pte.SWP_TYPE_FIRST_BIT) & 31).Should().Be(30UL);
        var sd = w.pte_swp_mksoft_dirty(pte, "test");
        w.pte_swp_soft_dirty(sd, "test").Should().BeTrue();
        w.pte_to_swp_entry(sd, "test").Should().Be(e);
    }

    [Fact]
    public void Mutant_max_swapfiles_not_reduced_collides_and_the_invariant_catches_it()
    {
        var s = new SwapTypes(KernelConfig.Default, KernelVariants.Get("mutant-max-swapfiles-not-reduced"));
        s.MAX_SWAPFILES.Should().Be(29);
        s.Collisions().Should().NotBeEmpty();
        // SWP_DEVICE (33) overflows the 5-bit field: a device entry reads back as swap file 1.
        s.make_device_entry(5, write: false).Type.Should().Be(1);
        var w = NewWorld("mutant-max-swapfiles-not-reduced");
        ShouldViolate(w, w.CheckInvariants, ViolationCategory.SwapTypeCollision);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Seed_and_upstream_have_no_swap_type_collisions(string variant)
    {
        foreach (var c in KernelConfig.AllBuildable())
            new SwapTypes(c, KernelVariants.Get(variant)).Collisions().Should().BeEmpty(c.ToString());
    }
}
