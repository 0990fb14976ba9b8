using Hmm.Spec.Model.Hotplug;
using Hmm.Spec.Model.Locking;

namespace Hmm.Spec.Model;

/// <summary>
/// The reference device driver, modelled on the kernel's test driver lib/test_hmm.c ("dmirror") on top of the
/// 2017 interfaces the seed presumes (hmm_devmem: a devm_memremap_pages range with MEMORY_DEVICE |
/// MEMORY_DEVICE_ALLOW_MIGRATE | MEMORY_DEVICE_UNADDRESSABLE marked IORES_DESC_UNADDRESSABLE_MEMORY).
/// It owns a pool of device pages on a free list; its page_free callback puts pages back, its page_fault
/// callback migrates the faulting page back to system memory. Device reads/writes, MIGRATE and release live in
/// the other Dmirror*.cs files. The driver takes no page references of its own beyond what the 2017 code took.
/// </summary>
[Microsoft.Coyote.Rewriting.SkipRewriting(NotRewritten.Reason)]
internal sealed partial class Dmirror
{
    private readonly KernelWorld _w;
    private readonly SortedSet<long> _free = [];

    private Dmirror(KernelWorld world, Resource resource, DevPagemap pgmap)
    {
        _w = world;
        Resource = resource;
        Pgmap = pgmap;
        DeviceLock = new RwSemaphore(world, "dmirror device");
        MirrorLock = new RwSemaphore(world, "dmirror mutex");
    }

    /// <summary>
    /// The device's lifetime lock: ioctls (MIGRATE, READ, WRITE) hold it for read, unbind for write, so that
    /// unbind does not run in the middle of an ioctl (the kernel gets this from the open file's reference on the
    /// device). CPU faults do not take it: they reach the driver through the pgmap, which is the race the
    /// teardown fixes are about.
    /// </summary>
    public RwSemaphore DeviceLock { get; }

    public const string DeviceName = "hmm_dmirror0";

    /// <summary>The iomem resource the driver requested for its device memory.</summary>
    public Resource Resource { get; }
    /// <summary>The dev_pagemap of the device memory.</summary>
    public DevPagemap Pgmap { get; }
    /// <summary>The devm_memremap_pages page_map (null once released).</summary>
    public PageMap? PageMap { get; private set; }
    /// <summary>Set once the device memory was released (unbind).</summary>
    public bool Released { get; private set; }

    /// <summary>Free device pages, lowest pfn first (deterministic runs).</summary>
    public IReadOnlyCollection<long> FreePfns => _free;

    /// <summary>The MEMORY_* flags the driver hotplugs its memory with (hmm_devmem_pages_create).</summary>
    public const int DevmemFlags =
        MemoryFlags.MEMORY_DEVICE | MemoryFlags.MEMORY_DEVICE_ALLOW_MIGRATE | MemoryFlags.MEMORY_DEVICE_UNADDRESSABLE;

    /// <summary>
    /// Probe (dmirror_device_init + hmm_devmem_add): request the device range in iomem_resource and mark it
    /// IORES_DESC_UNADDRESSABLE_MEMORY, init the percpu ref, devm_memremap_pages with the device flags and
    /// callbacks; every page starts on the free list. Returns null (and the errno) when the range is refused.
    /// </summary>
    public static Dmirror? Probe(KernelWorld world, long startPfn, int pages, out Errno error)
    {
        const string fn = "dmirror_probe";
        var res = new Resource(DeviceName, startPfn, startPfn + pages - 1, IoresourceFlags.Mem | IoresourceFlags.Busy);
        world.Point(StepKind.Write, "iomem_resource");
        var conflict = world.Iomem.request_resource_conflict(world.Iomem.Root, res);
        world.Record(StepKind.Write, fn, "iomem_resource", conflict is null ? $"inserted {res}" : $"conflict with {conflict}");
        if (conflict is not null)
        {
            error = Errno.EBUSY;
            return null;
        }
        res.Desc = IoresDesc.UnaddressableMemory;

        var pgmap = new DevPagemap(world, DeviceName, startPfn, pages);
        pgmap.percpu_ref_init(fn);
        var driver = new Dmirror(world, res, pgmap);
        var setup = new DevPagemapSetup(DevmemFlags, driver.dmirror_devmem_fault, dmirror_devmem_free, driver);
        var pageMap = world.devm_memremap_pages(DeviceName, res, pgmap, setup, out error);
        if (pageMap is null)
        {
            world.Iomem.release_resource(res);
            return null;
        }
        driver.PageMap = pageMap;
        for (var pfn = startPfn; pfn < startPfn + pages; pfn++)
            driver._free.Add(pfn);
        return driver;
    }

    /// <summary>
    /// dmirror_devmem_alloc_page: take the lowest free device page, initialise it for use
    /// (zone_device_page_init: a page reference in the seed era, refcount 1 + a pgmap reference after
    /// 0dc45ca1ce18) and lock it. Null when the pool is empty.
    /// </summary>
    public Page? dmirror_devmem_alloc_page()
    {
        const string fn = nameof(dmirror_devmem_alloc_page);
        _w.Point(StepKind.Write, "dmirror free list");
        if (_free.Count == 0)
        {
            _w.Record(StepKind.Note, fn, "dmirror free list", "empty");
            return null;
        }
        var pfn = _free.Min;
        _free.Remove(pfn);
        _w.Record(StepKind.Write, fn, "dmirror free list", $"take pfn={pfn}");
        var page = _w.pfn_to_page(pfn, fn);
        _w.zone_device_page_init(page, fn);
        page.Lock(fn);
        return page;
    }

    /// <summary>
    /// dmirror_devmem_free (the pgmap's page_free callback, via hmm_devmem_free): the page's last user is gone;
    /// put it back on the free list. Static like the kernel's callback: the driver comes from pgmap->data.
    /// </summary>
    public static void dmirror_devmem_free(Page page, object? data)
    {
        const string fn = nameof(dmirror_devmem_free);
        var driver = (Dmirror)data!;
        page.MarkFree(fn);
        driver._w.Point(StepKind.Write, "dmirror free list");
        if (!driver._free.Add(page.Pfn))
            driver._w.Violation(ViolationCategory.DoubleFree, fn, $"device page pfn={page.Pfn} already on the free list");
        driver._w.Record(StepKind.Write, fn, "dmirror free list", $"put pfn={page.Pfn}");
    }

    /// <summary>Device pages currently handed out (allocated and not yet freed).</summary>
    public int PagesInUse => Pgmap.NrPages - _free.Count;
}
