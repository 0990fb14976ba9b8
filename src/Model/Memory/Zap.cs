namespace Hmm.Spec.Model;

/// <summary>struct zap_details (v4.11): only unmap_mapping_range (truncate/invalidate of a file) passes one.</summary>
internal sealed record ZapDetails(object? CheckMapping, long FirstIndex = 0, long LastIndex = long.MaxValue);

/// <summary>
/// struct mmu_gather (v4.11, include/asm-generic/tlb.h + mm/memory.c): pages whose PTEs were cleared are freed
/// only after the TLB flush. The first batch is the on-stack <c>__pages[MMU_GATHER_BUNDLE]</c> (8 pages); when
/// it fills, tlb_next_batch reuses a batch allocated earlier or allocates one page (GFP_NOWAIT) holding
/// MAX_GATHER_BATCH pointers, at most MAX_GATHER_BATCH_COUNT batches. When none can be had, __tlb_remove_page
/// returns true and zap_pte_range flushes and frees what it gathered (see <see cref="KernelWorld.zap_pte_range"/>).
/// Batch pages are freed by tlb_finish_mmu.
/// </summary>
internal sealed class MmuGather(MmStruct mm, bool fullmm)
{
    /// <summary>MMU_GATHER_BUNDLE: the on-stack first batch.</summary>
    public const int MmuGatherBundle = 8;
    /// <summary>MAX_GATHER_BATCH = (PAGE_SIZE - sizeof(struct mmu_gather_batch)) / sizeof(void *) on x86-64.</summary>
    public const int MaxGatherBatch = (4096 - 16) / 8;
    /// <summary>MAX_GATHER_BATCH_COUNT = 10000UL / MAX_GATHER_BATCH.</summary>
    public const int MaxGatherBatchCount = 10000 / MaxGatherBatch;

    internal readonly List<Page> Pages = [];
    /// <summary>The pages tlb_next_batch allocated for batches (kept for reuse until tlb_finish_mmu).</summary>
    internal readonly List<Page> BatchPages = [];
    public MmStruct Mm { get; } = mm;
    public bool FullMm { get; } = fullmm;
    /// <summary>How many gathered pages the batches hold before the next tlb_next_batch.</summary>
    internal int Capacity => MmuGatherBundle + BatchPages.Count * MaxGatherBatch;

    /// <summary>
    /// tlb->start/tlb->end (v4.11 __tlb_adjust_range): set when a present PTE was cleared (tlb_remove_tlb_entry);
    /// tlb_flush_mmu_tlbonly flushes only then, so a zap that cleared only swap, device or migration entries
    /// flushes nothing. A full-mm gather (exit) always flushes (its range is reset to ~0).
    /// </summary>
    public bool NeedFlush => FullMm || End > Start;
    /// <summary>The range of cleared present PTEs, [Start, End).</summary>
    public long Start { get; private set; } = long.MaxValue;
    public long End { get; private set; } = long.MinValue;

    /// <summary>tlb_remove_tlb_entry → __tlb_adjust_range.</summary>
    internal void AdjustRange(long address)
    {
        Start = Math.Min(Start, address);
        End = Math.Max(End, address + 1);
    }

    /// <summary>__tlb_reset_range after a flush.</summary>
    internal void ResetRange()
    {
        Start = long.MaxValue;
        End = long.MinValue;
    }
}

/// <summary>
/// mm/memory.c unmapping (v4.11 + seed hunk): zap_pte_range under the PTL, reached from munmap (unmap_region),
/// exit (exit_mmap, fullmm) and madvise(MADV_DONTNEED) (zap_page_range) — all with details == NULL in v4.11 —
/// and from unmap_mapping_range (zap_page_range_single with details).
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>tlb_gather_mmu.</summary>
    internal MmuGather tlb_gather_mmu(MmStruct mm, bool fullmm) => new(mm, fullmm);

    /// <summary>
    /// tlb_finish_mmu → tlb_flush_mmu: tlb_flush_mmu_tlbonly (flush the TLBs if a present PTE was cleared), then
    /// tlb_flush_mmu_free (drop the gathered pages' references), then free the batch pages. The order is what
    /// makes a zap safe: no CPU can reach a page through a stale translation once it is freed.
    /// </summary>
    internal void tlb_finish_mmu(MmuGather tlb)
    {
        tlb_flush_mmu_tlbonly(tlb);
        tlb_flush_mmu_free(tlb);
        foreach (var batch in tlb.BatchPages)
            put_page(batch, "free_pages");
        tlb.BatchPages.Clear();
    }

    /// <summary>
    /// tlb_flush_mmu_tlbonly (v4.11 mm/memory.c): flush_tlb_mm_range over what was cleared, if anything (under the
    /// PTL when zap_pte_range forces it).
    /// </summary>
    internal void tlb_flush_mmu_tlbonly(MmuGather tlb)
    {
        if (!tlb.NeedFlush)
            return;
        if (tlb.FullMm)
            flush_tlb_mm(tlb.Mm, nameof(tlb_flush_mmu_tlbonly));
        else
            flush_tlb_range(tlb.Mm, tlb.Start, tlb.End, nameof(tlb_flush_mmu_tlbonly));
        tlb.ResetRange();
    }

    /// <summary>tlb_flush_mmu_free: free_pages_and_swap_cache on every gathered page; the batches stay for reuse.</summary>
    internal void tlb_flush_mmu_free(MmuGather tlb)
    {
        foreach (var page in tlb.Pages)
            put_page(page, "release_pages");
        tlb.Pages.Clear();
    }

    /// <summary>
    /// __tlb_remove_page (v4.11 __tlb_remove_page_size): add the page to the active batch; when the batch is full,
    /// tlb_next_batch: reuse a kept batch, else (below MAX_GATHER_BATCH_COUNT) allocate a page for one with
    /// GFP_NOWAIT. Returns true ("flush now") when no batch could be had. The model's GFP_NOWAIT allocation fails
    /// only when no system page is free.
    /// </summary>
    private bool __tlb_remove_page(MmuGather tlb, Page page)
    {
        tlb.Pages.Add(page);
        if (tlb.Pages.Count < tlb.Capacity)
            return false;
        if (tlb.BatchPages.Count == MmuGather.MaxGatherBatchCount)
            return true;
        var batch = Buddy.alloc_page("tlb_next_batch");
        if (batch is null)
            return true;
        tlb.BatchPages.Add(batch);
        return false;
    }

    /// <summary>
    /// zap_pte_range (v4.11): again: PTL; present → (check_mapping) clear, tlb_remove_tlb_entry (widens the range
    /// tlb_flush_mmu_tlbonly flushes; swap, device and migration entries do not), [!PageAnon: a dirty PTE sets
    /// force_flush and set_page_dirty], rss--, page_remove_rmap, __tlb_remove_page — when that says the gather is
    /// full, force_flush and break after this page; [seed: device entry → honour check_mapping, clear, rss--,
    /// page_remove_rmap, put_page now]; other non-present entries are left when details is given; real swap →
    /// MM_SWAPENTS--, free_swap_and_cache; migration → rss--. Then add_mm_rss_vec; with force_flush
    /// tlb_flush_mmu_tlbonly under the PTL; unlock; with force_flush tlb_flush_mmu_free (the gathered pages are
    /// freed now) and, if the break left addresses, goto again (docs/kernel-model.md, "Lock breaks").
    /// </summary>
    internal void zap_pte_range(MmuGather tlb, Vma vma, long start, long end, ZapDetails? details)
    {
        const string fn = nameof(zap_pte_range);
        var mm = tlb.Mm;
        var addr = start;
        while (true) // again:
        {
            var rss = new long[4];
            var forceFlush = false;
            mm.Ptl.Lock(fn);
            for (; addr < end; addr++)
            {
                var ptent = mm.ReadPte(addr, fn);
                if (pte_none(ptent))
                    continue;

                if (pte_present(ptent))
                {
                    var page = vm_normal_page(vma, addr, ptent, fn);
                    if (details is not null && page is not null)
                    {
                        // unmap_shared_mapping_pages() wants to invalidate cache without truncating:
                        // unmap shared but keep private pages.
                        if (details.CheckMapping is not null && !ReferenceEquals(details.CheckMapping, page_rmapping(page, fn)))
                            continue;
                    }
                    mm.WritePte(addr, Pte.None, fn); // ptep_get_and_clear_full
                    tlb.AdjustRange(addr); // tlb_remove_tlb_entry
                    if (page is null)
                        continue;
                    if (!PageAnon(page, fn))
                    {
                        if (pte_dirty(ptent, fn))
                        {
                            forceFlush = true;
                            set_page_dirty(page, fn);
                        }
                        // pte_young → mark_page_accessed: LRU ageing, not modelled.
                    }
                    rss[(int)mm_counter(page, fn)]--;
                    page_remove_rmap(page, false, fn);
                    if (__tlb_remove_page(tlb, page))
                    {
                        forceFlush = true;
                        addr++;
                        Record(StepKind.Note, fn, $"tlb {mm.Name}", $"mmu_gather full ({tlb.Pages.Count} pages): break");
                        break;
                    }
                    continue;
                }

                // Seed: un-addressable pages must always be checked: they are not like other swap entries.
                var entry = pte_to_swp_entry(ptent, fn);
                if (non_swap_entry(entry) && is_device_entry(entry))
                {
                    var page = device_entry_to_page(entry, fn)!;
                    if (details is not null && Variant.ZapSkipsDeviceEntriesWithDetails)
                        continue;
                    if (details is not null && details.CheckMapping is not null)
                    {
                        if (!ReferenceEquals(details.CheckMapping, page_rmapping(page, fn)))
                            continue;
                    }
                    mm.WritePte(addr, Pte.None, fn); // pte_clear_not_present_full
                    if (!Variant.ZapSkipsRssDecrement)
                        rss[(int)mm_counter(page, fn)]--;
                    page_remove_rmap(page, false, fn);
                    if (!Variant.ZapSkipsPutPage)
                        put_page(page, fn);
                    continue;
                }

                // If details->check_mapping, we leave swap entries.
                if (details is not null)
                    continue;

                if (!non_swap_entry(entry))
                    rss[(int)MmCounter.MM_SWAPENTS]--;
                else if (is_migration_entry(entry))
                {
                    var page = migration_entry_to_page(entry, fn);
                    rss[(int)mm_counter(page, fn)]--;
                }
                if (!SwapArea.free_swap_and_cache(entry, fn))
                    print_bad_pte(vma, addr, ptent, null, fn);
                mm.WritePte(addr, Pte.None, fn); // pte_clear_not_present_full
            }
            for (var i = 0; i < rss.Length; i++)
            {
                if (rss[i] != 0)
                    mm.add_mm_counter((MmCounter)i, rss[i], "add_mm_rss_vec");
            }
            // Do the actual TLB flush before dropping ptl.
            if (forceFlush)
                tlb_flush_mmu_tlbonly(tlb);
            mm.Ptl.Unlock(fn);
            // A forced flush (gather full, or dirty file pages whose TLB entries must go before the PTL is
            // dropped) frees the batched pages too, and restarts if the break left addresses.
            if (!forceFlush)
                return;
            tlb_flush_mmu_free(tlb);
            if (addr >= end)
                return;
        }
    }

    /// <summary>unmap_single_vma / unmap_page_range over [start, end) ∩ vma.</summary>
    internal void unmap_single_vma(MmuGather tlb, Vma vma, long start, long end, ZapDetails? details)
    {
        var s = Math.Max(start, vma.Start);
        var e = Math.Min(end, vma.End);
        if (s >= e)
            return;
        zap_pte_range(tlb, vma, s, e, details);
    }

    /// <summary>
    /// zap_page_range (madvise(MADV_DONTNEED)): gather, mmu_notifier_invalidate_range_start, unmap the VMA's part,
    /// range_end, finish (mutant <c>zap-skips-mmu-notifier</c> leaves the notifier calls out).
    /// </summary>
    internal void zap_page_range(Vma vma, long start, long pages, ZapDetails? details)
    {
        var tlb = tlb_gather_mmu(vma.Mm, fullmm: false);
        var notify = !Variant.ZapSkipsMmuNotifier;
        if (notify)
            mmu_notifier_invalidate_range_start(vma.Mm, start, start + pages);
        unmap_single_vma(tlb, vma, start, start + pages, details);
        if (notify)
            mmu_notifier_invalidate_range_end(vma.Mm, start, start + pages);
        tlb_finish_mmu(tlb);
    }

    /// <summary>
    /// zap_page_range_single: what unmap_mapping_range_vma uses, with details (truncate: check_mapping NULL when
    /// even_cows, else the file's mapping so that private COW pages survive).
    /// </summary>
    internal void zap_page_range_single(Vma vma, long start, long pages, ZapDetails? details)
    {
        var tlb = tlb_gather_mmu(vma.Mm, fullmm: false);
        mmu_notifier_invalidate_range_start(vma.Mm, start, start + pages);
        unmap_single_vma(tlb, vma, start, start + pages, details);
        mmu_notifier_invalidate_range_end(vma.Mm, start, start + pages);
        tlb_finish_mmu(tlb);
    }
}
