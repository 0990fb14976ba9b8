using System.Runtime.CompilerServices;

namespace Hmm.Spec.Model;

/// <summary>
/// The model's stand-in for reclaim: swap out one private anonymous page the way mm/rmap.c try_to_unmap_one
/// does for a page in the swap cache (v4.11), without the swap cache: the data goes to a fresh slot, the PTE
/// becomes the swap entry (soft-dirty kept), MM_ANONPAGES--, MM_SWAPENTS++, the rmap and the PTE's reference go.
/// The model has no memory pressure; tests and explorations call this to create real swap entries.
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>Swaps out the page mapped at <paramref name="address"/> if it is a singly-mapped anon page.</summary>
    internal bool swap_out_page(string mmName, long address, [CallerMemberName] string caller = "")
    {
        _ = caller;
        const string function = "try_to_unmap_one";
        if (!Config.Swap)
            return false;
        var mm = FindMm(mmName);
        if (mm is null)
            return false;
        // try_to_unmap_one (v4.13+): mmu_notifier_invalidate_range_start/end around the PTE change.
        mmu_notifier_invalidate_range_start(mm, address, address + 1);
        mm.Ptl.Lock(function);
        try
        {
            var pte = mm.ReadPte(address, function);
            if (!pte_present(pte) || pte_special(pte, function))
                return false;
            var page = pfn_to_page(pte_pfn(pte, function), function);
            if (page.Zone != Zone.Normal || !PageAnon(page, function) || page_mapcount(page, function) != 1
                || page_ref_count(page, function) != 1)
                return false;
            // "Nuke the page table entry" first: the data is taken only once no CPU can store to the page.
            ptep_clear_flush(mm, address, pte, function);
            var entry = SwapArea.get_swap_page(page.ReadContents(function), function);
            var swpPte = swp_entry_to_pte(entry, function);
            if (pte_soft_dirty(pte, function))
                swpPte = pte_swp_mksoft_dirty(swpPte, function);
            mm.WritePte(address, swpPte, function);
            mm.add_mm_counter(MmCounter.MM_ANONPAGES, -1, function);
            mm.add_mm_counter(MmCounter.MM_SWAPENTS, 1, function);
            page_remove_rmap(page, false, function);
            page.WriteMapping(null, 0, function);
            put_page(page, function);
            return true;
        }
        finally
        {
            mm.Ptl.Unlock(function);
            mmu_notifier_invalidate_range_end(mm, address, address + 1);
        }
    }
}
