using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>zap_pte_range from munmap, exit, madvise(MADV_DONTNEED) and with zap_details, on every entry type.</summary>
public sealed class ZapTests : ModelTest
{
    public enum Path { Munmap, Exit, Dontneed }

    private static void Zap(KernelWorld w, Path path, string mm, int page, int pages)
    {
        switch (path)
        {
            case Path.Munmap: w.Munmap(mm, page, pages).Should().Be(Errno.OK); break;
            case Path.Exit: w.Exit(mm).Should().Be(Errno.OK); break;
            case Path.Dontneed: w.MadviseDontneed(mm, page, pages).Should().Be(Errno.OK); break;
        }
    }

    [Theory]
    [InlineData(Path.Munmap)]
    [InlineData(Path.Exit)]
    [InlineData(Path.Dontneed)]
    public void Present_swap_and_device_entries_are_all_released(Path path)
    {
        var (w, dev) = NewWorldWithDevice();
        MapAndFill(w, "A", 4);
        w.swap_out_page("A", 1).Should().BeTrue();
        var dpage = dev.PlaceDeviceEntry("A", 2, write: true);
        dev.PlaceDeviceEntry("A", 3, write: false);
        Zap(w, path, "A", 0, 4);
        dpage.State.Should().Be(PageState.Free);
        dev.FreeCount.Should().Be(8);
        w.SwapArea.Slots.Should().BeEmpty();
        w.Buddy.FreeCount.Should().Be(16);
        foreach (MmCounter c in Enum.GetValues<MmCounter>())
            w.Mms["A"].RssRaw(c).Should().Be(0);
        if (path == Path.Dontneed)
            w.UserRead("A", 2).Value.Should().Be(0, "MADV_DONTNEED drops the data; the next fault gives a zero page");
    }

    [Fact]
    public void Exit_of_everything_leaves_no_leak()
    {
        var (w, dev) = NewWorldWithDevice();
        MapAndFill(w, "A", 3);
        MapAndFill(w, "A", 2, shared: true, start: 8);
        dev.PlaceDeviceEntry("A", 0);
        w.swap_out_page("A", 1);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.UserWrite("B", 2, 3).Should().Be(Sig.None);
        w.Exit("A").Should().Be(Errno.OK);
        w.Exit("B").Should().Be(Errno.OK);
        w.CheckLeaks();
        w.Exit("A").Should().Be(Errno.EINVAL);
        w.Mmap("A", 0, 1, VmProt.Read, false).Should().Be(Errno.EINVAL, "names of exited mms are not reused");
    }

    [Fact]
    public void Leak_check_catches_a_page_nobody_maps()
    {
        var w = NewWorld();
        w.Buddy.alloc_page("test").Should().NotBeNull();
        ShouldViolate(w, w.CheckLeaks, ViolationCategory.RefcountMismatch);
    }

    [Fact]
    public void Partial_munmap_splits_the_vma_and_keeps_the_rest()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 4);
        w.Munmap("A", 1, 2).Should().Be(Errno.OK);
        w.UserRead("A", 1).Signal.Should().Be(Sig.SIGSEGV);
        w.UserRead("A", 3).Value.Should().Be(103);
        w.Mms["A"].Vmas.Should().HaveCount(2);
        w.Mms["A"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(2);
    }

    [Fact]
    public void Madvise_over_a_hole_is_enomem_after_zapping_the_mapped_part()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 2);
        w.MadviseDontneed("A", 0, 4).Should().Be(Errno.ENOMEM);
        PteOf(w, "A", 0).IsNone.Should().BeTrue();
    }

    [Fact]
    public void Migration_entries_are_zapped_with_rss()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 1);
        var mm = w.Mms["A"];
        var page = w.pfn_to_page(w.pte_pfn(PteOf(w, "A", 0), "test"), "test");
        page.Lock("test");
        mm.Ptl.Lock("test");
        mm.WritePte(0, w.swp_entry_to_pte(w.make_migration_entry(page, true), "test"), "test");
        w.page_remove_rmap(page, false, "test");
        mm.Ptl.Unlock("test");
        w.MadviseDontneed("A", 0, 1).Should().Be(Errno.OK);
        mm.RssRaw(MmCounter.MM_ANONPAGES).Should().Be(0);
        page.Unlock("test");
        w.put_page(page, "test"); // the migrator's reference: the page is freed
        page.State.Should().Be(PageState.Free);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Details_without_check_mapping_zap_device_entries_but_leave_swap(string variant)
    {
        var (w, dev) = NewWorldWithDevice(variant);
        MapAndFill(w, "A", 2);
        dev.PlaceDeviceEntry("A", 0);
        w.swap_out_page("A", 1);
        var vma = w.Mms["A"].find_vma(0)!;
        w.zap_page_range_single(vma, 0, 2, new ZapDetails(CheckMapping: null));
        PteOf(w, "A", 0).IsNone.Should().BeTrue("the seed zaps device entries whatever details says");
        PteOf(w, "A", 1).IsSwap.Should().BeTrue("with details, swap entries are left");
    }

    [Fact]
    public void Details_with_another_mapping_keep_the_device_entry()
    {
        var (w, dev) = NewWorldWithDevice();
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0);
        var vma = w.Mms["A"].find_vma(0)!;
        w.zap_page_range_single(vma, 0, 1, new ZapDetails(CheckMapping: new ShmemFile("other")));
        PteOf(w, "A", 0).IsSwap.Should().BeTrue();
        w.zap_page_range_single(vma, 0, 1, new ZapDetails(CheckMapping: vma.AnonVma));
        PteOf(w, "A", 0).IsNone.Should().BeTrue("check_mapping equal to the page's anon_vma zaps it");
    }

    [Fact]
    public void Mutant_zap_skips_device_entries_with_details_leaves_them()
    {
        var (w, dev) = NewWorldWithDevice("mutant-zap-skips-device-entries-with-details");
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0);
        var vma = w.Mms["A"].find_vma(0)!;
        w.zap_page_range_single(vma, 0, 1, new ZapDetails(CheckMapping: null));
        PteOf(w, "A", 0).IsSwap.Should().BeTrue("the mutant leaves the device entry behind");
    }

    [Fact]
    public void Mutant_zap_skips_rss_decrement_breaks_rss()
    {
        var (w, dev) = NewWorldWithDevice("mutant-zap-skips-rss-decrement");
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0);
        w.Munmap("A", 0, 1).Should().Be(Errno.OK);
        ShouldViolate(w, w.CheckInvariants, ViolationCategory.RssMismatch);
    }

    [Fact]
    public void Mutant_zap_skips_put_page_leaks_the_device_page()
    {
        var (w, dev) = NewWorldWithDevice("mutant-zap-skips-put-page");
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0);
        w.Munmap("A", 0, 1).Should().Be(Errno.OK);
        dev.FreeCount.Should().Be(7);
        ShouldViolate(w, w.CheckInvariants, ViolationCategory.RefcountMismatch);
    }

    [Fact]
    public void Without_config_swap_the_macros_accept_migration_and_device_entries()
    {
        var (w, dev) = NewWorldWithDevice(config: KernelConfig.Default with { Swap = false });
        MapAndFill(w, "A", 2);
        w.swap_out_page("A", 1).Should().BeFalse("no swap without CONFIG_SWAP");
        dev.PlaceDeviceEntry("A", 0);
        var mm = w.Mms["A"];
        var page = w.pfn_to_page(w.pte_pfn(PteOf(w, "A", 1), "test"), "test");
        page.Lock("test");
        mm.Ptl.Lock("test");
        mm.WritePte(1, w.swp_entry_to_pte(w.make_migration_entry(page, false), "test"), "test");
        w.page_remove_rmap(page, false, "test");
        mm.Ptl.Unlock("test");
        w.SwapArea.free_swap_and_cache(w.make_migration_entry(page, false)).Should().BeTrue();
        w.SwapArea.free_swap_and_cache(SwapEntry.swp_entry(0, 3)).Should().BeFalse();
        w.Munmap("A", 0, 2).Should().Be(Errno.OK);
        w.Steps.Should().NotContain(s => s.Detail.Contains("Bad page map"));
        page.Unlock("test");
        w.put_page(page, "test");
        dev.FreeCount.Should().Be(8);
    }
}
