using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// Issue 12, item 3: an access to a free struct page whose memmap still exists (<c>use-after-free</c>) is told
/// apart from an access to a removed memmap (<c>memmap-gone</c>), and a stale pointer that lands on a page freed
/// and allocated again (ABA: the driver hands out the lowest free pfn first) is still caught through the page's
/// allocation generation. Item 8: what a device page keeps when it is freed, per era.
/// </summary>
public sealed class StalePageTests : ModelTest
{
    /// <summary>A:0 on device pfn 1024, A:1 in RAM; cpu0 holds a bare pointer to pfn 1024 (as do_swap_page's lockless read).</summary>
    private (KernelWorld W, Page Stale) StalePointer(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: 2);
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        Page stale;
        using (w.EnterActor("cpu0"))
            stale = w.pfn_to_page(DeviceStart);
        w.MigrateToSystem("A", 0, 1).Should().Be(1);
        return (w, stale);
    }

    [Fact]
    public void Reading_pgmap_of_a_free_device_page_is_use_after_free_not_memmap_gone()
    {
        var (w, stale) = StalePointer("seed");
        stale.State.Should().Be(PageState.Free);
        using (w.EnterActor("cpu0"))
        {
            var v = ShouldViolate(w, () => stale.ReadPgmap("device_entry_fault"), ViolationCategory.UseAfterFree);
            v.Detail.Should().Contain("free page");
        }
    }

    [Fact]
    public void A_stale_pointer_to_a_reallocated_device_page_is_still_use_after_free()
    {
        var (w, stale) = StalePointer("seed");
        // The driver's next allocation takes the lowest free pfn: the one cpu0 still points at.
        w.MigrateToDevice("A", 1, 1).Should().Be(1);
        IsDeviceEntry(w, "A", 1).Should().BeTrue();
        stale.State.Should().Be(PageState.InUse, "the page was handed out again, so the liveness check alone passes");
        w.Device!.FreePfns.Should().NotContain(DeviceStart);
        using (w.EnterActor("cpu0"))
        {
            var v = ShouldViolate(w, () => stale.ReadPgmap("device_entry_fault"), ViolationCategory.UseAfterFree);
            v.Detail.Should().Contain("allocated again").And.Contain("allocation 1 -> 2");
        }
    }

    [Fact]
    public void A_stale_pointer_to_a_reallocated_system_page_is_use_after_free()
    {
        var w = NewDeviceWorld("upstream");
        MapAndFill(w, pages: 1);
        var pfn = w.pte_pfn(w.Mms["A"].PageTableRaw[0], "test");
        Page stale;
        using (w.EnterActor("cpu0"))
            stale = w.pfn_to_page(pfn);
        w.Munmap("A", 0, 1).Should().Be(Errno.OK);
        MapAndFill(w, pages: 1, start: 4);
        w.pte_pfn(w.Mms["A"].PageTableRaw[4], "test").Should().Be(pfn, "the buddy handed the same page out again");
        using (w.EnterActor("cpu0"))
            ShouldViolate(w, () => stale.ReadContents("copy_user_highpage"), ViolationCategory.UseAfterFree);
    }

    [Fact]
    public void A_fresh_lookup_after_reallocation_and_other_cpus_pointers_are_not_stale()
    {
        var (w, stale) = StalePointer("seed");
        w.MigrateToDevice("A", 1, 1).Should().Be(1);
        // The CPU that allocated the page (main here) holds it as it is now.
        stale.ReadPgmap("test").Should().BeSameAs(w.Device!.Pgmap);
        using (w.EnterActor("cpu0"))
        {
            var fresh = w.pfn_to_page(DeviceStart);
            fresh.Should().BeSameAs(stale);
            fresh.ReadPgmap("test").Should().BeSameAs(w.Device.Pgmap, "a new lookup captures the new allocation");
        }
        using (w.EnterActor("cpu1"))
            stale.ReadRefcount("test").Should().Be(2, "cpu1 never looked the page up, so it holds no stale pointer");
    }

    [Fact]
    public void An_op_boundary_forgets_the_previous_ops_pointers()
    {
        var (w, stale) = StalePointer("seed");
        w.MigrateToDevice("A", 1, 1).Should().Be(1);
        using (w.EnterActor("cpu0"))
        {
            w.ForgetPagePointers();
            stale.ReadRefcount("test").Should().Be(2);
        }
    }

    [Fact]
    public void Touching_a_removed_memmap_is_memmap_gone()
    {
        var w = NewDeviceWorld("v4.14-teardown");
        MapAndFill(w, pages: 1);
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        Page page;
        using (w.EnterActor("cpu0"))
            page = w.pfn_to_page(DeviceStart);
        w.DeviceRemove().Should().Be(Errno.OK);
        page.State.Should().Be(PageState.Offline);
        using (w.EnterActor("cpu0"))
        {
            ShouldViolate(w, () => page.ReadPgmap("device_entry_fault"), ViolationCategory.MemmapGone);
            ShouldViolate(w, () => w.pfn_to_page(DeviceStart, "device_entry_to_page"), ViolationCategory.MemmapGone);
        }
    }

    [Fact]
    public void A_pfn_that_never_had_a_struct_page_is_no_struct_page()
    {
        var w = NewDeviceWorld("seed");
        ShouldViolate(w, () => w.pfn_to_page(4096, "vm_normal_page"), ViolationCategory.NoStructPage);
    }

    // ---------------- item 8: page state on free ----------------

    [Theory]
    [InlineData("seed")]
    [InlineData("v4.14-teardown")]
    [InlineData("fix-teardown-wait")]
    public void A_freed_device_page_keeps_mapping_index_and_pgmap_until_ef233450898f(string variant)
    {
        var (w, page) = StalePointer(variant);
        page.State.Should().Be(PageState.Free);
        page.MappingRaw.Should().BeSameAs(w.Mms["A"].Vmas[0].AnonVma, "put_zone_device_page and the driver's page_free clear nothing");
        page.IndexRaw.Should().Be(0);
        page.PgmapRaw.Should().BeSameAs(w.Device!.Pgmap);
        // Allocation does not clear it either; the migration overwrites it with the source page's mapping + index.
        w.MigrateToDevice("A", 1, 1).Should().Be(1);
        page.MappingRaw.Should().BeSameAs(w.Mms["A"].Vmas[0].AnonVma);
        page.IndexRaw.Should().Be(1);
    }

    [Theory]
    [InlineData("fix-teardown-refzero")]
    [InlineData("upstream")]
    public void Free_zone_device_page_clears_mapping_before_page_free(string variant)
    {
        var (w, page) = StalePointer(variant);
        page.State.Should().Be(PageState.Free);
        page.MappingRaw.Should().BeNull("free_zone_device_page sets page->mapping = NULL before page_free");
        page.PgmapRaw.Should().BeSameAs(w.Device!.Pgmap, "pgmap is set once when the memmap is initialised");
    }

    [Fact]
    public void A_freed_system_page_loses_its_mapping()
    {
        var w = NewDeviceWorld("seed");
        MapAndFill(w, pages: 1);
        var page = w.Memmap.Find(w.pte_pfn(w.Mms["A"].PageTableRaw[0], "test"))!;
        page.MappingRaw.Should().NotBeNull();
        w.Munmap("A", 0, 1).Should().Be(Errno.OK);
        page.State.Should().Be(PageState.Free);
        page.MappingRaw.Should().BeNull("free_pages_prepare clears page->mapping");
    }
}
