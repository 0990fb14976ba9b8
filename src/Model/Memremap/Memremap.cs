using System.Runtime.CompilerServices;

namespace Hmm.Spec.Model;

/// <summary>
/// kernel/memremap.c and include/linux/memremap.h: ZONE_DEVICE page references, the seed's
/// device_entry_fault, is_addressable_page and dev_page_allow_migrate.
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>is_zone_device_page.</summary>
    internal static bool is_zone_device_page(Page page) => page.Zone == Zone.Device;

    /// <summary>
    /// is_addressable_page (seed, include/linux/memremap.h): not ZONE_DEVICE, or its pgmap lacks
    /// MEMORY_DEVICE_UNADDRESSABLE. (The seed's always-true stub is for !CONFIG_ZONE_DEVICE, which the model
    /// does not configure.)
    /// </summary>
    internal bool is_addressable_page(Page page, [CallerMemberName] string function = "")
    {
        if (page.Zone != Zone.Device)
            return true;
        var pgmap = page.ReadPgmap(function) ?? throw Violation(ViolationCategory.BugOn, function, $"ZONE_DEVICE page pfn={page.Pfn} without pgmap");
        return (pgmap.ReadFlags(function) & MemoryFlags.MEMORY_DEVICE_UNADDRESSABLE) == 0;
    }

    /// <summary>dev_page_allow_migrate (include/linux/memremap.h): ZONE_DEVICE with MEMORY_DEVICE_ALLOW_MIGRATE.</summary>
    internal bool dev_page_allow_migrate(Page page, [CallerMemberName] string function = "")
    {
        if (page.Zone != Zone.Device)
            return false;
        var pgmap = page.ReadPgmap(function) ?? throw Violation(ViolationCategory.BugOn, function, $"ZONE_DEVICE page pfn={page.Pfn} without pgmap");
        return (pgmap.ReadFlags(function) & MemoryFlags.MEMORY_DEVICE_ALLOW_MIGRATE) != 0;
    }

    /// <summary>
    /// get_zone_device_page (seed era, v4.11 include/linux/mm.h get_page → kernel/memremap.c): every page reference
    /// pins the pgmap (percpu_ref_get). 71389703839e removed it (<see cref="KernelVariant.PageRefsPinPgmap"/> off);
    /// from 50f44ee7248a the model pins per reference again, standing for the per-page pin held until the final
    /// put. From ef233450898f / 0dc45ca1ce18 on, only allocation pins it (see <see cref="zone_device_page_init"/>).
    /// </summary>
    private void get_zone_device_page(Page page, string function)
    {
        if (Variant.FreeDevicePagesAtRefcountZero || !Variant.PageRefsPinPgmap)
            return;
        page.ReadPgmap(function)!.percpu_ref_get(function);
    }

    /// <summary>
    /// put_zone_device_page (kernel/memremap.c, as the HMM series' free-page-callback patch left it for the seed):
    /// <code>
    /// count = page_ref_dec_return(page);
    /// if (page->pgmap->page_free &amp;&amp; count == 1) page->pgmap->page_free(page, page->pgmap->data);
    /// else if (!count) __put_page(page);
    /// put_dev_pagemap(page->pgmap);
    /// </code>
    /// The model reads page->pgmap before the decrement (the field cannot change while the caller's reference
    /// pins the pgmap) so that the last dropper is not reported for reading a page it just freed. Nothing of the
    /// page is cleared on this path (not mapping, index, hmm_data or pgmap). After 71389703839e the put drops no pgmap
    /// reference (<see cref="KernelVariant.PageRefsPinPgmap"/> off; v4.14 put_zone_device_private_or_public_page).
    /// Under FreeDevicePagesAtRefcountZero (ef233450898f + 0dc45ca1ce18) the page is freed at 0 instead
    /// (free_zone_device_page: page_free, then drop the allocation's pgmap reference).
    /// </summary>
    internal void put_zone_device_page(Page page, [CallerMemberName] string function = "")
    {
        var pgmap = page.ReadPgmap(function) ?? throw Violation(ViolationCategory.BugOn, function, $"ZONE_DEVICE page pfn={page.Pfn} without pgmap");
        var count = page.AddRefcount(-1, function);
        if (Variant.FreeDevicePagesAtRefcountZero)
        {
            if (count != 0)
                return;
            var free = pgmap.ReadPageFree(function);
            BUG_ON(free is null, function, $"device page pfn={page.Pfn} reached refcount 0 without page_free");
            page.WriteMapping(null, 0, function);
            free!(page, pgmap.Data);
            pgmap.percpu_ref_put(function);
            return;
        }
        var pageFree = pgmap.ReadPageFree(function);
        if (pageFree is not null && count == 1)
            pageFree(page, pgmap.Data);
        else if (count == 0)
            __put_page(page, function);
        if (Variant.PageRefsPinPgmap)
            pgmap.percpu_ref_put(function);
    }

    /// <summary>
    /// A driver hands out a free device page. Seed era: free pages idle at refcount 1, allocation takes a page
    /// reference (get_page: 1 → 2, pinning the pgmap). From 0dc45ca1ce18 (zone_device_page_init): free pages
    /// idle at 0, allocation pins the pgmap once (percpu_ref_tryget_live) and sets the count to 1.
    /// The caller locks the page if it needs to.
    /// </summary>
    internal void zone_device_page_init(Page page, [CallerMemberName] string function = "")
    {
        page.MarkInUse(function);
        if (Variant.FreeDevicePagesAtRefcountZero)
        {
            var pgmap = page.ReadPgmap(function)!;
            BUG_ON(!pgmap.percpu_ref_tryget_live(function), function, $"allocating device page pfn={page.Pfn} from a dying pgmap");
            BUG_ON(page.ReadRefcount(function) != 0, function, $"free device page pfn={page.Pfn} with nonzero refcount");
            page.SetRefcount(1, function);
        }
        else
        {
            get_page(page, function);
        }
    }

    /// <summary>Refcount of an idle (free) device page in this variant: 1 in the seed era, 0 after ef233450898f.</summary>
    internal int DevicePageIdleRefcount => Variant.FreeDevicePagesAtRefcountZero ? 0 : 1;

    /// <summary>
    /// device_entry_fault (seed, kernel/memremap.c):
    /// <code>
    /// struct page *page = device_entry_to_page(entry);
    /// BUG_ON(!page->pgmap->page_fault);
    /// return page->pgmap->page_fault(vma, addr, page, flags, pmdp);
    /// </code>
    /// Without CONFIG_DEVICE_UNADDRESSABLE the stub returns VM_FAULT_SIGBUS.
    /// </summary>
    internal int device_entry_fault(Vma vma, long address, SwapEntry entry, int flags, [CallerMemberName] string caller = "")
    {
        _ = caller;
        const string function = nameof(device_entry_fault);
        if (!Config.DeviceUnaddressable)
            return VmFault.VM_FAULT_SIGBUS;
        var page = device_entry_to_page(entry, function)!;
        var pgmap = page.ReadPgmap(function) ?? throw Violation(ViolationCategory.BugOn, function, $"device page pfn={page.Pfn} without pgmap");
        var pageFault = pgmap.ReadPageFault(function);
        BUG_ON(pageFault is null, function, $"BUG_ON(!page->pgmap->page_fault) for pfn={page.Pfn}");
        Record(StepKind.Call, function, $"page {page.Pfn}", "page->pgmap->page_fault");
        return pageFault!(vma, address, page, flags);
    }
}
