using Hmm.Spec.Model.Locking;
using Microsoft.Coyote.Runtime;

namespace Hmm.Spec.Model;

/// <summary>
/// dmirror READ/WRITE: the device accesses process memory through its own page table, a cache of the process page
/// table (the 2017 HMM mirror: hmm_mirror + sync_cpu_device_pagetables; lib/test_hmm.c: dmirror->pt, an xarray
/// of page pointers tagged writable). A hit is used without looking at the CPU page table at all; a miss faults
/// the address in (hmm_vma_fault → handle_mm_fault) and installs what the snapshot saw, unless an invalidation
/// made the snapshot invalid meanwhile (hmm_vma_range_done / mmu_interval_read_retry under the driver's mutex).
/// The mirror learns about CPU page-table changes only through the mmu notifier (<see cref="IMmuNotifier"/>):
/// when it drops entries and when a snapshot counts as invalid is the variant's
/// <see cref="KernelVariant.Mirror"/>. A hole or a PROT_NONE mapping is -EFAULT, a write to a read-only mapping
/// -EPERM (both from the fault-in). The device reads and writes its own pages directly.
/// </summary>
internal sealed partial class Dmirror : IMmuNotifier
{
    /// <summary>One device page-table entry: the page and whether the device may write through it.</summary>
    private sealed record MirrorEntry(Page Page, bool Write);

    /// <summary>struct hmm_range (2017) / a mmu_interval_read_begin sequence: one snapshot in flight.</summary>
    private sealed class HmmRange(MmStruct mm, long address)
    {
        public MmStruct Mm { get; } = mm;
        public long Address { get; } = address;
        public bool Valid { get; set; } = true;
    }

    private readonly Dictionary<(MmStruct Mm, long Address), MirrorEntry> _pt = [];
    private readonly HashSet<MmStruct> _mirrored = [];
    private readonly List<HmmRange> _ranges = [];

    /// <summary>dmirror->mutex (the 2017 drivers' own lock around their device page table): lookups, installs, syncs.</summary>
    public RwSemaphore MirrorLock { get; }

    private static string EntryRes(MmStruct mm, long address) => $"mirror {mm.Name}:{address}";
    private const string RangesRes = "hmm ranges";
    private const string MirrorsRes = "dmirror mirrors";

    /// <summary>Cached entries (tests): address space, address, device pfn or system pfn, writable.</summary>
    public IReadOnlyList<(string Mm, long Address, long Pfn, bool Write)> MirrorEntries =>
        _pt.Select(kv => (kv.Key.Mm.Name, kv.Key.Address, kv.Value.Page.Pfn, kv.Value.Write)).OrderBy(e => e.Name).ThenBy(e => e.Address).ToList();

    /// <summary>dmirror_read of one page: the 64-bit value standing for the page's data.</summary>
    public DeviceOutcome dmirror_read(MmStruct mm, long address)
    {
        var err = dmirror_access(mm, address, write: false, 0, out var value, nameof(dmirror_read));
        return new DeviceOutcome(err == Errno.OK ? value : 0, err);
    }

    /// <summary>dmirror_write of one page.</summary>
    public Errno dmirror_write(MmStruct mm, long address, long value) =>
        dmirror_access(mm, address, write: true, value, out _, nameof(dmirror_write));

    private enum FaultResult { Installed, Retry, Failed }

    private Errno dmirror_access(MmStruct mm, long address, bool write, long value, out long read, string fn)
    {
        read = 0;
        hmm_mirror_register(mm, fn);
        var livelock = new FaultRetryGuard(_w, fn, $"{mm.Name}:{address} (mirror)");
        while (true)
        {
            livelock.BeforeAttempt();
            // dmirror_do_read / dmirror_do_write: the device page table, under the driver's mutex.
            MirrorLock.DownWrite(fn);
            try
            {
                var e = MirrorLookup(mm, address, fn);
                if (e is not null && (!write || e.Write))
                {
                    dmirror_check_entry(mm, address, e, fn);
                    if (write)
                        e.Page.WriteContents(value, fn);
                    else
                        read = e.Page.ReadContents(fn);
                    return Errno.OK;
                }
            }
            finally
            {
                MirrorLock.UpWrite(fn);
            }
            var result = dmirror_fault(mm, address, write, fn, out var err);
            if (result == FaultResult.Failed)
                return err;
        }
    }

    /// <summary>
    /// hmm_mirror_register on the first access to <paramref name="mm"/>: mmu_notifier_register, which takes
    /// mmap_sem for write.
    /// </summary>
    private void hmm_mirror_register(MmStruct mm, string fn)
    {
        _w.Point(StepKind.Read, MirrorsRes);
        var known = _mirrored.Contains(mm);
        _w.Record(StepKind.Read, fn, MirrorsRes, known ? $"{mm.Name} mirrored" : $"{mm.Name} not yet mirrored");
        if (known)
            return;
        mm.MmapSem.DownWrite("hmm_mirror_register");
        try
        {
            _w.Point(StepKind.Write, MirrorsRes);
            if (!_mirrored.Add(mm))
                return;
            _w.Record(StepKind.Write, "hmm_mirror_register", MirrorsRes, $"add {mm.Name}");
            _w.mmu_notifier_register(this, mm);
        }
        finally
        {
            mm.MmapSem.UpWrite("hmm_mirror_register");
        }
    }

    private MirrorEntry? MirrorLookup(MmStruct mm, long address, string fn)
    {
        var res = EntryRes(mm, address);
        _w.Point(StepKind.Read, res);
        var e = _pt.GetValueOrDefault((mm, address));
        _w.Record(StepKind.Read, fn, res, e is null ? "none" : $"pfn={e.Page.Pfn}{(e.Write ? " write" : "")}");
        return e;
    }

    /// <summary>
    /// dmirror_fault: hmm_vma_fault of one page (register the range, walk; fault it in with handle_mm_fault when
    /// the walk finds no usable entry), then under the mutex hmm_vma_range_done (the range must still be valid)
    /// and install the entry. A retry loops back to the lookup.
    /// </summary>
    private FaultResult dmirror_fault(MmStruct mm, long address, bool write, string fn, out Errno err)
    {
        err = Errno.OK;
        var range = hmm_range_register(mm, address, fn);
        if (range is null)
            return FaultResult.Retry;
        try
        {
            Page? page;
            bool writable;
            mm.MmapSem.DownRead(fn);
            try
            {
                var vma = mm.find_vma(address);
                if (vma is null || (vma.Flags & VmFlags.VM_READ) == 0 || vma.IsPfnMap)
                {
                    err = Errno.EFAULT;
                    return FaultResult.Failed;
                }
                if (write && (vma.Flags & VmFlags.VM_WRITE) == 0)
                {
                    err = Errno.EPERM;
                    return FaultResult.Failed;
                }
                if (!hmm_vma_walk(mm, vma, address, write, out page, out writable, fn))
                {
                    var ret = _w.handle_mm_fault(vma, address, write ? VmFault.FAULT_FLAG_WRITE : 0);
                    if ((ret & VmFault.VM_FAULT_ERROR) != 0)
                    {
                        err = Errno.EFAULT;
                        return FaultResult.Failed;
                    }
                    return FaultResult.Retry;
                }
            }
            finally
            {
                mm.MmapSem.UpRead(fn);
            }

            MirrorLock.DownWrite(fn);
            try
            {
                if (!hmm_vma_range_done(range, fn))
                    return FaultResult.Retry;
                var res = EntryRes(mm, address);
                _w.Point(StepKind.Write, res);
                _pt[(mm, address)] = new MirrorEntry(page!, writable);
                _w.Record(StepKind.Write, "dmirror_update_pt", res, $"pfn={page!.Pfn}{(writable ? " write" : "")}");
                return FaultResult.Installed;
            }
            finally
            {
                MirrorLock.UpWrite(fn);
            }
        }
        finally
        {
            hmm_range_unregister(range, fn);
        }
    }

    /// <summary>
    /// hmm_vma_fault's range registration (2017: add to hmm->ranges, valid) / mmu_interval_read_begin (interval
    /// notifier: sleep while an invalidation of the range is in progress). Null: retry. The check and the
    /// registration are one step, as mmu_interval_read_begin reads the sequence under the lock that
    /// invalidate_range_start takes to mark an invalidation active: an invalidation either is seen as in progress
    /// here or finds the range registered and invalidates it.
    /// </summary>
    private HmmRange? hmm_range_register(MmStruct mm, long address, string fn)
    {
        _w.Point(StepKind.Write, RangesRes);
        if (_w.Variant.Mirror == MirrorInvalidation.IntervalSequence && _w.InvalidationInProgress(mm, address))
        {
            var ranges = KernelWorld.MmuNotifierRangesRes(mm);
            _w.Record(StepKind.Note, "mmu_interval_read_begin", ranges, "invalidation in progress: wait");
            if (_w.Controlled is { } scheduler)
                scheduler.WaitUntil(() => !_w.InvalidationInProgressRaw(mm, address), ranges);
            else
                Operation.PauseUntil(() => !_w.InvalidationInProgressRaw(mm, address));
            return null;
        }
        var range = new HmmRange(mm, address);
        _ranges.Add(range);
        _w.Record(StepKind.Write, fn, RangesRes, $"add {mm.Name}:{address}");
        return range;
    }

    /// <summary>hmm_vma_range_done / mmu_interval_read_retry (under the mutex): false when an invalidation hit the range.</summary>
    private bool hmm_vma_range_done(HmmRange range, string fn)
    {
        _w.Point(StepKind.Read, RangesRes);
        _w.Record(StepKind.Read, fn, RangesRes, $"{range.Mm.Name}:{range.Address} {(range.Valid ? "valid" : "invalidated: retry")}");
        return range.Valid;
    }

    private void hmm_range_unregister(HmmRange range, string fn)
    {
        _w.Point(StepKind.Write, RangesRes);
        _ranges.Remove(range);
        _w.Record(StepKind.Write, fn, RangesRes, $"remove {range.Mm.Name}:{range.Address}");
    }

    /// <summary>
    /// hmm_vma_walk_pmd's view of one PTE, under the PTL: a present PTE (writable, for a write) gives its page; a
    /// device entry of this device (write entry, for a write) gives the device page. Anything else needs a fault.
    /// </summary>
    private bool hmm_vma_walk(MmStruct mm, Vma vma, long address, bool write, out Page? page, out bool writable, string fn)
    {
        page = null;
        writable = false;
        mm.Ptl.Lock(fn);
        try
        {
            var pte = mm.ReadPte(address, fn);
            if (KernelWorld.pte_present(pte) && !KernelWorld.pte_protnone(pte))
            {
                writable = _w.pte_write(pte, fn);
                if (write && !writable)
                    return false;
                page = _w.vm_normal_page(vma, address, pte, fn);
                // hmm_vma_handle_pte: "each architecture defines a struct page for the zero page, just fall through
                // and treat it like a normal page" (read-only: a write needs the fault that copies it).
                if (page is null && KernelWorld.is_zero_pfn(_w.pte_pfn(pte, fn)))
                    page = _w.pfn_to_page(_w.pte_pfn(pte, fn), fn);
            }
            else if (pte.IsSwap)
            {
                var entry = _w.pte_to_swp_entry(pte, fn);
                if (!_w.is_device_entry(entry))
                    return false;
                writable = _w.is_write_device_entry(entry);
                if (write && !writable)
                    return false;
                page = _w.device_entry_to_page(entry, fn);
                if (page is not null && page.ReadPgmap(fn) != Pgmap)
                    return false;
            }
            return page is not null;
        }
        finally
        {
            mm.Ptl.Unlock(fn);
        }
    }

    /// <summary>
    /// Consistency check of a device access through a cached entry (ghost: no kernel code reads this). Outside an
    /// invalidation of the address, the CPU page table must map the entry's page, writably for a write entry;
    /// otherwise the device uses a translation the kernel has already taken away (<c>stale-mirror</c>). Inside an
    /// invalidation the entry may lag, but the page it names must still be alive (the page access checks that).
    /// </summary>
    private void dmirror_check_entry(MmStruct mm, long address, MirrorEntry e, string fn)
    {
        _w.Touch(StepKind.Read, mm.PteRes(address));
        if (_w.InvalidationInProgress(mm, address))
            return;
        var pte = mm.PageTableRaw.GetValueOrDefault(address);
        if (EntryMatches(pte, e))
            return;
        _w.Violation(ViolationCategory.StaleMirror, fn,
            $"device access through mirror entry {mm.Name}:{address} -> pfn={e.Page.Pfn}{(e.Write ? " write" : "")}, but the CPU page table has {mm.Describe(pte)} and no invalidation is in progress");
    }

    private bool EntryMatches(Pte pte, MirrorEntry e)
    {
        if (pte.IsPresent)
            // The zero page's PTE is special; an MMIO pfn has no struct page, so it is never in the mirror.
            return !pte.IsProtnone && pte.RawPfn == e.Page.Pfn && (!e.Write || pte.Has(Pte._PAGE_RW));
        if (!pte.IsSwap)
            return false;
        var s = SwapEntry.swp_entry(pte.ArchSwapType, pte.ArchSwapOffset);
        return _w.Swp.is_device_entry(s) && s.Offset == e.Page.Pfn && (!e.Write || _w.Swp.is_write_device_entry(s));
    }

    // ---------------- the mmu notifier side (hmm_mmu_notifier_ops → mirror->ops) ----------------

    /// <summary>hmm_release → mirror->ops->release: the mm is going away; drop every entry of it.</summary>
    public void release(MmStruct mm) => dmirror_sync_cpu_device_pagetables(mm, 0, long.MaxValue, "hmm_release");

    /// <summary>
    /// hmm_invalidate_range_start. v4.14: only hmm->sequence++ (nothing the model needs). ec131b2d7fa6 and the
    /// interval notifier: snapshots in flight over the range become invalid and the device entries are dropped.
    /// </summary>
    public void invalidate_range_start(MmStruct mm, long start, long end)
    {
        const string fn = "hmm_invalidate_range_start";
        if (_w.Variant.Mirror == MirrorInvalidation.AtRangeEnd)
        {
            _w.Record(StepKind.Note, fn, $"mmu_notifier {mm.Name}", $"[{start},{end}) sequence++ only");
            return;
        }
        dmirror_sync_cpu_device_pagetables(mm, start, end, fn);
    }

    /// <summary>
    /// hmm_invalidate_range_end. v4.14: hmm_invalidate_range (snapshots invalid, sync_cpu_device_pagetables).
    /// ec131b2d7fa6: snapshots invalid again, no device sync. Interval notifier: nothing (the sequence already
    /// changed at start and read_begin waited for the end).
    /// </summary>
    public void invalidate_range_end(MmStruct mm, long start, long end)
    {
        const string fn = "hmm_invalidate_range_end";
        switch (_w.Variant.Mirror)
        {
            case MirrorInvalidation.AtRangeEnd:
                dmirror_sync_cpu_device_pagetables(mm, start, end, fn);
                break;
            case MirrorInvalidation.AtRangeStart:
                MirrorLock.DownWrite(fn);
                try
                {
                    InvalidateRanges(mm, start, end, fn);
                }
                finally
                {
                    MirrorLock.UpWrite(fn);
                }
                break;
            case MirrorInvalidation.IntervalSequence:
                _w.Record(StepKind.Note, fn, $"mmu_notifier {mm.Name}", $"[{start},{end}) done");
                break;
        }
    }

    /// <summary>
    /// hmm_invalidate_range + sync_cpu_device_pagetables (dmirror_interval_invalidate in test_hmm): under the
    /// driver's mutex, every snapshot in flight over [start, end) becomes invalid and the device entries of the
    /// range are dropped.
    /// </summary>
    private void dmirror_sync_cpu_device_pagetables(MmStruct mm, long start, long end, string fn)
    {
        MirrorLock.DownWrite(fn);
        try
        {
            InvalidateRanges(mm, start, end, fn);
            _w.Touch(StepKind.Read, $"mirror {mm.Name}:*"); // the range lookup in the device page table
            foreach (var key in _pt.Keys.Where(k => k.Mm == mm && start <= k.Address && k.Address < end).OrderBy(k => k.Address).ToList())
            {
                var res = EntryRes(mm, key.Address);
                _w.Point(StepKind.Write, res);
                _pt.Remove(key);
                _w.Record(StepKind.Write, "dmirror_sync_cpu_device_pagetables", res, "dropped");
            }
        }
        finally
        {
            MirrorLock.UpWrite(fn);
        }
    }

    private void InvalidateRanges(MmStruct mm, long start, long end, string fn)
    {
        _w.Point(StepKind.Write, RangesRes);
        var hit = 0;
        foreach (var r in _ranges)
        {
            if (r.Mm == mm && start <= r.Address && r.Address < end && r.Valid)
            {
                r.Valid = false;
                hit++;
            }
        }
        _w.Record(StepKind.Write, fn, RangesRes, $"{mm.Name}:[{start},{end}) {hit} snapshot(s) invalidated");
    }

    /// <summary>
    /// Release of the device (unbind): the device page tables of the registered mirrors go with it (none
    /// registered: the driver never built one, nothing to take the mutex for). The caller holds the device lock
    /// for write, which excludes every ioctl and so every registration: the count is read without a step.
    /// </summary>
    private void dmirror_drop_all_entries(string fn)
    {
        _w.Touch(StepKind.Read, MirrorsRes);
        if (_mirrored.Count == 0)
            return;
        MirrorLock.DownWrite(fn);
        try
        {
            _w.Touch(StepKind.Read, "mirror *");
            foreach (var key in _pt.Keys.OrderBy(k => k.Mm.Name).ThenBy(k => k.Address).ToList())
            {
                var res = EntryRes(key.Mm, key.Address);
                _w.Point(StepKind.Write, res);
                _pt.Remove(key);
                _w.Record(StepKind.Write, fn, res, "dropped");
            }
        }
        finally
        {
            MirrorLock.UpWrite(fn);
        }
    }
}
