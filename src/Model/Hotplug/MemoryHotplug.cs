using Hmm.Spec.Model.Hotplug;
using Hmm.Spec.Model.Locking;
using Microsoft.Extensions.Logging;

namespace Hmm.Spec.Model;

/// <summary>One call of arch_add_memory / arch_remove_memory, as the test of "flags reach the arch" sees it.</summary>
internal readonly record struct ArchMemoryCall(string Function, long StartPfn, int NrPages, int Flags, bool LinearMapping);

/// <summary>
/// mm/memory_hotplug.c (v4.11 + the seed hunk in register_memory_resource) and the iomem resource tree of
/// kernel/resource.c. Sizes are in pages and a memory section is one page (the kernel's 128 MiB sections only
/// round ranges up; the model's ranges are already page-exact).
/// </summary>
public sealed partial class KernelWorld
{
    private IomemResourceTree? _iomem;
    private KernelSpinLock? _deviceHotplugLock;
    private KernelSpinLock? _memHotplugLock;
    private readonly List<ArchMemoryCall> _archMemoryCalls = [];

    /// <summary>
    /// The iomem resource tree; System RAM [0, RamPages) is registered at boot (e820 → "System RAM"), lazily on
    /// first use so that a world without device or hotplug pays nothing.
    /// </summary>
    internal IomemResourceTree Iomem
    {
        get
        {
            if (_iomem is null)
            {
                _iomem = new IomemResourceTree();
                if (Layout.RamPages > 0)
                {
                    var ram = new Resource("System RAM", 0, Layout.RamPages - 1, IoresourceFlags.SystemRam | IoresourceFlags.Busy);
                    _iomem.request_resource(_iomem.Root, ram);
                }
            }
            return _iomem;
        }
    }

    /// <summary>Every arch_add_memory/arch_remove_memory call with the flags it received, in order.</summary>
    internal IReadOnlyList<ArchMemoryCall> ArchMemoryCalls => _archMemoryCalls;

    private KernelSpinLock DeviceHotplugLock => _deviceHotplugLock ??= new KernelSpinLock(this, "device_hotplug_lock");
    private KernelSpinLock MemHotplugLock => _memHotplugLock ??= new KernelSpinLock(this, "mem_hotplug_lock");

    /// <summary>lock_device_hotplug (drivers/base/core.c): a mutex serialising device hotplug.</summary>
    internal void lock_device_hotplug(string function) => DeviceHotplugLock.Lock(function);

    /// <summary>unlock_device_hotplug.</summary>
    internal void unlock_device_hotplug(string function) => DeviceHotplugLock.Unlock(function);

    /// <summary>mem_hotplug_begin (mm/memory_hotplug.c): exclusive memory-hotplug section (writer side).</summary>
    internal void mem_hotplug_begin(string function) => MemHotplugLock.Lock(function);

    /// <summary>mem_hotplug_done.</summary>
    internal void mem_hotplug_done(string function) => MemHotplugLock.Unlock(function);

    /// <summary>
    /// register_memory_resource (seed hunk, mm/memory_hotplug.c): request [start, start+size) as
    /// "System RAM" (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) under iomem_resource; on a conflict, say so (the
    /// seed's pr_debug when the conflict is un-addressable device memory) and fail with -EEXIST.
    /// Mutant RegisterMemoryIgnoresConflict: the conflict is ignored and the (unregistered) resource returned.
    /// </summary>
    internal Resource? register_memory_resource(long start, int size, out Errno error)
    {
        const string function = nameof(register_memory_resource);
        var res = new Resource("System RAM", start, start + size - 1, IoresourceFlags.SystemRam | IoresourceFlags.Busy);
        Point(StepKind.Write, "iomem_resource");
        var conflict = Iomem.request_resource_conflict(Iomem.Root, res);
        Record(StepKind.Write, function, "iomem_resource",
            conflict is null ? $"inserted {res}" : $"conflict with {conflict}");
        if (conflict is not null && !Variant.RegisterMemoryIgnoresConflict)
        {
            if (conflict.Desc == IoresDesc.UnaddressableMemory)
                Logger.LogDebug("Device un-addressable memory block memory hotplug at {Start:#x} !", start);
            Logger.LogDebug("System RAM resource {Res} cannot be added", res);
            error = Errno.EEXIST;
            return null;
        }
        error = Errno.OK;
        return res;
    }

    /// <summary>release_memory_resource: release_resource + kfree.</summary>
    private void release_memory_resource(Resource res)
    {
        Step(StepKind.Write, nameof(release_memory_resource), "iomem_resource", $"release {res}");
        Iomem.release_resource(res);
    }

    /// <summary>
    /// add_memory (mm/memory_hotplug.c, v4.11): register_memory_resource, then add_memory_resource; the
    /// resource is released if the latter fails. The caller holds lock_device_hotplug (as the ACPI/probe paths do).
    /// </summary>
    internal Errno add_memory(int nid, long start, int size)
    {
        var res = register_memory_resource(start, size, out var error);
        if (res is null)
            return error;
        var ret = add_memory_resource(nid, res, online: true);
        if (ret != Errno.OK)
            release_memory_resource(res);
        return ret;
    }

    /// <summary>
    /// add_memory_resource (v4.11): mem_hotplug_begin, arch_add_memory(nid, start, size, MEMORY_NORMAL),
    /// mem_hotplug_done, then online the new pages when <paramref name="online"/> (memhp_auto_online: the model
    /// onlines hot-added RAM so that it can be allocated).
    /// </summary>
    internal Errno add_memory_resource(int nid, Resource res, bool online)
    {
        const string function = nameof(add_memory_resource);
        mem_hotplug_begin(function);
        Errno ret;
        List<long> added;
        try
        {
            ret = arch_add_memory(nid, res.Start, (int)res.Size, MemoryFlags.MEMORY_NORMAL, out added);
        }
        finally
        {
            mem_hotplug_done(function);
        }
        if (ret == Errno.OK && online)
        {
            foreach (var pfn in added)
                Buddy.AddFreeRange(pfn, 1);
            Record(StepKind.Write, "online_pages", "buddy", $"onlined {added.Count} pages of [{res.Start}, {res.End}]");
        }
        return ret;
    }

    /// <summary>
    /// arch_add_memory(nid, start, size, flags) (x86-64 as the HMM series changes it: the seed's flags argument):
    /// the linear mapping (init_memory_mapping) is created unless MEMORY_DEVICE_UNADDRESSABLE; then __add_pages
    /// creates the struct pages, in ZONE_DEVICE for MEMORY_DEVICE (zone_for_memory) else ZONE_NORMAL, with the
    /// idle refcount memmap_init_zone gives them (ZONE_DEVICE: 1 in the seed era, 0 after ef233450898f).
    /// __add_pages skips sections that already exist (__add_section's -EEXIST is ignored, "dealt with by
    /// ioresource collision"), so the resource tree is the only guard against RAM hotplug over a device's range.
    /// Must run under mem_hotplug_begin. <paramref name="added"/> lists the pfns that got a struct page.
    /// </summary>
    internal Errno arch_add_memory(int nid, long start, int size, int flags, out List<long> added)
    {
        _ = nid;
        const string function = nameof(arch_add_memory);
        MemHotplugLock.AssertHeld(function, "arch_add_memory");
        var linear = (flags & MemoryFlags.MEMORY_DEVICE_UNADDRESSABLE) == 0;
        _archMemoryCalls.Add(new ArchMemoryCall(function, start, size, flags, linear));
        Record(StepKind.Call, function, "memmap",
            $"[{start}, {start + size}) flags={MemoryFlags.Format(flags)} linear mapping={(linear ? "yes" : "no")}");
        var device = (flags & MemoryFlags.MEMORY_DEVICE) != 0;
        added = [];
        for (var pfn = start; pfn < start + size; pfn++)
        {
            if (Memmap.pfn_valid(pfn))
            {
                Record(StepKind.Note, "__add_section", "memmap", $"pfn {pfn} already present: -EEXIST ignored");
                continue;
            }
            added.Add(pfn);
        }
        foreach (var pfn in added)
        {
            Memmap.AddRange(pfn, 1, device ? Zone.Device : Zone.Normal, pgmap: null,
                initialRefcount: device ? DevicePageIdleRefcount : 0, PageState.Free, "__add_pages");
        }
        return Errno.OK;
    }

    /// <summary>
    /// arch_remove_memory(start, size, flags) (seed: the flags now reach it): tear down the linear mapping unless
    /// un-addressable, and remove the struct pages (__remove_pages): every struct page of the range goes offline.
    /// </summary>
    internal void arch_remove_memory(long start, int size, int flags)
    {
        const string function = nameof(arch_remove_memory);
        MemHotplugLock.AssertHeld(function, "arch_remove_memory");
        var linear = (flags & MemoryFlags.MEMORY_DEVICE_UNADDRESSABLE) == 0;
        _archMemoryCalls.Add(new ArchMemoryCall(function, start, size, flags, linear));
        Record(StepKind.Call, function, "memmap",
            $"[{start}, {start + size}) flags={MemoryFlags.Format(flags)} linear mapping={(linear ? "yes" : "no")}");
        Memmap.RemoveRange(start, size, function);
    }
}
