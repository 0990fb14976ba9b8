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

    /// <summary>tlb_finish_mmu: flush the TLB, then drop the gathered pages' references.</summary>
    public void tlb_finish_mmu(MmuGather tlb)
    {
        const string fn = nameof(tlb_finish_mmu);
        Step(StepKind.Note, fn, $"tlb {tlb.Mm.Name}", "flush_tlb_mm");
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
                if (page is null)
                    continue;
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
        mm.Ptl.Unlock(fn);
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

    /// <summary>
    /// zap_page_range (madvise(MADV_DONTNEED)): gather, mmu_notifier_invalidate_range_start, unmap the VMA's part,
    /// range_end, finish (mutant <c>zap-skips-mmu-notifier</c> leaves the notifier calls out).
    /// </summary>
    public void zap_page_range(Vma vma, long start, long pages, ZapDetails? details)
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
    public void zap_page_range_single(Vma vma, long start, long pages, ZapDetails? details)
    {
        var tlb = tlb_gather_mmu(vma.Mm, fullmm: false);
        mmu_notifier_invalidate_range_start(vma.Mm, start, start + pages);
        unmap_single_vma(tlb, vma, start, start + pages, details);
        mmu_notifier_invalidate_range_end(vma.Mm, start, start + pages);
        tlb_finish_mmu(tlb);
    }
}
