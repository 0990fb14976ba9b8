namespace Hmm.Spec.Model;

/// <summary>
/// The system-RAM page allocator (mm/page_alloc.c reduced to order-0 pages): a free list handing out the lowest
/// free pfn, so runs are deterministic. alloc_page returns null when empty (the caller's ENOMEM / VM_FAULT_OOM).
/// </summary>
internal sealed class PageAllocator(KernelWorld world)
{
    private readonly SortedSet<long> _free = [];

    public int FreeCount => _free.Count;
    public IReadOnlyCollection<long> FreePfns => _free;

    /// <summary>
    /// Pages ever handed to the allocator (totalram_pages): boot RAM plus onlined hot-added RAM. Every one of
    /// them must be free again once nothing runs.
    /// </summary>
    public int ManagedPages { get; private set; }

    /// <summary>Boot (mem_init) or online_pages: the range joins the free list and totalram_pages.</summary>
    internal void AddFreeRange(long start, int count)
    {
        for (var pfn = start; pfn < start + count; pfn++)
        {
            if (_free.Add(pfn))
                ManagedPages++;
        }
    }

    /// <summary>alloc_page(GFP_HIGHUSER | __GFP_ZERO): refcount 1, _mapcount -1, zeroed data; null when empty.</summary>
    public Page? alloc_page(string function = nameof(alloc_page))
    {
        world.Point(StepKind.Write, "buddy");
        if (_free.Count == 0)
        {
            world.Record(StepKind.Note, function, "buddy", "no free page (ENOMEM)");
            return null;
        }
        var pfn = _free.Min;
        _free.Remove(pfn);
        world.Record(StepKind.Write, function, "buddy", $"alloc pfn={pfn}");
        var page = world.Memmap.pfn_to_page(pfn, function);
        page.MarkInUse(function);
        page.SetRefcount(1, function);
        page.WriteContents(0, function);
        return page;
    }

    /// <summary>free_hot_cold_page: the page's last reference is gone; back to the free list.</summary>
    public void free_hot_cold_page(Page page, string function = nameof(free_hot_cold_page))
    {
        if (page.Zone != Zone.Normal)
            world.Violation(ViolationCategory.BugOn, function, $"ZONE_DEVICE page pfn={page.Pfn} freed to the page allocator");
        world.Touch(StepKind.Read, page.ResourceOf("refcount"));
        if (page.RefcountRaw != 0)
            world.Violation(ViolationCategory.BugOn, function, $"freeing page pfn={page.Pfn} with refcount {page.RefcountRaw}");
        page.MarkFree(function);
        page.ClearFlagsForBuddy();
        world.Step(StepKind.Write, function, "buddy", $"free pfn={page.Pfn}");
        _free.Add(page.Pfn);
    }
}
