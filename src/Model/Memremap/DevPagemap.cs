namespace Hmm.Spec.Model;

/// <summary>
/// dev_page_fault_t (seed, include/linux/memremap.h): called on a CPU fault on an un-addressable page; must
/// migrate the page back to system memory. Returns VM_FAULT_* bits. (The kernel also passes pmdp; the model's
/// page tables have one level.)
/// </summary>
internal delegate int DevPageFaultFn(Vma vma, long address, Page page, int flags);

/// <summary>dev_page_free_t: called when a device page's refcount drops to its idle value.</summary>
internal delegate void DevPageFreeFn(Page page, object? data);

/// <summary>MEMORY_* flags of include/linux/memory_hotplug.h (seed hunk adds MEMORY_DEVICE_UNADDRESSABLE).</summary>
internal static class MemoryFlags
{
    public const int MEMORY_NORMAL = 0;
    public const int MEMORY_DEVICE = 1 << 0;
    public const int MEMORY_DEVICE_ALLOW_MIGRATE = 1 << 1;
    public const int MEMORY_DEVICE_UNADDRESSABLE = 1 << 2;

    public static string Format(int flags)
    {
        if (flags == 0)
            return "MEMORY_NORMAL";
        var parts = new List<string>();
        if ((flags & MEMORY_DEVICE) != 0) parts.Add("MEMORY_DEVICE");
        if ((flags & MEMORY_DEVICE_ALLOW_MIGRATE) != 0) parts.Add("MEMORY_DEVICE_ALLOW_MIGRATE");
        if ((flags & MEMORY_DEVICE_UNADDRESSABLE) != 0) parts.Add("MEMORY_DEVICE_UNADDRESSABLE");
        return string.Join("|", parts);
    }
}

/// <summary>State of the pgmap's percpu_ref.</summary>
internal enum PercpuRefState
{
    /// <summary>Live: percpu_ref_tryget_live succeeds.</summary>
    Alive,
    /// <summary>percpu_ref_kill was called; the count drains.</summary>
    Killed,
    /// <summary>Killed and reached zero: the release callback ran (completion done).</summary>
    Drained,
}

/// <summary>
/// struct dev_pagemap (include/linux/memremap.h, with the seed's page_fault member): flags, the page_fault and
/// page_free callbacks, driver data, the percpu ref and the physical range (res). Once the owner frees it
/// (<see cref="MarkGone"/>), any field read is a <c>pgmap-gone</c> violation.
/// </summary>
internal sealed class DevPagemap
{
    private readonly KernelWorld _w;
    private int _flags;
    private DevPageFaultFn? _pageFault;
    private DevPageFreeFn? _pageFree;
    private long _refCount;

    public DevPagemap(KernelWorld world, string name, long startPfn, int nrPages)
    {
        _w = world;
        Name = name;
        StartPfn = startPfn;
        NrPages = nrPages;
    }

    public string Name { get; }
    /// <summary>pgmap->res: first pfn of the range.</summary>
    public long StartPfn { get; }
    public int NrPages { get; }
    /// <summary>pgmap->data, passed to page_free.</summary>
    public object? Data { get; set; }
    public PercpuRefState RefState { get; private set; } = PercpuRefState.Alive;
    /// <summary>True once the pgmap's memory was released by its owner.</summary>
    public bool Gone { get; private set; }

    public long RefCountRaw => _refCount;
    public int FlagsRaw => _flags;
    public DevPageFaultFn? PageFaultRaw => _pageFault;
    public DevPageFreeFn? PageFreeRaw => _pageFree;

    private ResourceNames? _names;

    /// <summary>Field resource names; a property and an indexer, so no method call per access (see <see cref="StepDetail"/>).</summary>
    private ResourceNames Res => _names ??= new ResourceNames($"pgmap {Name}");

    /// <summary>The resource name of a field, for accesses without a step (<see cref="KernelWorld.Touch"/>).</summary>
    internal string ResourceOf(string field) => Res[field];

    private void CheckAlive(string function, string field)
    {
        if (Gone)
            _w.Violation(ViolationCategory.PgmapGone, function, $"{field} of released dev_pagemap {Name}");
    }

    public bool Contains(long pfn) => pfn >= StartPfn && pfn < StartPfn + NrPages;

    /// <summary>pgmap->flags.</summary>
    public int ReadFlags(string function)
    {
        _w.Point(StepKind.Read, Res["flags"]);
        CheckAlive(function, "flags");
        _w.Record(StepKind.Read, function, Res["flags"], new StepDetail(static (_, a, _) => MemoryFlags.Format((int)a), _flags));
        return _flags;
    }

    public void WriteFlags(int flags, string function)
    {
        _w.Point(StepKind.Write, Res["flags"]);
        CheckAlive(function, "flags");
        _flags = flags;
        _w.Record(StepKind.Write, function, Res["flags"], new StepDetail(static (_, a, _) => MemoryFlags.Format((int)a), flags));
    }

    /// <summary>pgmap->page_fault.</summary>
    public DevPageFaultFn? ReadPageFault(string function)
    {
        _w.Point(StepKind.Read, Res["page_fault"]);
        CheckAlive(function, "page_fault");
        _w.Record(StepKind.Read, function, Res["page_fault"], _pageFault is null ? "NULL" : "set");
        return _pageFault;
    }

    public void WritePageFault(DevPageFaultFn? fn, string function)
    {
        _w.Point(StepKind.Write, Res["page_fault"]);
        CheckAlive(function, "page_fault");
        _pageFault = fn;
        _w.Record(StepKind.Write, function, Res["page_fault"], fn is null ? "NULL" : "set");
    }

    /// <summary>pgmap->page_free.</summary>
    public DevPageFreeFn? ReadPageFree(string function)
    {
        _w.Point(StepKind.Read, Res["page_free"]);
        CheckAlive(function, "page_free");
        _w.Record(StepKind.Read, function, Res["page_free"], _pageFree is null ? "NULL" : "set");
        return _pageFree;
    }

    public void WritePageFree(DevPageFreeFn? fn, string function)
    {
        _w.Point(StepKind.Write, Res["page_free"]);
        CheckAlive(function, "page_free");
        _pageFree = fn;
        _w.Record(StepKind.Write, function, Res["page_free"], fn is null ? "NULL" : "set");
    }

    // ---------------- percpu_ref ----------------

    /// <summary>percpu_ref_init: one initial reference, alive.</summary>
    public void percpu_ref_init(string function)
    {
        _w.Point(StepKind.Write, Res["ref"]);
        _refCount = 1;
        RefState = PercpuRefState.Alive;
        _w.Record(StepKind.Write, function, Res["ref"], new StepDetail(CountText.PgmapRefInit, 0, 1));
    }

    /// <summary>percpu_ref_get (allowed after kill, as in the kernel's atomic mode).</summary>
    public void percpu_ref_get(string function)
    {
        _w.Point(StepKind.Write, Res["ref"]);
        CheckAlive(function, "ref");
        if (RefState == PercpuRefState.Drained)
            _w.Violation(ViolationCategory.PgmapGone, function, $"percpu_ref_get on drained ref of {Name}");
        _refCount++;
        _w.Record(StepKind.Write, function, Res["ref"], new StepDetail(CountText.PgmapRef, _refCount - 1, _refCount));
    }

    /// <summary>percpu_ref_tryget_live: fails once killed.</summary>
    public bool percpu_ref_tryget_live(string function)
    {
        _w.Point(StepKind.Write, Res["ref"]);
        CheckAlive(function, "ref");
        if (RefState != PercpuRefState.Alive)
        {
            _w.Record(StepKind.Read, function, Res["ref"], $"{RefState} (tryget_live fails)");
            return false;
        }
        _refCount++;
        _w.Record(StepKind.Write, function, Res["ref"], new StepDetail(CountText.PgmapRef, _refCount - 1, _refCount));
        return true;
    }

    /// <summary>percpu_ref_put; reaching zero after kill drains the ref (release callback: complete()).</summary>
    public void percpu_ref_put(string function)
    {
        _w.Point(StepKind.Write, Res["ref"]);
        CheckAlive(function, "ref");
        if (_refCount <= 0)
            _w.Violation(ViolationCategory.RefcountUnderflow, function, $"percpu_ref_put below zero on {Name}");
        _refCount--;
        _w.Record(StepKind.Write, function, Res["ref"], new StepDetail(CountText.PgmapRef, _refCount + 1, _refCount));
        if (_refCount == 0)
            Drain(function);
    }

    /// <summary>percpu_ref_kill: drops the initial reference and refuses new live gets.</summary>
    public void percpu_ref_kill(string function)
    {
        _w.Point(StepKind.Write, Res["ref"]);
        CheckAlive(function, "ref");
        if (RefState != PercpuRefState.Alive)
            _w.Violation(ViolationCategory.BugOn, function, $"percpu_ref_kill twice on {Name}");
        RefState = PercpuRefState.Killed;
        _refCount--;
        _w.Record(StepKind.Write, function, Res["ref"], new StepDetail(CountText.PgmapRefKilled, _refCount + 1, _refCount));
        if (_refCount == 0)
            Drain(function);
    }

    private void Drain(string function)
    {
        if (RefState != PercpuRefState.Killed)
            _w.Violation(ViolationCategory.RefcountUnderflow, function, $"percpu ref of {Name} reached zero while alive");
        RefState = PercpuRefState.Drained;
        _w.Record(StepKind.Write, function, Res["ref"], new StepDetail(CountText.PgmapRefDrained, 0, 0));
    }

    /// <summary>The owner freed the pgmap (devm release done): later field reads are pgmap-gone.</summary>
    public void MarkGone(string function)
    {
        Gone = true;
        _w.Record(StepKind.Write, function, Res["state"], "released");
    }

    public override string ToString() => $"pgmap {Name}";
}
