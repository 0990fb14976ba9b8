using Hmm.Spec.Model.Hotplug;
using Microsoft.Coyote.Runtime;
using Microsoft.Extensions.Logging;

namespace Hmm.Spec.Model;

/// <summary>
/// What a caller of devm_memremap_pages chooses for its dev_pagemap. The seed's devm_memremap_pages always uses
/// <see cref="Seed"/> (flags = MEMORY_DEVICE, no callbacks); the HMM series' hmm_devmem_pages_create, a copy of
/// devm_memremap_pages (v3: "Do not change devm_memremap_pages()"), fills in MEMORY_DEVICE |
/// MEMORY_DEVICE_ALLOW_MIGRATE | MEMORY_DEVICE_UNADDRESSABLE and its callbacks before arch_add_memory. The model
/// keeps one transcription with this as its parameter (the v2 shape of the patch).
/// </summary>
internal sealed record DevPagemapSetup(int Flags, DevPageFaultFn? PageFault, DevPageFreeFn? PageFree, object? Data)
{
    /// <summary>The seed's own choice: <c>pgmap->flags = MEMORY_DEVICE; page_fault = page_free = data = NULL</c>.</summary>
    public static DevPagemapSetup Seed { get; } = new(MemoryFlags.MEMORY_DEVICE, null, null, null);
}

/// <summary>struct page_map (kernel/memremap.c): the devres object holding the resource and the dev_pagemap.</summary>
internal sealed class PageMap(string device, Resource res, DevPagemap pgmap)
{
    public string Device { get; } = device;
    public Resource Res { get; } = res;
    public DevPagemap Pgmap { get; } = pgmap;
    public bool Released { get; internal set; }
}

/// <summary>
/// kernel/memremap.c (v4.11 + the seed hunks): devm_memremap_pages with pgmap->flags reaching arch_add_memory,
/// and its release devm_memremap_pages_release with pgmap->flags reaching arch_remove_memory; plus the
/// teardown ordering of each era as a variant point (<see cref="DeviceTeardown"/>: the 2017 helper's wait,
/// 71389703839e's removal under live references, 50f44ee7248a's wait before removing the memory).
/// </summary>
public sealed partial class KernelWorld
{
    private readonly List<PageMap> _pgmapRadix = [];

    /// <summary>The live page_maps (pgmap_radix).</summary>
    internal IReadOnlyList<PageMap> PageMaps => _pgmapRadix;

    /// <summary>devm_memremap_pages as the seed leaves it: flags = MEMORY_DEVICE, no callbacks.</summary>
    internal PageMap? devm_memremap_pages(string dev, Resource res, DevPagemap pgmap, out Errno error) =>
        devm_memremap_pages(dev, res, pgmap, DevPagemapSetup.Seed, out error);

    /// <summary>
    /// devm_memremap_pages (kernel/memremap.c, seed hunks): refuse a range that intersects System RAM (-ENXIO)
    /// or a dead ref (-EINVAL); fill the dev_pagemap; insert the range in pgmap_radix (-EBUSY on a collision);
    /// under lock_device_hotplug + mem_hotplug_begin, arch_add_memory(nid, start, size, pgmap->flags);
    /// point every page's pgmap at it. <paramref name="pgmap"/> carries the caller's live percpu_ref.
    /// </summary>
    internal PageMap? devm_memremap_pages(string dev, Resource res, DevPagemap pgmap, DevPagemapSetup setup, out Errno error)
    {
        const string function = nameof(devm_memremap_pages);
        Record(StepKind.Call, function, $"pgmap {pgmap.Name}", $"{dev} [{res.Start}, {res.End}]");
        Point(StepKind.Read, "iomem_resource");
        var isRam = Iomem.region_intersects(res.Start, (int)res.Size, IoresourceFlags.SystemRam, IoresDesc.None);
        Record(StepKind.Read, function, "iomem_resource", $"region_intersects System RAM: {isRam}");
        if (isRam != RegionIntersection.Disjoint)
        {
            Logger.LogWarning("{Function} attempted on {Kind} region {Res}", function,
                isRam == RegionIntersection.Mixed ? "mixed" : "ram", res);
            error = Errno.EINVAL; // -ENXIO: the facade's vocabulary has no ENXIO; the caller only needs "refused".
            return null;
        }
        if (pgmap.RefState != PercpuRefState.Alive)
        {
            error = Errno.EINVAL;
            return null;
        }

        var pageMap = new PageMap(dev, res, pgmap);
        pgmap.WriteFlags(setup.Flags, function);
        pgmap.WritePageFault(setup.PageFault, function);
        pgmap.WritePageFree(setup.PageFree, function);
        pgmap.Data = setup.Data;

        Point(StepKind.Write, "pgmap_radix");
        foreach (var other in _pgmapRadix)
        {
            if (other.Res.Start <= res.End && res.Start <= other.Res.End)
            {
                Record(StepKind.Read, function, "pgmap_radix", $"{res} collides with mapping for {other.Device}");
                error = Errno.EBUSY;
                return null;
            }
        }
        _pgmapRadix.Add(pageMap);
        Record(StepKind.Write, function, "pgmap_radix", $"insert [{res.Start}, {res.End}] -> {pgmap.Name}");

        lock_device_hotplug(function);
        mem_hotplug_begin(function);
        Errno ret;
        List<long> added;
        try
        {
            ret = arch_add_memory(0, res.Start, (int)res.Size, pgmap.ReadFlags(function), out added);
        }
        finally
        {
            mem_hotplug_done(function);
            unlock_device_hotplug(function);
        }
        if (ret != Errno.OK || added.Count != res.Size)
        {
            pgmap_radix_release(pageMap, function);
            error = ret != Errno.OK ? ret : Errno.EEXIST;
            return null;
        }

        for (var pfn = res.Start; pfn <= res.End; pfn++)
            Memmap.pfn_to_page(pfn, function).InitPgmap(pgmap, function);
        error = Errno.OK;
        return pageMap;
    }

    /// <summary>pgmap_radix_release: drop the range from pgmap_radix.</summary>
    private void pgmap_radix_release(PageMap pageMap, string function)
    {
        Point(StepKind.Write, "pgmap_radix");
        _pgmapRadix.Remove(pageMap);
        Record(StepKind.Write, function, "pgmap_radix", $"delete [{pageMap.Res.Start}, {pageMap.Res.End}]");
    }

    /// <summary>
    /// The teardown of a device-memory range, in the order the variant's era runs it
    /// (<see cref="KernelVariant.Teardown"/>):
    /// <list type="bullet">
    /// <item>2017 series (seed): hmm_devmem_remove → hmm_devmem_ref_kill (percpu_ref_kill, then
    /// wait_for_completion until the ref drains; every in-use page pins it through v4.11 get_zone_device_page) →
    /// hmm_devmem_pages_remove (the release below). A page still mapped keeps the wait from ever ending.</item>
    /// <item>71389703839e (v4.14 to v5.1): the same kill and wait, but page references no longer pin the ref, so
    /// the wait ends at once and the struct pages are removed under live mappings (devm_memremap_pages users:
    /// release first, the owner's wait after it).</item>
    /// <item>50f44ee7248a: kill, wait for the in-use pages' pins to drain, then release.</item>
    /// </list>
    /// </summary>
    internal void devm_memremap_pages_teardown(PageMap pageMap)
    {
        const string function = "devm_memremap_pages_teardown";
        pageMap.Pgmap.percpu_ref_kill(function);
        if (Variant.TeardownWaitsForPageRefs)
            wait_for_pgmap_drain(pageMap.Pgmap, function);
        devm_memremap_pages_release(pageMap);
    }

    /// <summary>
    /// devm_memremap_pages_release (kernel/memremap.c, seed hunk): warn if the ref is still live, then under
    /// lock_device_hotplug + mem_hotplug_begin arch_remove_memory(start, size, pgmap->flags), then
    /// pgmap_radix_release; the page_map (and the dev_pagemap in it) is freed with the devres. It does not wait
    /// for page references itself: a reference still held (possible when the era's wait does not cover the pages
    /// in use) is now a reference to a removed struct page.
    /// </summary>
    internal void devm_memremap_pages_release(PageMap pageMap)
    {
        const string function = nameof(devm_memremap_pages_release);
        var pgmap = pageMap.Pgmap;
        if (pgmap.percpu_ref_tryget_live(function))
        {
            Logger.LogWarning("{Function}: page mapping is still live!", function);
            pgmap.percpu_ref_put(function);
        }
        var flags = pgmap.ReadFlags(function);
        lock_device_hotplug(function);
        mem_hotplug_begin(function);
        try
        {
            arch_remove_memory(pageMap.Res.Start, (int)pageMap.Res.Size, flags);
        }
        finally
        {
            mem_hotplug_done(function);
            unlock_device_hotplug(function);
        }
        pgmap_radix_release(pageMap, function);
        pageMap.Released = true;
        pgmap.MarkGone(function);
    }

    /// <summary>
    /// wait_for_completion on the pgmap ref's release. The task sleeps until the ref drains: under Coyote by
    /// Operation.PauseUntil, under verify by the controlled scheduler's WaitUntil (a point enabled only when the ref
    /// has drained); other tasks run, and if none can drop the references the scheduler reports a deadlock. With
    /// neither (a sequential caller) nothing else runs, so a ref that has not drained never will: that is raised as
    /// a <c>deadlock</c> violation instead of hanging.
    /// </summary>
    private void wait_for_pgmap_drain(DevPagemap pgmap, string function)
    {
        var res = $"pgmap {pgmap.Name} ref";
        Record(StepKind.Note, function, res, $"wait_for_completion ({pgmap.RefCountRaw} reference(s) left)");
        if (Controlled is { } scheduler)
            scheduler.WaitUntil(() => pgmap.RefState == PercpuRefState.Drained, res);
        else
            Operation.PauseUntil(() => pgmap.RefState == PercpuRefState.Drained);
        if (pgmap.RefState != PercpuRefState.Drained)
        {
            Violation(ViolationCategory.Deadlock, function,
                $"release of {pgmap.Name} waits for {pgmap.RefCountRaw} page reference(s) that nothing drops");
        }
        Record(StepKind.Read, function, res, "drained");
    }
}
