using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>smaps_pte_entry, smaps_hugetlb_range and pte_to_pagemap_entry on every entry type.</summary>
public sealed class ProcTests : ModelTest
{
    [Fact]
    public void Smaps_counts_present_swap_and_device_pages()
    {
        var (w, dev) = NewWorldWithDevice();
        MapAndFill(w, "A", 4);
        w.swap_out_page("A", 1);
        dev.PlaceDeviceEntry("A", 2);
        MapAndFill(w, "A", 2, shared: true, start: 8);
        w.Smaps("A").Should().Be(new SmapsOutcome(Rss: 5, Anon: 3, Swap: 1));
        w.Smaps("nobody").Should().Be(new SmapsOutcome(0, 0, 0));
    }

    [Fact]
    public void Smaps_counts_migration_entries_as_resident()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 1);
        var mm = w.Mms["A"];
        var pte = PteOf(w, "A", 0);
        var page = w.pfn_to_page(w.pte_pfn(pte, "test"), "test");
        page.Lock("test");
        mm.Ptl.Lock("test");
        mm.WritePte(0, w.swp_entry_to_pte(w.make_migration_entry(page, false), "test"), "test");
        mm.Ptl.Unlock("test");
        w.Smaps("A").Should().Be(new SmapsOutcome(1, 1, 0));
        w.Pagemap("A", 0).Should().Be(new PagemapOutcome(false, true, w.Swp.SWP_MIGRATION_READ, true, false, w.Swp.SWP_MIGRATION_READ + (page.Pfn << 5)));
        mm.Ptl.Lock("test");
        mm.WritePte(0, pte, "test");
        mm.Ptl.Unlock("test");
        page.Unlock("test");
    }

    [Fact]
    public void Pagemap_flags_for_each_entry_type()
    {
        var (w, dev) = NewWorldWithDevice();
        MapAndFill(w, "A", 4);
        w.Mmap("A", 5, 1, VmProt.Read, false);
        w.swap_out_page("A", 1);
        dev.PlaceDeviceEntry("A", 2, write: true);
        dev.PlaceDeviceEntry("A", 3, write: false);
        MapAndFill(w, "A", 1, shared: true, start: 8);

        // Frames as an unprivileged reader of v4.11 sees them: 0 for present pages, type | offset << 5 for swap PTEs.
        w.Pagemap("A", 0).Should().Be(new PagemapOutcome(true, false, -1, true, false, 0));
        w.Pagemap("A", 1).Should().Be(new PagemapOutcome(false, true, 0, false, false, EntryOf(w, "A", 1).Offset << 5));
        w.Pagemap("A", 2).Should().Be(new PagemapOutcome(false, true, w.Swp.SWP_DEVICE_WRITE, true, false, w.Swp.SWP_DEVICE_WRITE + (EntryOf(w, "A", 2).Offset << 5)));
        w.Pagemap("A", 3).Should().Be(new PagemapOutcome(false, true, w.Swp.SWP_DEVICE, true, false, w.Swp.SWP_DEVICE + (EntryOf(w, "A", 3).Offset << 5)));
        w.Pagemap("A", 5).Should().Be(new PagemapOutcome(false, false, -1, false, false), "none PTE in a VMA");
        w.Pagemap("A", 7).Should().Be(new PagemapOutcome(false, false, -1, false, false), "hole");
        w.Pagemap("A", 8).Should().Be(new PagemapOutcome(true, false, -1, true, true), "shmem pages are not anonymous");
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.Pagemap("A", 0).Exclusive.Should().BeFalse("shared with the child after fork");
        w.Pagemap("B", 3).Exclusive.Should().BeFalse();
    }

    [Fact]
    public void Smaps_hugetlb_range_classifies_device_pages_by_mapcount()
    {
        var (w, dev) = NewWorldWithDevice();
        MapAndFill(w, "A", 2);
        dev.PlaceDeviceEntry("A", 0);
        var vma = w.Mms["A"].find_vma(0)!;
        w.smaps_hugetlb_range(vma, 0, new MemSizeStats(), out var shared, out var priv);
        (shared, priv).Should().Be((0, 1));
        w.smaps_hugetlb_range(vma, 1, new MemSizeStats(), out shared, out priv);
        (shared, priv).Should().Be((0, 1), "a present page mapped once");
        w.Mmap("A", 4, 1, VmProt.Read, false);
        w.smaps_hugetlb_range(w.Mms["A"].find_vma(4)!, 4, new MemSizeStats(), out shared, out priv);
        (shared, priv).Should().Be((0, 0), "a none PTE names no page");
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.smaps_hugetlb_range(vma, 0, new MemSizeStats(), out shared, out priv);
        (shared, priv).Should().Be((1, 0));
    }

    [Theory]
    [InlineData("seed", true)]
    [InlineData("fix-pagemap-hide-swap", false)]
    [InlineData("upstream", false)]
    public void Pagemap_frame_depends_on_the_reader_and_the_era(string variant, bool unprivilegedSeesSwapFrames)
    {
        var (w, dev) = NewWorldWithDevice(variant);
        MapAndFill(w, "A", 2);
        var present = w.pte_pfn(PteOf(w, "A", 0), "test");
        var device = dev.PlaceDeviceEntry("A", 1, write: true);
        device.Pfn.Should().BeGreaterThanOrEqualTo(TestDeviceStart);
        var deviceFrame = w.Swp.SWP_DEVICE_WRITE + (device.Pfn << 5);

        // pm->show_pfn guards present pages in every era (1c90308e7a77, v4.2).
        w.Pagemap("A", 0).Frame.Should().Be(0);
        w.Pagemap("A", 0, privileged: true).Frame.Should().Be(present);
        // A device entry's frame is its type and the device pfn: v4.11 shows it to anyone.
        w.Pagemap("A", 1, privileged: true).Frame.Should().Be(deviceFrame);
        w.Pagemap("A", 1).Frame.Should().Be(unprivilegedSeesSwapFrames ? deviceFrame : 0);
        w.Pagemap("A", 1).Swap.Should().BeTrue("PM_SWAP is shown to every reader");
        w.Pagemap("A", 1).SwapType.Should().Be(unprivilegedSeesSwapFrames ? w.Swp.SWP_DEVICE_WRITE : 0,
            "swap_type is the frame's low five bits");
    }
}
