namespace Hmm.Spec.Model;

/// <summary>
/// The memmap: one <see cref="Page"/> per pfn that has a struct page (system RAM, hotplugged device memory).
/// Ranges are added and removed by hotplug. pfn_to_page of a pfn that never had a struct page is a
/// <c>no-struct-page</c> violation; of a pfn whose struct pages were removed, <c>memmap-gone</c> (on x86-64
/// vmemmap either reads an unbacked or stale struct page). pfn_to_page records the pointer's allocation
/// generation for the calling CPU (<see cref="KernelWorld.NotePagePointer"/>).
/// </summary>
internal sealed class Memmap(KernelWorld world)
{
    private readonly SortedDictionary<long, Page> _pages = [];
    private Page? _zeroPage;

    /// <summary>
    /// The pfn of the shared zero page (<c>my_zero_pfn</c>). The kernel's is a page of the kernel image, which a
    /// scenario's <c>ram_pages</c> does not count either; the model puts it at 2^34, the first pfn beyond any
    /// pfn a scenario or history can name (46 physical address bits), so it takes nothing from the RAM, device,
    /// hotplug or MMIO ranges a scenario declares.
    /// </summary>
    public const long ZeroPfn = 1L << 34;

    /// <summary>
    /// The zero page's struct page (empty_zero_page: reserved, never freed, contents 0). Not in <see cref="Pages"/>:
    /// no PTE that maps it holds a reference or a mapcount (vm_normal_page returns NULL for it), so the refcount
    /// invariants do not apply. Created by <see cref="AddZeroPage"/> at boot.
    /// </summary>
    public Page ZeroPage => _zeroPage ?? throw new InvalidOperationException("the zero page is created at boot");

    /// <summary>Boot: the zero page's struct page (reserved: refcount 1, in use, contents 0).</summary>
    internal void AddZeroPage()
    {
        _zeroPage = new Page(world, ZeroPfn, Zone.Normal, pgmap: null, initialRefcount: 1, PageState.InUse);
        world.Record(StepKind.Write, "paging_init", "memmap", $"zero page at pfn {ZeroPfn}");
    }

    /// <summary>Pfns whose struct pages were removed (and not added again): pfn_to_page of one is memmap-gone.</summary>
    private readonly HashSet<long> _removed = [];

    /// <summary>True when the struct pages of <paramref name="pfn"/> existed and were removed (memory hot-remove).</summary>
    public bool WasRemoved(long pfn) => _removed.Contains(pfn);

    /// <summary>pfn_valid.</summary>
    public bool pfn_valid(long pfn) => _pages.ContainsKey(pfn) || (pfn == ZeroPfn && _zeroPage is not null);

    /// <summary>pfn_to_page.</summary>
    public Page pfn_to_page(long pfn, string function)
    {
        if (pfn == ZeroPfn && _zeroPage is not null)
            return _zeroPage;
        if (!_pages.TryGetValue(pfn, out var page))
        {
            if (WasRemoved(pfn))
                throw world.Violation(ViolationCategory.MemmapGone, function, $"pfn_to_page({pfn}): the struct pages of this pfn were removed");
            throw world.Violation(ViolationCategory.NoStructPage, function, $"pfn_to_page({pfn}): no struct page for this pfn");
        }
        world.NotePagePointer(page);
        return page;
    }

    /// <summary>The page for a pfn, or null (no violation), for walkers and tests.</summary>
    public Page? Find(long pfn)
    {
        world.Touch(StepKind.Read, "memmap");
        if (pfn == ZeroPfn && _zeroPage is not null)
            return _zeroPage;
        return _pages.GetValueOrDefault(pfn);
    }

    /// <summary>Every live struct page, in pfn order (the zero page apart).</summary>
    public IEnumerable<Page> Pages => _pages.Values;

    /// <summary>Creates struct pages for [start, start+count) (memmap_init_zone / memory hotplug).</summary>
    public void AddRange(long start, int count, Zone zone, DevPagemap? pgmap, int initialRefcount, PageState state,
        string function = "memmap_init_zone")
    {
        for (var pfn = start; pfn < start + count; pfn++)
        {
            if (_pages.ContainsKey(pfn))
                world.Violation(ViolationCategory.BugOn, function, $"memmap for pfn {pfn} already exists");
        }
        for (var pfn = start; pfn < start + count; pfn++)
        {
            _pages[pfn] = new Page(world, pfn, zone, pgmap, initialRefcount, state);
            _removed.Remove(pfn);
        }
        world.Record(StepKind.Write, function, "memmap", $"added pfns [{start}, {start + count}) {zone}");
    }

    /// <summary>Removes the struct pages of [start, start+count) (arch_remove_memory): they go offline.</summary>
    public void RemoveRange(long start, int count, string function = "arch_remove_memory")
    {
        for (var pfn = start; pfn < start + count; pfn++)
        {
            if (!_pages.TryGetValue(pfn, out var page))
                continue;
            // Marked removed before it leaves the memmap: an uncontrolled (stress) reader that misses the page
            // then already finds it among the removed pfns. (No lock and no concurrent collection: Coyote's
            // rewriting would turn them into extra scheduling steps and move every fixed-seed schedule.)
            _removed.Add(pfn);
            _pages.Remove(pfn);
            page.MarkOffline(function);
        }
        world.Record(StepKind.Write, function, "memmap", $"removed pfns [{start}, {start + count})");
    }
}
