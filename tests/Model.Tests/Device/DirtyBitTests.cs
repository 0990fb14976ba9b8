using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// PTE dirty bits and PG_dirty where migration and zap move or drop them (docs/kernel-model.md, "Dirty and young
/// bits"): 2017's migrate_vma_collect_pmd drops a dirty PTE's bit, fd35ca3d12cc copies it to the page, and
/// migrate_page_states carries PG_dirty to the new page.
/// </summary>
public sealed class DirtyBitTests : ModelTest
{
    private static Page PageAt(KernelWorld w, string mm, long addr)
    {
        var pte = PteOf(w, mm, addr);
        return w.Memmap.Find(pte.IsPresent ? w.pte_pfn(pte, "test") : w.pte_to_swp_entry(pte, "test").Offset)!;
    }

    [Theory]
    [InlineData("seed", false)]
    [InlineData("fix-collect-dirty", true)]
    [InlineData("upstream", true)]
    public void Migration_to_the_device_keeps_a_written_page_dirty_only_from_fd35ca3d12cc(string variant, bool keeps)
    {
        var w = NewDeviceWorld(variant);
        w.TrackDirty = true;
        MapAndFill(w, pages: 1);
        PteOf(w, "A", 0).Has(Pte._PAGE_DIRTY).Should().BeTrue("the CPU store set the dirty bit");
        PageAt(w, "A", 0).DirtyRaw.Should().BeFalse("an anonymous page's only record of the write is its PTE");
        w.CheckInvariants();

        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        var device = PageAt(w, "A", 0);
        device.DirtyRaw.Should().Be(keeps, "migrate_page_states moves PG_dirty, which collect set (or not)");
        if (keeps)
        {
            w.CheckInvariants();
            w.UserRead("A", 0).Value.Should().Be(100);
            var back = PageAt(w, "A", 0);
            back.DirtyRaw.Should().BeTrue("PG_dirty comes back with the data");
            PteOf(w, "A", 0).Has(Pte._PAGE_DIRTY).Should().BeFalse("remove_migration_pte installs a clean, old PTE");
            w.CheckInvariants();
        }
        else
        {
            var v = ShouldViolate(w, w.CheckInvariants, ViolationCategory.DirtyLost);
            v.Message.Should().Contain($"pfn={device.Pfn}");
        }
    }

    [Theory]
    [InlineData("seed", false)]
    [InlineData("upstream", true)]
    public void A_migration_that_fails_after_collect_restores_a_clean_pte(string variant, bool keeps)
    {
        // fd35ca3d12cc's data-loss case: collect replaces the dirty PTE, the page is pinned, migration fails and
        // remove_migration_pte restores a clean PTE; only PG_dirty still says the page was written.
        var w = NewDeviceWorld(variant);
        w.TrackDirty = true;
        MapAndFill(w, pages: 1);
        var page = PageAt(w, "A", 0);
        w.get_page(page, "test_pin");
        w.MigrateToDevice("A", 0, 1).Should().Be(0);
        PageAt(w, "A", 0).Should().BeSameAs(page);
        PteOf(w, "A", 0).Has(Pte._PAGE_DIRTY).Should().BeFalse();
        w.put_page(page, "test_pin");
        page.DirtyRaw.Should().Be(keeps);
        if (keeps)
            w.CheckInvariants();
        else
            ShouldViolate(w, w.CheckInvariants, ViolationCategory.DirtyLost);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Zap_of_a_dirty_shared_page_sets_pg_dirty_and_flushes_before_dropping_the_ptl(string variant)
    {
        var w = NewDeviceWorld(variant);
        w.TrackDirty = true;
        w.Mmap("A", 0, 2, VmProt.ReadWrite, shared: true).Should().Be(Errno.OK);
        w.UserWrite("A", 0, 7).Should().Be(Sig.None);
        w.UserRead("A", 1).Value.Should().Be(0);
        var written = PageAt(w, "A", 0);
        var readOnly = PageAt(w, "A", 1);
        var steps = w.Steps.Count;
        w.MadviseDontneed("A", 0, 2).Should().Be(Errno.OK);
        written.DirtyRaw.Should().BeTrue("zap_pte_range: !PageAnon and pte_dirty → set_page_dirty");
        readOnly.DirtyRaw.Should().BeFalse();
        var after = w.Steps.Skip(steps).ToList();
        var flush = after.FindIndex(s => s.Function == "tlb_flush_mmu_tlbonly");
        var unlock = after.FindIndex(s => s.Function == "zap_pte_range" && s.Kind == StepKind.Unlock);
        flush.Should().BeGreaterThan(-1, "force_flush");
        flush.Should().BeLessThan(unlock, "the TLB flush is done before the PTL is dropped");
        w.CheckInvariants();
        w.UserRead("A", 0).Value.Should().Be(7);
    }
}
