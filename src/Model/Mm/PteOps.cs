using System.Runtime.CompilerServices;

namespace Hmm.Spec.Model;

/// <summary>
/// Typed PTE accessors (arch/x86/include/asm/pgtable.h, include/linux/swapops.h). Reading a present-PTE field
/// from a swap PTE, or a swap entry from a present PTE, is a <c>pte-type-confusion</c> violation.
/// </summary>
public sealed partial class KernelWorld
{
    private void RequirePresent(Pte pte, string accessor, string function)
    {
        if (!pte.IsPresent)
            Violation(ViolationCategory.PteTypeConfusion, function, $"{accessor} of a non-present PTE ({pte})");
    }

    private void RequireSwap(Pte pte, string accessor, string function)
    {
        if (pte.IsPresent)
            Violation(ViolationCategory.PteTypeConfusion, function, $"{accessor} of a {(pte.IsNone ? "none" : "present")} PTE ({pte})");
    }

    internal static bool pte_none(Pte pte) => pte.IsNone;
    internal static bool pte_present(Pte pte) => pte.IsPresent;
    internal static bool pte_protnone(Pte pte) => pte.IsProtnone;
    /// <summary>pte_same: compares raw values.</summary>
    internal static bool pte_same(Pte a, Pte b) => a.Raw == b.Raw;

    internal long pte_pfn(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_pfn), function);
        return pte.RawPfn;
    }

    internal bool pte_write(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_write), function);
        return pte.Has(Pte._PAGE_RW);
    }

    internal bool pte_dirty(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_dirty), function);
        return pte.Has(Pte._PAGE_DIRTY);
    }

    internal bool pte_young(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_young), function);
        return pte.Has(Pte._PAGE_ACCESSED);
    }

    internal bool pte_special(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_special), function);
        return pte.Has(Pte._PAGE_SPECIAL);
    }

    internal bool pte_soft_dirty(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_soft_dirty), function);
        return pte.Has(Pte._PAGE_SOFT_DIRTY);
    }

    internal Pte pte_wrprotect(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_wrprotect), function);
        return pte.Clear(Pte._PAGE_RW);
    }

    internal Pte pte_mkwrite(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_mkwrite), function);
        return pte.Set(Pte._PAGE_RW);
    }

    internal Pte pte_mkdirty(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_mkdirty), function);
        return pte.Set(Pte._PAGE_DIRTY | Pte._PAGE_SOFT_DIRTY);
    }

    internal Pte pte_mkclean(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_mkclean), function);
        return pte.Clear(Pte._PAGE_DIRTY);
    }

    internal Pte pte_mkyoung(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_mkyoung), function);
        return pte.Set(Pte._PAGE_ACCESSED);
    }

    internal Pte pte_mkold(Pte pte, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_mkold), function);
        return pte.Clear(Pte._PAGE_ACCESSED);
    }

    /// <summary>pte_modify: keep pfn and dirty/young/special/soft-dirty, take the new protection bits.</summary>
    internal Pte pte_modify(Pte pte, ulong newProt, [CallerMemberName] string function = "")
    {
        RequirePresent(pte, nameof(pte_modify), function);
        const ulong keep = Pte.PTE_PFN_MASK | Pte._PAGE_DIRTY | Pte._PAGE_ACCESSED | Pte._PAGE_SPECIAL | Pte._PAGE_SOFT_DIRTY;
        return new Pte((pte.Raw & keep) | (newProt & ~keep));
    }

    /// <summary>
    /// pte_to_swp_entry: arch entry (soft-dirty cleared) to the generic swp_entry_t. A none PTE decodes to
    /// swp_entry(0, 0), as in the kernel (v4.11 change_pte_range decodes none PTEs and finds no special type);
    /// decoding a present PTE is pte-type-confusion.
    /// </summary>
    internal SwapEntry pte_to_swp_entry(Pte pte, [CallerMemberName] string function = "")
    {
        if (pte.IsPresent)
            RequireSwap(pte, nameof(pte_to_swp_entry), function);
        var arch = pte.Clear(Pte._PAGE_SWP_SOFT_DIRTY);
        return SwapEntry.swp_entry(arch.ArchSwapType, arch.ArchSwapOffset);
    }

    /// <summary>swp_entry_to_pte: generic to arch encoding. A type that does not fit the arch field is a BUG.</summary>
    internal Pte swp_entry_to_pte(SwapEntry entry, [CallerMemberName] string function = "")
    {
        var pte = Pte.FromArchSwap(entry.Type, entry.Offset);
        if (pte.ArchSwapType != entry.Type || pte.ArchSwapOffset != entry.Offset)
            Violation(ViolationCategory.BugOn, function, $"swp_entry_to_pte({entry}) does not round-trip");
        return pte;
    }

    internal bool pte_swp_soft_dirty(Pte pte, [CallerMemberName] string function = "")
    {
        RequireSwap(pte, nameof(pte_swp_soft_dirty), function);
        return pte.Has(Pte._PAGE_SWP_SOFT_DIRTY);
    }

    internal Pte pte_swp_mksoft_dirty(Pte pte, [CallerMemberName] string function = "")
    {
        RequireSwap(pte, nameof(pte_swp_mksoft_dirty), function);
        return pte.Set(Pte._PAGE_SWP_SOFT_DIRTY);
    }

    // ---------------- swapops.h helpers that touch the memmap ----------------

    internal bool non_swap_entry(SwapEntry e) => Swp.non_swap_entry(e);
    internal bool is_device_entry(SwapEntry e) => Swp.is_device_entry(e);
    internal bool is_write_device_entry(SwapEntry e) => Swp.is_write_device_entry(e);
    internal bool is_migration_entry(SwapEntry e) => Swp.is_migration_entry(e);
    internal bool is_write_migration_entry(SwapEntry e) => Swp.is_write_migration_entry(e);
    internal bool is_hwpoison_entry(SwapEntry e) => Swp.is_hwpoison_entry(e);

    /// <summary>make_device_entry(page, write) (seed, swapops.h).</summary>
    internal SwapEntry make_device_entry(Page page, bool write) => Swp.make_device_entry(page.Pfn, write);

    /// <summary>make_migration_entry(page, write) (swapops.h).</summary>
    internal SwapEntry make_migration_entry(Page page, bool write) => Swp.make_migration_entry(page.Pfn, write);

    /// <summary>device_entry_to_page (seed, swapops.h): pfn_to_page(swp_offset(entry)); NULL when the config is off.</summary>
    internal Page? device_entry_to_page(SwapEntry e, [CallerMemberName] string function = "") =>
        Config.DeviceUnaddressable ? Memmap.pfn_to_page(e.Offset, function) : null;

    /// <summary>
    /// migration_entry_to_page (v4.11 swapops.h): the page must be locked while migration entries point at it
    /// (BUG_ON(!PageLocked(p))).
    /// </summary>
    internal Page migration_entry_to_page(SwapEntry e, [CallerMemberName] string function = "")
    {
        var page = Memmap.pfn_to_page(e.Offset, function);
        BUG_ON(!page.ReadLocked(function), function, $"migration entry to unlocked page pfn={page.Pfn}");
        return page;
    }

    /// <summary>page_to_pfn: arithmetic on the memmap address, no access.</summary>
    internal static long page_to_pfn(Page page) => page.Pfn;

    /// <summary>pfn_to_page.</summary>
    internal Page pfn_to_page(long pfn, [CallerMemberName] string function = "") => Memmap.pfn_to_page(pfn, function);
}
