using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>
/// The shared zero page (v4.11 do_anonymous_page "Use the zero-page for reads"): a read fault on private anonymous
/// memory maps it with a special PTE — no rss, no reference, no mapcount, not in smaps; a write copies from it;
/// zap, fork, migration and /proc all see a page vm_normal_page does not return.
/// </summary>
public sealed class ZeroPageTests : ModelTest
{
    [Fact]
    public void A_read_fault_maps_the_zero_page_without_rss_or_reference()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 2, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        var free = w.Buddy.FreeCount;
        w.UserRead("A", 1).Should().Be(new AccessOutcome(0, Sig.None));
        var pte = PteOf(w, "A", 1);
        pte.IsPresent.Should().BeTrue();
        pte.Has(Pte._PAGE_SPECIAL).Should().BeTrue("pte_mkspecial");
        pte.Has(Pte._PAGE_RW).Should().BeFalse("vm_page_prot of a private mapping is read-only");
        KernelWorld.is_zero_pfn(w.pte_pfn(pte, "test")).Should().BeTrue();
        w.Buddy.FreeCount.Should().Be(free, "no page was allocated");
        w.Mms["A"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(0);
        w.Memmap.ZeroPage.RefcountRaw.Should().Be(1, "mapping the zero page takes no reference");
        w.Memmap.ZeroPage.MapcountRaw.Should().Be(-1);
        w.Mms["A"].find_vma(0)!.AnonVma.Should().BeNull("the zero-page path does not call anon_vma_prepare");
        w.UserRead("A", 1).Should().Be(new AccessOutcome(0, Sig.None));
    }

    [Fact]
    public void A_write_after_a_read_copies_from_the_zero_page()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 1, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        w.UserRead("A", 0).Value.Should().Be(0);
        var steps = w.Steps.Count;
        w.UserWrite("A", 0, 7).Should().Be(Sig.None);
        w.Steps.Skip(steps).Should().Contain(s => s.Function == "wp_page_copy", "do_wp_page: vm_normal_page is NULL, so it copies");
        var pte = PteOf(w, "A", 0);
        pte.Has(Pte._PAGE_SPECIAL).Should().BeFalse();
        KernelWorld.is_zero_pfn(w.pte_pfn(pte, "test")).Should().BeFalse();
        w.UserRead("A", 0).Value.Should().Be(7);
        w.Mms["A"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(1);
        w.Memmap.ZeroPage.ContentsRaw.Should().Be(0, "the shared zero page is never written");
    }

    [Fact]
    public void Smaps_does_not_count_the_zero_page_and_pagemap_shows_it_present_not_exclusive()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 2, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        w.UserRead("A", 0);
        w.UserWrite("A", 1, 5);
        w.Smaps("A").Should().Be(new SmapsOutcome(Rss: 1, Anon: 1, Swap: 0), "vm_normal_page is NULL for the zero page");
        w.Pagemap("A", 0).Should().Be(new PagemapOutcome(Present: true, Swap: false, SwapType: -1, Exclusive: false, File: false, Frame: 0));
        w.Pagemap("A", 0, privileged: true).Frame.Should().Be(Memmap.ZeroPfn, "show_pfn: the zero page's pfn");
        w.Pagemap("A", 1).Exclusive.Should().BeTrue();
    }

    [Fact]
    public void Zap_and_exit_leave_the_zero_page_alone()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 2, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        w.UserRead("A", 0);
        w.UserRead("A", 1);
        w.MadviseDontneed("A", 0, 1).Should().Be(Errno.OK);
        PteOf(w, "A", 0).IsNone.Should().BeTrue();
        w.Exit("A").Should().Be(Errno.OK);
        w.Memmap.ZeroPage.RefcountRaw.Should().Be(1);
        w.CheckLeaks();
    }

    [Fact]
    public void Fork_does_not_copy_zero_page_ptes_of_a_vma_without_anon_vma_and_the_child_faults_its_own()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 1, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        w.UserRead("A", 0);
        w.Fork("A", "B").Should().Be(Errno.OK);
        PteOf(w, "B", 0).IsNone.Should().BeTrue("copy_page_range skips a VMA without anon_vma");
        w.UserRead("B", 0).Value.Should().Be(0);
        KernelWorld.is_zero_pfn(w.pte_pfn(PteOf(w, "B", 0), "test")).Should().BeTrue();
        // With an anon_vma (another page written), copy_one_pte copies the zero-page PTE as it is.
        w.Mmap("C", 0, 2, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        w.UserRead("C", 0);
        w.UserWrite("C", 1, 3);
        w.Fork("C", "D").Should().Be(Errno.OK);
        KernelWorld.is_zero_pfn(w.pte_pfn(PteOf(w, "D", 0), "test")).Should().BeTrue();
        w.Mms["D"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(1);
        w.UserWrite("D", 0, 9).Should().Be(Sig.None);
        w.UserRead("C", 0).Value.Should().Be(0);
    }

    [Fact]
    public void The_invariants_reject_a_writable_zero_page_pte()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 1, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        w.UserRead("A", 0);
        var mm = w.Mms["A"];
        mm.Ptl.Lock("test");
        mm.WritePte(0, PteOf(w, "A", 0).Set(Pte._PAGE_RW), "test");
        mm.Ptl.Unlock("test");
        ShouldViolate(w, w.CheckInvariants, ViolationCategory.BugOn);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void The_device_reads_the_zero_page_and_migration_does_not_collect_it(string variant)
    {
        var w = KernelWorld.Create(new MachineLayout(16, 4, 1024), KernelConfig.Default, KernelVariants.Get(variant));
        w.Mmap("A", 0, 2, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        w.UserRead("A", 0);
        w.DeviceRead("A", 0).Should().Be(new DeviceOutcome(0, Errno.OK), "hmm treats the zero page as a normal read-only page");
        KernelWorld.is_zero_pfn(w.pte_pfn(PteOf(w, "A", 0), "test")).Should().BeTrue("a device read does not replace it");
        // migrate_vma_collect_pmd: vm_normal_page is NULL for the zero pfn, so it is not collected.
        w.MigrateToDevice("A", 0, 1).Should().Be(0);
        KernelWorld.is_zero_pfn(w.pte_pfn(PteOf(w, "A", 0), "test")).Should().BeTrue();
        w.DeviceWrite("A", 0, 4).Should().Be(Errno.OK);
        w.UserRead("A", 0).Value.Should().Be(4);
        w.CheckInvariants();
    }
}
