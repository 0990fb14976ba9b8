using System.Runtime.CompilerServices;

namespace Hmm.Spec.Model;

/// <summary>
/// Page references and reverse-map counts (include/linux/mm.h get_page/put_page as patched by the HMM series'
/// "free-page callback" patch that the seed builds on, include/linux/page_ref.h, mm/rmap.c, mm/swap.c).
/// </summary>
public sealed partial class KernelWorld
{
    private readonly Dictionary<long, List<string>> _heldRefs = [];

    /// <summary>
    /// get_page: VM_BUG_ON_PAGE(page_ref_count(page) &lt;= 0); page_ref_inc; for ZONE_DEVICE pages (seed era)
    /// get_zone_device_page takes a pgmap percpu reference too.
    /// </summary>
    internal void get_page(Page page, [CallerMemberName] string function = "")
    {
        var count = page.AddRefcount(1, function);
        BUG_ON(count <= 1, function, $"get_page on page pfn={page.Pfn} with refcount {count - 1}");
        if (page.Zone == Zone.Device)
            get_zone_device_page(page, function);
    }

    /// <summary>
    /// get_page_unless_zero: take a reference only if the page is not (being) freed. For seed-era device pages
    /// the idle count is 1, so this does not detect a free device page (as in the kernel).
    /// </summary>
    internal bool get_page_unless_zero(Page page, [CallerMemberName] string function = "")
    {
        if (!page.AddRefcountUnlessZero(function))
            return false;
        if (page.Zone == Zone.Device)
            get_zone_device_page(page, function);
        return true;
    }

    /// <summary>
    /// put_page: ZONE_DEVICE pages go to put_zone_device_page; other pages are freed when the count reaches 0
    /// (put_page_testzero + __put_page).
    /// </summary>
    internal void put_page(Page page, [CallerMemberName] string function = "")
    {
        if (page.Zone == Zone.Device)
        {
            put_zone_device_page(page, function);
            return;
        }
        if (page.AddRefcount(-1, function) == 0)
            __put_page(page, function);
    }

    /// <summary>__put_page → __put_single_page: back to the page allocator (shmem/anon mappings already gone).</summary>
    private void __put_page(Page page, string function)
    {
        Touch(StepKind.Read, page.ResourceOf("mapping"));
        if (page.MappingRaw is ShmemFile)
            Violation(ViolationCategory.BugOn, function, $"page pfn={page.Pfn} freed while still in the page cache");
        Buddy.free_hot_cold_page(page, function);
    }

    /// <summary>page_ref_count.</summary>
    internal int page_ref_count(Page page, [CallerMemberName] string function = "") => page.ReadRefcount(function);

    /// <summary>page_mapcount: _mapcount + 1.</summary>
    internal int page_mapcount(Page page, [CallerMemberName] string function = "") => page.ReadMapcount(function);

    /// <summary>page_dup_rmap(page, false): atomic_inc(&amp;page-&gt;_mapcount) (fork).</summary>
    internal void page_dup_rmap(Page page, bool compound = false, [CallerMemberName] string function = "")
    {
        _ = compound;
        page.AddMapcount(1, function);
    }

    /// <summary>
    /// set_page_dirty (mm/page-writeback.c v4.11): through the mapping's a_ops (shmem: __set_page_dirty_no_writeback;
    /// anon in no swap cache: SetPageDirty); for every page the model has it sets PG_dirty.
    /// </summary>
    internal void set_page_dirty(Page page, [CallerMemberName] string function = "") => page.SetDirty(function);

    /// <summary>page_remove_rmap(page, false): atomic_add_negative(-1, &amp;page-&gt;_mapcount).</summary>
    internal void page_remove_rmap(Page page, bool compound = false, [CallerMemberName] string function = "")
    {
        _ = compound;
        page.AddMapcount(-1, function);
    }

    /// <summary>page_add_new_anon_rmap: a fresh page's first mapping: _mapcount -1 → 0, mapping = anon_vma.</summary>
    internal void page_add_new_anon_rmap(Page page, Vma vma, long address, [CallerMemberName] string function = "")
    {
        if (vma.AnonVma is null)
            Violation(ViolationCategory.BugOn, function, $"page_add_new_anon_rmap in {vma} without anon_vma");
        var mapcount = page.AddMapcount(1, function);
        BUG_ON(mapcount != 0, function, $"page_add_new_anon_rmap on mapped page pfn={page.Pfn}");
        page.WriteMapping(vma.AnonVma, vma.linear_page_index(address), function);
    }

    /// <summary>page_add_anon_rmap: one more mapping of an anonymous page (swap-in, remove_migration_pte).</summary>
    internal void page_add_anon_rmap(Page page, Vma vma, long address, [CallerMemberName] string function = "")
    {
        var first = page.AddMapcount(1, function) == 0;
        Touch(StepKind.Read, page.ResourceOf("mapping"));
        if (first && page.MappingRaw is null)
            page.WriteMapping(vma.AnonVma, vma.linear_page_index(address), function);
    }

    /// <summary>page_add_file_rmap: one more mapping of a page-cache page.</summary>
    internal void page_add_file_rmap(Page page, [CallerMemberName] string function = "") => page.AddMapcount(1, function);

    /// <summary>PageAnon: page->mapping is an anon_vma.</summary>
    internal bool PageAnon(Page page, [CallerMemberName] string function = "") => page.ReadMapping(function) is AnonVma;

    /// <summary>page_rmapping: page->mapping without the PAGE_MAPPING_ANON tag.</summary>
    internal object? page_rmapping(Page page, [CallerMemberName] string function = "") => page.ReadMapping(function);

    /// <summary>mm_counter(page): MM_ANONPAGES for anon pages, else mm_counter_file (shmem → MM_SHMEMPAGES).</summary>
    internal MmCounter mm_counter(Page page, [CallerMemberName] string function = "") =>
        page.ReadMapping(function) switch
        {
            AnonVma => MmCounter.MM_ANONPAGES,
            ShmemFile => MmCounter.MM_SHMEMPAGES,
            _ => MmCounter.MM_FILEPAGES,
        };

    /// <summary>copy_user_highpage: copy the data of one page into another.</summary>
    internal void copy_user_highpage(Page to, Page from, [CallerMemberName] string function = "") =>
        to.WriteContents(from.ReadContents(function), function);

    // ---------------- references held in flight ----------------

    /// <summary>
    /// Declares that the current actor holds a reference on <paramref name="page"/> that no PTE accounts for
    /// (a fault in progress, a migration in progress). Invariants count these.
    /// </summary>
    internal void NoteRefHeld(Page page, string why)
    {
        if (!_heldRefs.TryGetValue(page.Pfn, out var list))
            _heldRefs[page.Pfn] = list = [];
        list.Add($"{CurrentActor}: {why}");
    }

    /// <summary>The in-flight reference noted by <see cref="NoteRefHeld"/> is dropped.</summary>
    internal void NoteRefDropped(Page page, string why)
    {
        var entry = $"{CurrentActor}: {why}";
        if (!_heldRefs.TryGetValue(page.Pfn, out var list) || !list.Remove(entry))
            Violation(ViolationCategory.BugOn, "NoteRefDropped", $"no in-flight reference \"{entry}\" on page pfn={page.Pfn}");
        if (list!.Count == 0)
            _heldRefs.Remove(page.Pfn);
    }

    /// <summary>In-flight references per pfn.</summary>
    internal IReadOnlyDictionary<long, List<string>> HeldRefs => _heldRefs;

    // ---------------- struct page pointers and their allocation generation ----------------

    /// <summary>
    /// The allocation generation of every struct page each CPU obtained during its current op (by pfn_to_page, by
    /// allocating it, by a speculative get_page_unless_zero). A <c>struct page *</c> in the kernel is a bare
    /// pointer; a CPU that keeps it across a window in which it holds neither the PTL nor a reference can find the
    /// page freed and, since the driver hands out the lowest free pfn first, allocated again (ABA): the page is in
    /// use, so the liveness check alone would pass. Every checked accessor compares the page's generation with the
    /// one its CPU captured (<see cref="CheckPagePointer"/>). Concurrent: stress runs use real threads.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentDictionary<long, int>> _pagePointers = new();

    /// <summary>The current CPU now holds a pointer to <paramref name="page"/> as it is (its current allocation).</summary>
    internal void NotePagePointer(Page page) =>
        _pagePointers.GetOrAdd(CurrentActor, static _ => new())[page.Pfn] = page.Generation;

    /// <summary>
    /// A checked access through a pointer the current CPU captured: a different generation means the page was
    /// freed and reallocated since (use-after-free on a reused page).
    /// </summary>
    internal void CheckPagePointer(Page page, string function, string field)
    {
        if (_pagePointers.IsEmpty || !_pagePointers.TryGetValue(CurrentActor, out var mine)
            || !mine.TryGetValue(page.Pfn, out var captured) || captured == page.Generation)
            return;
        Violation(ViolationCategory.UseAfterFree, function,
            $"{field} of page pfn={page.Pfn} ({page.Zone}) through a stale pointer: freed and allocated again since this CPU looked it up (allocation {captured} -> {page.Generation})");
    }
}
