using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>
/// copy_pte_range and zap_pte_range drop and retake the PTL at v4.11's batch limits (docs/kernel-model.md,
/// "Lock breaks"): copy after progress reaches 32 (8 per copied entry, 1 per none PTE); zap when the mmu_gather
/// cannot grow past its 8-page on-stack batch, and whenever a dirty file page forces a flush.
/// </summary>
public sealed class LockBreakTests : ModelTest
{
    [Fact]
    public void Fork_copy_breaks_after_four_copied_entries_and_resumes()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 6);
        var steps = w.Steps.Count;
        w.Fork("A", "B").Should().Be(Errno.OK);
        var fork = w.Steps.Skip(steps).ToList();
        var breaks = fork.Where(s => s.Function == "copy_pte_range" && s.Detail.Contains("break")).ToList();
        breaks.Should().ContainSingle().Which.Resource.Should().Be("pte A:4", "four copied entries bring progress to 32");
        fork.Should().Contain(s => s.Function == "cond_resched");
        fork.Count(s => s.Function == "copy_pte_range" && s.Kind == StepKind.Lock).Should().Be(4, "both PTLs, twice");
        fork.Count(s => s.Function == "add_mm_rss_vec").Should().Be(2, "the child's rss is added per chunk, under its PTL");
        w.Mms["B"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(6);
        for (var i = 0; i < 6; i++)
            w.UserRead("B", i).Value.Should().Be(100 + i);
        w.CheckInvariants();
    }

    [Fact]
    public void Fork_copy_counts_none_ptes_one_each()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 40, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        w.UserWrite("A", 39, 1).Should().Be(Sig.None);
        var steps = w.Steps.Count;
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.Steps.Skip(steps).Where(s => s.Function == "copy_pte_range" && s.Detail.Contains("break")).Select(s => s.Resource)
            .Should().ContainSingle().Which.Should().Be("pte A:32", "32 none PTEs bring progress to 32");
        w.UserRead("B", 39).Value.Should().Be(1);
    }

    [Fact]
    public void Zap_with_no_page_for_a_second_batch_breaks_after_eight_pages_and_frees_them_first()
    {
        var w = NewWorld(ramPages: 10);
        MapAndFill(w, "A", 10); // every RAM page in use: tlb_next_batch's GFP_NOWAIT allocation fails
        w.Buddy.FreeCount.Should().Be(0);
        var steps = w.Steps.Count;
        w.MadviseDontneed("A", 0, 10).Should().Be(Errno.OK);
        var zap = w.Steps.Skip(steps).ToList();
        var full = zap.FindIndex(s => s.Function == "zap_pte_range" && s.Detail.Contains("mmu_gather full (8 pages)"));
        full.Should().BeGreaterThan(-1);
        var flush = zap.FindIndex(full, s => s.Function == "tlb_flush_mmu_tlbonly");
        var unlock = zap.FindIndex(full, s => s.Function == "zap_pte_range" && s.Kind == StepKind.Unlock);
        var freed = zap.FindIndex(full, s => s.Function == "release_pages");
        var relock = zap.FindIndex(unlock, s => s.Function == "zap_pte_range" && s.Kind == StepKind.Lock);
        (flush < unlock && unlock < freed && freed < relock).Should().BeTrue("flush under the PTL, unlock, free the batch, goto again");
        zap.Take(relock).Count(s => s.Resource == "buddy" && s.Detail.StartsWith("free pfn")).Should().Be(8, "the eight gathered pages go back before the zap resumes");
        w.Buddy.FreeCount.Should().Be(10);
        w.CheckInvariants();
    }

    [Fact]
    public void Zap_with_a_free_page_grows_the_gather_instead_and_frees_the_batch_page_at_the_end()
    {
        var w = NewWorld(ramPages: 12);
        MapAndFill(w, "A", 10);
        var steps = w.Steps.Count;
        w.MadviseDontneed("A", 0, 10).Should().Be(Errno.OK);
        var zap = w.Steps.Skip(steps).ToList();
        zap.Should().Contain(s => s.Function == "tlb_next_batch" && s.Detail.StartsWith("alloc"));
        // No forced flush under the PTL: the only flush is tlb_finish_mmu's, after zap_pte_range unlocked.
        var unlock = zap.FindIndex(s => s.Function == "zap_pte_range" && s.Kind == StepKind.Unlock);
        unlock.Should().BeGreaterThan(-1);
        zap.Take(unlock).Should().NotContain(s => s.Function == "tlb_flush_mmu_tlbonly");
        zap.Count(s => s.Function == "zap_pte_range" && s.Kind == StepKind.Lock).Should().Be(1);
        w.Buddy.FreeCount.Should().Be(12, "tlb_finish_mmu frees the batch page");
        w.CheckInvariants();
    }
}
