namespace Hmm.Spec.Model;

/// <summary>struct mem_size_stats, in pages.</summary>
internal sealed class MemSizeStats
{
    public int Resident;
    public int Anonymous;
    public int Swap;
    public int SharedClean;
    public int PrivateClean;
    public int SharedDirty;
    public int PrivateDirty;
}

/// <summary>pagemap_entry_t flags (fs/proc/task_mmu.c).</summary>
internal static class PagemapFlags
{
    public const ulong PM_SOFT_DIRTY = 1UL << 55;
    public const ulong PM_MMAP_EXCLUSIVE = 1UL << 56;
    public const ulong PM_FILE = 1UL << 61;
    public const ulong PM_SWAP = 1UL << 62;
    public const ulong PM_PRESENT = 1UL << 63;
}

/// <summary>
/// fs/proc/task_mmu.c (v4.11 + seed hunks): smaps_pte_entry, smaps_hugetlb_range (its non-huge part) and
/// pte_to_pagemap_entry. Walks hold mmap_sem for read and the PTL.
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// smaps_pte_entry: present → vm_normal_page; real swap → Swap; migration → migration_entry_to_page;
    /// [seed: device → device_entry_to_page]; then smaps_account(page, pte_young(*pte), pte_dirty(*pte)).
    /// v4.11 reads pte_young/pte_dirty of the swap PTE itself for migration and device entries (fixed upstream
    /// in 2021, efd4149342db); on x86-64 those bits are 0 in a swap PTE, which is what the model reads, noting
    /// the read instead of raising pte-type-confusion so /proc stays usable (docs/kernel-model.md).
    /// </summary>
    internal void smaps_pte_entry(Vma vma, long addr, MemSizeStats mss)
    {
        const string fn = nameof(smaps_pte_entry);
        var pte = vma.Mm.ReadPte(addr, fn);
        Page? page = null;
        if (pte_present(pte))
        {
            page = vm_normal_page(vma, addr, pte, fn);
        }
        else if (pte.IsSwap)
        {
            var swpent = pte_to_swp_entry(pte, fn);
            if (!non_swap_entry(swpent))
                mss.Swap++;
            else if (is_migration_entry(swpent))
                page = migration_entry_to_page(swpent, fn);
            else if (is_device_entry(swpent))
                page = device_entry_to_page(swpent, fn);
        }
        if (page is null)
            return;
        bool young, dirty;
        if (pte_present(pte))
        {
            young = pte_young(pte, fn);
            dirty = pte_dirty(pte, fn);
        }
        else
        {
            young = pte.Has(Pte._PAGE_ACCESSED);
            dirty = pte.Has(Pte._PAGE_DIRTY);
            Record(StepKind.Note, fn, $"pte {vma.Mm.Name}:{addr}", "v4.11 reads pte_young/pte_dirty of a swap PTE (bits are 0)");
        }
        _ = young;
        smaps_account(mss, page, dirty, fn);
    }

    /// <summary>smaps_account for one small page.</summary>
    private void smaps_account(MemSizeStats mss, Page page, bool dirty, string function)
    {
        mss.Resident++;
        if (PageAnon(page, function))
            mss.Anonymous++;
        var mapcount = page_mapcount(page, function);
        if (mapcount >= 2)
        {
            if (dirty) mss.SharedDirty++;
            else mss.SharedClean++;
        }
        else
        {
            if (dirty) mss.PrivateDirty++;
            else mss.PrivateClean++;
        }
    }

    /// <summary>
    /// smaps_hugetlb_range, the part shared with small pages that the seed patched: a present PTE gives
    /// vm_normal_page; a swap PTE gives the migration or [seed] device entry's page; the page is counted as shared
    /// or private by its mapcount. (The model has no hugetlb VMAs, so /proc never reaches it; tests call it.)
    /// </summary>
    internal void smaps_hugetlb_range(Vma vma, long addr, MemSizeStats mss, out int sharedHugetlb, out int privateHugetlb)
    {
        const string fn = nameof(smaps_hugetlb_range);
        sharedHugetlb = 0;
        privateHugetlb = 0;
        var pte = vma.Mm.ReadPte(addr, fn);
        Page? page = null;
        if (pte_present(pte))
        {
            page = vm_normal_page(vma, addr, pte, fn);
        }
        else if (pte.IsSwap)
        {
            var swpent = pte_to_swp_entry(pte, fn);
            if (is_migration_entry(swpent))
                page = migration_entry_to_page(swpent, fn);
            else if (is_device_entry(swpent))
                page = device_entry_to_page(swpent, fn);
        }
        if (page is null)
            return;
        var mapcount = page_mapcount(page, fn);
        if (mapcount >= 2)
            sharedHugetlb++;
        else
            privateHugetlb++;
        _ = mss;
    }

    /// <summary>
    /// pte_to_pagemap_entry (v4.11 + seed hunk): PM_PRESENT for present PTEs, with the pfn as frame only when the
    /// reader may see physical addresses (<paramref name="showPfn"/>: pm->show_pfn, CAP_SYS_ADMIN at open, from
    /// 1c90308e7a77 "pagemap: hide physical addresses from non-privileged users", v4.2); PM_SWAP with frame = type |
    /// offset &lt;&lt; MAX_SWAPFILES_SHIFT for swap PTEs — for every reader in v4.11 (for a device entry the offset is the
    /// device pfn), for privileged readers only with <see cref="KernelVariant.PagemapHidesSwapFromUnprivileged"/>;
    /// the page from migration or [seed] device entries; PM_FILE if the page is not anonymous, PM_MMAP_EXCLUSIVE if
    /// mapped once (never for the zero page: vm_normal_page is NULL); PM_SOFT_DIRTY.
    /// </summary>
    internal (ulong Flags, ulong Frame) pte_to_pagemap_entry(Vma vma, long addr, Pte pte, bool showPfn = true)
    {
        const string fn = nameof(pte_to_pagemap_entry);
        ulong frame = 0, flags = 0;
        Page? page = null;
        if (pte_present(pte))
        {
            if (showPfn)
                frame = (ulong)pte_pfn(pte, fn);
            flags |= PagemapFlags.PM_PRESENT;
            page = vm_normal_page(vma, addr, pte, fn);
            if (pte_soft_dirty(pte, fn))
                flags |= PagemapFlags.PM_SOFT_DIRTY;
        }
        else if (pte.IsSwap)
        {
            if (pte_swp_soft_dirty(pte, fn))
                flags |= PagemapFlags.PM_SOFT_DIRTY;
            var entry = pte_to_swp_entry(pte, fn);
            if (showPfn || !Variant.PagemapHidesSwapFromUnprivileged)
                frame = (uint)entry.Type | ((ulong)entry.Offset << SwapEntry.MAX_SWAPFILES_SHIFT);
            flags |= PagemapFlags.PM_SWAP;
            if (is_migration_entry(entry))
                page = migration_entry_to_page(entry, fn);
            if (is_device_entry(entry))
                page = device_entry_to_page(entry, fn);
        }
        if (page is not null && !PageAnon(page, fn))
            flags |= PagemapFlags.PM_FILE;
        if (page is not null && page_mapcount(page, fn) == 1)
            flags |= PagemapFlags.PM_MMAP_EXCLUSIVE;
        if ((vma.Flags & VmFlags.VM_SOFTDIRTY) != 0)
            flags |= PagemapFlags.PM_SOFT_DIRTY;
        return (flags, frame);
    }
}
