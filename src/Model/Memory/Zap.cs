namespace Hmm.Spec.Model;

/// <summary>struct zap_details (v4.11): only unmap_mapping_range (truncate/invalidate of a file) passes one.</summary>
public sealed record ZapDetails(object? CheckMapping, long FirstIndex = 0, long LastIndex = long.MaxValue);

/// <summary>
/// struct mmu_gather: pages whose PTEs were cleared are freed only after the TLB flush, after the PTL is
/// dropped (tlb_finish_mmu → free_pages_and_swap_cache → release_pages).
/// </summary>
public sealed class MmuGather(MmStruct mm, bool fullmm)
{
    internal readonly List<Page> Pages = [];
    public MmStruct Mm { get; } = mm;
    public bool FullMm { get; } = fullmm;
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
    public MmuGather tlb_gather_mmu(MmStruct mm, bool fullmm) => new(mm, fullmm);

    /// <summary>
    /// tlb_finish_mmu → tlb_flush_mmu: tlb_flush_mmu_tlbonly (flush the TLBs if a present PTE was cleared), then
    /// tlb_flush_mmu_free (drop the gathered pages' references). The order is what makes a zap safe: no CPU can
    /// reach a page through a stale translation once it is freed.
    /// </summary>
    public void tlb_finish_mmu(MmuGather tlb)
    {
        tlb_flush_mmu_tlbonly(tlb);
        tlb_flush_mmu_free(tlb);
    }

    /// <summary>tlb_flush_mmu_tlbonly (v4.11 mm/memory.c): flush_tlb_mm_range over what was cleared, if anything.</summary>
    public void tlb_flush_mmu_tlbonly(MmuGather tlb)
    {
        if (!tlb.NeedFlush)
            return;
        if (tlb.FullMm)
            flush_tlb_mm(tlb.Mm, nameof(tlb_flush_mmu_tlbonly));
        else
            flush_tlb_range(tlb.Mm, tlb.Start, tlb.End, nameof(tlb_flush_mmu_tlbonly));
        tlb.ResetRange();
    }

    /// <summary>tlb_flush_mmu_free: free_pages_and_swap_cache → release_pages on the gathered pages.</summary>
    public void tlb_flush_mmu_free(MmuGather tlb)
    {
        foreach (var page in tlb.Pages)
            put_page(page, "release_pages");
        tlb.Pages.Clear();
    }

    /// <summary>
    /// zap_pte_range: present → (check_mapping) clear, rss--, page_remove_rmap, gather the page; [seed: device
    /// entry → honour check_mapping, clear, rss--, page_remove_rmap, put_page now]; other non-present entries are
    /// left when details is given; real swap → MM_SWAPENTS--, free_swap_and_cache; migration → rss--.
    /// </summary>
    public void zap_pte_range(MmuGather tlb, Vma vma, long start, long end, ZapDetails? details)
    {
        const string fn = nameof(zap_pte_range);
        var mm = tlb.Mm;
        var rss = new long[4];
        var forceFlush = false;
        mm.Ptl.Lock(fn);
        for (var addr = start; addr < end; addr++)
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
                // A dirty PTE of a file (shmem) page: force_flush, so the TLBs are flushed before the PTL is dropped
                // (1cf35d47712d, v3.17: nobody may dirty the page through a stale TLB after set_page_dirty).
                if (ptent.Has(Pte._PAGE_DIRTY) && !PageAnon(page, fn))
                    forceFlush = true;
                rss[(int)mm_counter(page, fn)]--;
                page_remove_rmap(page, false, fn);
                tlb.Pages.Add(page); // __tlb_remove_page
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
        // Do the actual TLB flush before dropping ptl; free the batched pages after.
        if (forceFlush)
            tlb_flush_mmu_tlbonly(tlb);
        mm.Ptl.Unlock(fn);
        if (forceFlush)
            tlb_flush_mmu_free(tlb);
    }

    /// <summary>unmap_single_vma / unmap_page_range over [start, end) ∩ vma.</summary>
    public void unmap_single_vma(MmuGather tlb, Vma vma, long start, long end, ZapDetails? details)
    {
        var s = Math.Max(start, vma.Start);
        var e = Math.Min(end, vma.End);
        if (s >= e)
            return;
        zap_pte_range(tlb, vma, s, e, details);
    }

    /// <summary>zap_page_range (madvise(MADV_DONTNEED)): gather, unmap the VMA's part, finish.</summary>
    public void zap_page_range(Vma vma, long start, long pages, ZapDetails? details)
    {
        var tlb = tlb_gather_mmu(vma.Mm, fullmm: false);
        unmap_single_vma(tlb, vma, start, start + pages, details);
        tlb_finish_mmu(tlb);
    }

    /// <summary>
    /// zap_page_range_single: what unmap_mapping_range_vma uses, with details (truncate: check_mapping NULL when
    /// even_cows, else the file's mapping so that private COW pages survive).
    /// </summary>
    public void zap_page_range_single(Vma vma, long start, long pages, ZapDetails? details) =>
        zap_page_range(vma, start, pages, details);
}
