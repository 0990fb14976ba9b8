using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>
/// CPU TLBs (issue 12 item 6): a CPU uses its cached translation until a flush reaches it, a walk fills only from
/// a present PTE, and the kernel's flushes sit where v4.11 and the 2017 series put them.
/// </summary>
public sealed class TlbTests : ModelTest
{
    private static TlbEntry? Cached(KernelWorld w, string mm, long addr, string cpu = "main") => w.TlbLookupRaw(w.Mms[mm], cpu, addr);

    /// <summary>Clears a PTE under the PTL without any flush (what a path that forgot the flush would do).</summary>
    private static void ClearWithoutFlush(KernelWorld w, string mm, long addr)
    {
        var m = w.Mms[mm];
        m.Ptl.Lock("test");
        m.WritePte(addr, Pte.None, "test");
        m.Ptl.Unlock("test");
    }

    [Fact]
    public void A_hit_uses_the_cached_translation_until_a_flush_reaches_the_cpu()
    {
        var w = NewWorld();
        MapAndFill(w, pages: 1);
        Cached(w, "A", 0).Should().Be(new TlbEntry(w.pte_pfn(PteOf(w, "A", 0), "test"), Write: true, Dirty: true));
        ClearWithoutFlush(w, "A", 0);
        w.UserRead("A", 0).Should().Be(new AccessOutcome(100, Sig.None), "the stale translation still reaches the old page");
        w.flush_tlb_page(w.Mms["A"], 0, "test");
        Cached(w, "A", 0).Should().BeNull();
        w.UserRead("A", 0).Should().Be(new AccessOutcome(0, Sig.None), "after the flush the CPU walks and faults a new page");
        ExpectBroken(w); // the test dropped a PTE without its rmap and reference
    }

    [Fact]
    public void Each_cpu_has_its_own_tlb()
    {
        var w = NewWorld();
        MapAndFill(w, pages: 1);
        using (w.EnterActor("cpu1"))
            w.UserRead("A", 0).Value.Should().Be(100);
        Cached(w, "A", 0, "cpu1").Should().NotBeNull();
        Cached(w, "A", 0, "cpu2").Should().BeNull();
        w.flush_tlb_mm(w.Mms["A"], "test");
        Cached(w, "A", 0, "cpu1").Should().BeNull();
        Cached(w, "A", 0, "main").Should().BeNull();
    }

    [Fact]
    public void A_walk_never_fills_from_a_swap_or_device_entry()
    {
        var (w, dev) = NewWorldWithDevice();
        MapAndFill(w, pages: 2);
        w.swap_out_page("A", 0).Should().BeTrue();
        dev.PlaceDeviceEntry("A", 1);
        Cached(w, "A", 0).Should().BeNull("try_to_unmap_one flushed the page");
        Cached(w, "A", 1).Should().BeNull();
        w.UserRead("A", 0).Value.Should().Be(100);
        Cached(w, "A", 0).Should().NotBeNull("filled from the present PTE do_swap_page installed");
    }

    [Fact]
    public void Reaching_a_freed_page_through_a_stale_translation_is_use_after_free()
    {
        var w = NewWorld();
        MapAndFill(w, pages: 1);
        var m = w.Mms["A"];
        var page = w.pfn_to_page(w.pte_pfn(PteOf(w, "A", 0), "test"), "test");
        // A zap that freed the page before flushing: the order tlb_finish_mmu exists to prevent.
        m.Ptl.Lock("test");
        m.WritePte(0, Pte.None, "test");
        w.page_remove_rmap(page, false, "test");
        m.Ptl.Unlock("test");
        w.put_page(page, "test");
        page.State.Should().Be(PageState.Free);
        var v = ShouldViolate(w, () => w.UserWrite("A", 0, 5), ViolationCategory.UseAfterFree);
        v.Message.Should().Contain("tlb hit");
    }

    [Theory]
    [InlineData(ZapTests.Path.Munmap)]
    [InlineData(ZapTests.Path.Dontneed)]
    [InlineData(ZapTests.Path.Exit)]
    public void A_zap_flushes_before_it_frees(ZapTests.Path path)
    {
        var w = NewWorld();
        MapAndFill(w, pages: 2);
        using (w.EnterActor("cpu1"))
            w.UserRead("A", 1).Value.Should().Be(101);
        switch (path)
        {
            case ZapTests.Path.Munmap: w.Munmap("A", 0, 2).Should().Be(Errno.OK); break;
            case ZapTests.Path.Dontneed: w.MadviseDontneed("A", 0, 2).Should().Be(Errno.OK); break;
            case ZapTests.Path.Exit: w.Exit("A").Should().Be(Errno.OK); break;
        }
        Cached(w, "A", 1, "cpu1").Should().BeNull();
        var steps = w.Steps.Select(s => (s.Function, s.Resource)).ToList();
        var flush = steps.FindLastIndex(s => s.Resource == "tlb A:*");
        var free = steps.FindLastIndex(s => s.Function == "release_pages");
        flush.Should().BeGreaterThan(-1).And.BeLessThan(free, "tlb_flush_mmu_tlbonly runs before tlb_flush_mmu_free");
    }

    [Fact]
    public void A_zap_of_only_non_present_entries_flushes_nothing()
    {
        var w = NewWorld();
        MapAndFill(w, pages: 1);
        w.swap_out_page("A", 0).Should().BeTrue();
        var before = w.Steps.Count;
        w.MadviseDontneed("A", 0, 1).Should().Be(Errno.OK);
        w.Steps.Skip(before).Should().NotContain(s => s.Resource == "tlb A:*", "v4.11 flushes only when tlb->end was set");
    }

    [Fact]
    public void Fork_flushes_the_parent_so_a_store_after_fork_takes_the_cow_fault()
    {
        var w = NewWorld();
        MapAndFill(w, pages: 1);
        Cached(w, "A", 0)!.Value.Write.Should().BeTrue();
        w.Fork("A", "B").Should().Be(Errno.OK);
        Cached(w, "A", 0).Should().BeNull("dup_mmap ends with flush_tlb_mm(oldmm)");
        w.UserWrite("A", 0, 5).Should().Be(Sig.None);
        w.UserRead("B", 0).Should().Be(new AccessOutcome(100, Sig.None), "the child keeps the value of the fork");
    }

    [Fact]
    public void Mprotect_read_only_flushes_after_dropping_the_ptl()
    {
        var w = NewWorld();
        MapAndFill(w, pages: 1);
        var before = w.Steps.Count;
        w.Mprotect("A", 0, 1, VmProt.Read).Should().Be(Errno.OK);
        w.UserWrite("A", 0, 5).Should().Be(Sig.SIGSEGV);
        var steps = w.Steps.Skip(before).ToList();
        var unlock = steps.FindIndex(s => s.Kind == StepKind.Unlock && s.Function == "change_pte_range");
        var flush = steps.FindIndex(s => s.Resource == "tlb A:*");
        flush.Should().BeGreaterThan(unlock, "change_protection_range flushes after change_pte_range dropped the PTL");
        w.UserRead("A", 0).Value.Should().Be(100);
    }

    [Fact]
    public void Cow_clears_and_flushes_the_old_pte_before_installing_the_copy()
    {
        var w = NewWorld();
        MapAndFill(w, pages: 1);
        w.Fork("A", "B").Should().Be(Errno.OK);
        using (w.EnterActor("cpu1"))
            w.UserRead("A", 0).Value.Should().Be(100);
        Cached(w, "A", 0, "cpu1")!.Value.Write.Should().BeFalse();
        w.UserWrite("A", 0, 5).Should().Be(Sig.None);
        Cached(w, "A", 0, "cpu1").Should().BeNull("ptep_clear_flush_notify reached cpu1");
        using (w.EnterActor("cpu1"))
            w.UserRead("A", 0).Value.Should().Be(5);
    }
}
