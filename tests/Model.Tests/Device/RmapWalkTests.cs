using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// try_to_unmap → rmap_walk_anon → page_vma_mapped_walk → try_to_unmap_one on device-private entries (issue 12
/// item 7): the 2017 subpage arithmetic and soft-dirty test on a swap PTE, and the fix steps that remove them.
/// </summary>
public sealed class RmapWalkTests : ModelTest
{
    /// <summary>Fork while two pages are on the device, then B's read moves page 1 back: try_to_unmap reaches A's entry.</summary>
    private static KernelWorld ForkOnDevice(KernelWorld w)
    {
        MapAndFill(w, pages: 2);
        w.MigrateToDevice("A", 0, 2).Should().Be(2);
        w.Fork("A", "B").Should().Be(Errno.OK);
        return w;
    }

    [Fact]
    public void Seed_try_to_unmap_one_takes_the_pfn_of_a_device_private_swap_pte()
    {
        var w = ForkOnDevice(NewDeviceWorld("seed"));
        var v = ShouldViolate(w, () => w.UserRead("B", 1), ViolationCategory.PteTypeConfusion);
        v.Function.Should().Be("try_to_unmap_one");
        v.Message.Should().Contain("pte_pfn");
    }

    [Fact]
    public void Fix_rmap_subpage_still_tests_soft_dirty_with_the_present_pte_helper()
    {
        var w = ForkOnDevice(NewDeviceWorld("fix-rmap-subpage"));
        var v = ShouldViolate(w, () => w.UserRead("B", 1), ViolationCategory.PteTypeConfusion);
        v.Function.Should().Be("try_to_unmap_one");
        v.Message.Should().Contain("pte_soft_dirty");
    }

    [Theory]
    [InlineData("fix-rmap-soft-dirty")]
    [InlineData("fix-rmap-keep-write")]
    [InlineData("upstream")]
    public void After_both_fixes_the_other_mapping_becomes_a_migration_entry_and_moves_back(string variant)
    {
        var w = ForkOnDevice(NewDeviceWorld(variant));
        w.UserRead("B", 1).Should().Be(new AccessOutcome(101, Sig.None));
        IsPresent(w, "A", 1).Should().BeTrue("the walk found A's VMA through B's anon_vma chain");
        w.UserRead("A", 1).Should().Be(new AccessOutcome(101, Sig.None));
    }

    [Theory]
    [InlineData("fix-rmap-soft-dirty", false)]
    [InlineData("fix-rmap-keep-write", true)]
    public void The_migration_entry_keeps_write_only_from_the_v5_16_fix(string variant, bool keepsWrite)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: 1);
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        var page = w.Memmap.Find(EntryOf(w, "A", 0).Offset)!;
        w.is_write_device_entry(EntryOf(w, "A", 0)).Should().BeTrue();
        w.get_page(page, "test"); // the reference migration holds across the walk
        page.TryLock("test").Should().BeTrue();
        w.try_to_unmap(page).Should().Be(1);
        var entry = EntryOf(w, "A", 0);
        w.is_migration_entry(entry).Should().BeTrue();
        w.is_write_migration_entry(entry).Should().Be(keepsWrite);
        w.remove_migration_ptes(page, page, null);
        page.Unlock("test");
        w.put_page(page, "test");
        w.is_write_device_entry(EntryOf(w, "A", 0)).Should().Be(keepsWrite);
    }

    [Fact]
    public void The_walk_does_not_reach_a_vma_outside_the_pages_anon_vma_chain()
    {
        // A page first faulted in the child belongs to the child's anon_vma; the parent's VMA is not on its chain.
        var w = NewDeviceWorld("upstream");
        MapAndFill(w, pages: 1);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.UserWrite("B", 0, 7).Should().Be(Sig.None); // COW: B's new page, B's anon_vma
        var page = w.Memmap.Find(w.pte_pfn(PteOf(w, "B", 0), "test"))!;
        w.get_page(page, "test");
        page.TryLock("test").Should().BeTrue();
        w.try_to_unmap(page).Should().Be(1);
        IsPresent(w, "A", 0).Should().BeTrue("A maps its own page, not B's");
        w.remove_migration_ptes(page, page, null);
        page.Unlock("test");
        w.put_page(page, "test");
        w.UserRead("B", 0).Should().Be(new AccessOutcome(7, Sig.None));
    }
}
