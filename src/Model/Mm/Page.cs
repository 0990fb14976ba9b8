namespace Hmm.Spec.Model;

/// <summary>
/// <c>struct page</c>: pfn, zone, <c>_refcount</c>, <c>_mapcount</c> (starts at -1, as in the kernel), anon
/// mapping + index, PG_locked, contents (one 64-bit value stands for the page's data), life state, and for
/// ZONE_DEVICE pages the <c>pgmap</c>. Every field access is a step through the world; touching a free or offline
/// page through a checked accessor is a <c>use-after-free</c> violation. Allocators and drivers manage free pages
/// through the <c>Free*</c>/<c>Mark*</c> members, which do not check.
/// </summary>
internal sealed class Page
{
    private readonly KernelWorld _w;
    // PG_locked's sleepers: Coyote's controlled semaphore (explore) or the verify scheduler's (IControlledScheduler).
    private readonly SemaphoreSlim? _pgLock;
    private readonly IControlledSemaphore? _ctlPgLock;
    private int _refcount;
    private int _mapcount = -1;
    private object? _mapping;
    private long _index;
    private long _contents;
    private bool _locked;
    private DevPagemap? _pgmap;
    /// <summary>Allocation generation: incremented each time the page is handed out (MarkInUse).</summary>
    private int _generation;
    /// <summary>Sleepers queued for the next unlock_page (the hashed page wait queue; it outlives the page).</summary>
    /// <remarks>Created by the first sleeper, so paths that never queue one run exactly as before.</remarks>
    private volatile System.Collections.Concurrent.ConcurrentQueue<PageUnlockWaiter>? _unlockWaiters;

    internal Page(KernelWorld world, long pfn, Zone zone, DevPagemap? pgmap, int initialRefcount, PageState state)
    {
        _w = world;
        Pfn = pfn;
        Zone = zone;
        if (world.Controlled is { } scheduler)
            _ctlPgLock = scheduler.CreateSemaphore(1, Res["PG_locked"]);
        else
            _pgLock = new(1, 1);
        _pgmap = pgmap;
        _refcount = initialRefcount;
        State = state;
    }

    /// <summary>page_to_pfn: arithmetic on the memmap address, no access.</summary>
    public long Pfn { get; }

    /// <summary>page_zonenum (fixed when the memmap is initialised).</summary>
    public Zone Zone { get; }

    public PageState State { get; private set; }

    /// <summary>
    /// How many times the page has been allocated (the model's allocation generation, not a kernel field): a
    /// pointer captured under one generation and used under another is a stale pointer to a reallocated page.
    /// </summary>
    public int Generation => _generation;

    /// <summary>Poison written into a freed page's contents (page poisoning).</summary>
    public const long PoisonContents = unchecked((long)0xaaaaaaaaaaaaaaaaUL);

    private ResourceNames? _names;

    /// <summary>Field resource names; a property and an indexer, so no method call per access (see <see cref="StepDetail"/>).</summary>
    private ResourceNames Res => _names ??= new ResourceNames($"page {Pfn}");

    /// <summary>The resource name of a field (<c>page 1027 refcount</c>), for accesses without a step (<see cref="KernelWorld.Touch"/>).</summary>
    internal string ResourceOf(string field) => Res[field];

    /// <summary>
    /// The check every checked accessor makes: the page is in use, and if the current CPU obtained this struct
    /// page through a lookup (<see cref="KernelWorld.NotePagePointer"/>), it is still the allocation the CPU
    /// looked up: a page freed and handed out again since then (the driver hands out the lowest free pfn first, so
    /// a stale pointer often lands on a reallocated page) is caught as the use-after-free it is.
    /// </summary>
    private void CheckAccess(string function, string field)
    {
        if (State != PageState.InUse)
            CheckLive(function, field);
        else
            _w.CheckPagePointer(this, function, field);
    }

    private void CheckLive(string function, string field)
    {
        switch (State)
        {
            case PageState.Free:
                _w.Violation(ViolationCategory.UseAfterFree, function, $"{field} of free page pfn={Pfn} ({Zone})");
                break;
            case PageState.Offline:
                _w.Violation(ViolationCategory.MemmapGone, function, $"{field} of page pfn={Pfn} whose memmap was removed");
                break;
            case PageState.InUse:
                break;
        }
    }

    // ---------------- _refcount ----------------

    /// <summary>page_ref_count.</summary>
    public int ReadRefcount(string function)
    {
        _w.Point(StepKind.Read, Res["refcount"]);
        CheckAccess(function, "refcount");
        _w.Record(StepKind.Read, function, Res["refcount"], new StepDetail(static (_, a, _) => a.ToString(), _refcount));
        return _refcount;
    }

    /// <summary>An atomic add (page_ref_inc/dec/add); returns the new count. Going below 0 is refcount-underflow.</summary>
    public int AddRefcount(int delta, string function)
    {
        _w.Point(StepKind.Write, Res["refcount"]);
        CheckAccess(function, "refcount");
        var old = _refcount;
        if (old + delta < 0)
            _w.Violation(ViolationCategory.RefcountUnderflow, function, $"page pfn={Pfn} refcount {old} + {delta} < 0");
        _refcount = old + delta;
        _w.Record(StepKind.Write, function, Res["refcount"], new StepDetail(CountText.PageRef, old, _refcount));
        return _refcount;
    }

    /// <summary>page_ref_add_unless(page, 1, 0) (get_page_unless_zero): never touches a freed page's count.</summary>
    public bool AddRefcountUnlessZero(string function)
    {
        _w.Point(StepKind.Write, Res["refcount"]);
        if (State == PageState.Offline)
            _w.Violation(ViolationCategory.MemmapGone, function, $"refcount of page pfn={Pfn} whose memmap was removed");
        if (_refcount == 0)
        {
            _w.Record(StepKind.Read, function, Res["refcount"], "0 (get_page_unless_zero fails)");
            return false;
        }
        // A speculative reference: whatever allocation the page now is, the caller holds it (and must re-check it).
        _w.NotePagePointer(this);
        _refcount++;
        _w.Record(StepKind.Write, function, Res["refcount"], new StepDetail(CountText.PageRef, _refcount - 1, _refcount));
        return true;
    }

    /// <summary>set_page_count (initialisation by an allocator or driver; does not check liveness).</summary>
    public void SetRefcount(int value, string function)
    {
        _w.Point(StepKind.Write, Res["refcount"]);
        var old = _refcount;
        _refcount = value;
        _w.Record(StepKind.Write, function, Res["refcount"], new StepDetail(CountText.PageRefSet, old, value));
    }

    /// <summary>The raw count, for invariants at a quiescent point (no step).</summary>
    public int RefcountRaw => _refcount;

    // ---------------- _mapcount ----------------

    /// <summary>page_mapcount: _mapcount + 1.</summary>
    public int ReadMapcount(string function)
    {
        _w.Point(StepKind.Read, Res["mapcount"]);
        CheckAccess(function, "mapcount");
        _w.Record(StepKind.Read, function, Res["mapcount"], new StepDetail(static (_, a, _) => $"_mapcount={a}", _mapcount));
        return _mapcount + 1;
    }

    /// <summary>Atomic add to _mapcount; returns the new _mapcount. Below -1 is mapcount-underflow.</summary>
    public int AddMapcount(int delta, string function)
    {
        _w.Point(StepKind.Write, Res["mapcount"]);
        CheckAccess(function, "mapcount");
        var old = _mapcount;
        if (old + delta < -1)
            _w.Violation(ViolationCategory.MapcountUnderflow, function, $"page pfn={Pfn} _mapcount {old} + {delta} < -1");
        _mapcount = old + delta;
        _w.Record(StepKind.Write, function, Res["mapcount"], new StepDetail(CountText.PageMap, old, _mapcount));
        return _mapcount;
    }

    /// <summary>The raw _mapcount, for invariants (no step).</summary>
    public int MapcountRaw => _mapcount;

    // ---------------- mapping / index ----------------

    /// <summary>page->mapping (an <see cref="AnonVma"/> for anonymous pages, a <see cref="ShmemFile"/> for shmem).</summary>
    public object? ReadMapping(string function)
    {
        _w.Point(StepKind.Read, Res["mapping"]);
        CheckAccess(function, "mapping");
        _w.Record(StepKind.Read, function, Res["mapping"], _mapping?.ToString() ?? "null");
        return _mapping;
    }

    public void WriteMapping(object? mapping, long index, string function)
    {
        _w.Point(StepKind.Write, Res["mapping"]);
        CheckAccess(function, "mapping");
        _mapping = mapping;
        _index = index;
        _w.Record(StepKind.Write, function, Res["mapping"], $"{mapping?.ToString() ?? "null"} index={index}");
    }

    public long IndexRaw => _index;
    public object? MappingRaw => _mapping;

    // ---------------- contents ----------------

    /// <summary>A load from the page's data (CPU through a mapping, or the device's copy engine).</summary>
    public long ReadContents(string function)
    {
        _w.Point(StepKind.Read, Res["data"]);
        CheckAccess(function, "data");
        _w.Record(StepKind.Read, function, Res["data"], new StepDetail(static (_, a, _) => a.ToString(), _contents));
        return _contents;
    }

    public void WriteContents(long value, string function)
    {
        _w.Point(StepKind.Write, Res["data"]);
        CheckAccess(function, "data");
        var old = _contents;
        _contents = value;
        _w.Record(StepKind.Write, function, Res["data"], new StepDetail(static (_, a, b) => $"{a} -> {b}", old, value));
    }

    public long ContentsRaw => _contents;

    /// <summary>A CPU store through a present PTE (part of the atomic hardware-access step, no own step).</summary>
    internal void WriteContentsByHardware(long value) => _contents = value;

    // ---------------- PG_locked ----------------

    private void PgLockWait()
    {
        if (_ctlPgLock is null)
            _pgLock!.Wait();
        else
            _ctlPgLock.Wait();
    }

    private void PgLockRelease()
    {
        if (_ctlPgLock is null)
            _pgLock!.Release();
        else
            _ctlPgLock.Release();
    }

    // The facts of PG_locked's Lock and Unlock steps (see LockStep).
    private static readonly LockStep TryLockPageStep = LockStep.Of(LockClass.Other, LockAction.TryLockPage);
    private static readonly LockStep LockPageStep = LockStep.Of(LockClass.Other, LockAction.LockPage);
    private static readonly LockStep UnlockPageStep = LockStep.Of(LockClass.Other, LockAction.UnlockPage);

    /// <summary>trylock_page.</summary>
    public bool TryLock(string function)
    {
        _w.Point(StepKind.Write, Res["PG_locked"]);
        CheckAccess(function, "PG_locked");
        if (!(_ctlPgLock is null ? _pgLock!.Wait(0) : _ctlPgLock.TryWait()))
        {
            _w.Record(StepKind.Read, function, Res["PG_locked"], "locked (trylock_page fails)");
            return false;
        }
        _locked = true;
        _w.Record(StepKind.Lock, function, Res["PG_locked"], new StepDetail(TryLockPageStep));
        return true;
    }

    /// <summary>lock_page: sleeps until the page is unlocked.</summary>
    public void Lock(string function)
    {
        CheckAccess(function, "PG_locked");
        PgLockWait();
        _locked = true;
        _w.Record(StepKind.Lock, function, Res["PG_locked"], new StepDetail(LockPageStep));
    }

    /// <summary>unlock_page; unlocking an unlocked page is a BUG.</summary>
    public void Unlock(string function)
    {
        _w.Point(StepKind.Write, Res["PG_locked"]);
        CheckAccess(function, "PG_locked");
        if (!_locked)
            _w.Violation(ViolationCategory.BugOn, function, $"unlock_page of unlocked page pfn={Pfn}");
        _locked = false;
        _w.Record(StepKind.Unlock, function, Res["PG_locked"], new StepDetail(UnlockPageStep));
        PgLockRelease();
        // wake_up_page(page, PG_locked): every sleeper queued by QueueUnlockWaiter. The release above is a full
        // barrier between clearing PG_locked and looking for sleepers (pairs with QueueUnlockWaiter's barrier).
        if (_unlockWaiters is { } sleepers)
        {
            while (sleepers.TryDequeue(out var waiter))
                waiter.Wake();
        }
    }

    /// <summary>
    /// The queueing half of migration_entry_wait_on_locked (mm/filemap.c, ffa65753c431): the caller holds the PTL
    /// of an entry naming this page, which keeps the page alive without a reference. Reads PG_locked; when set,
    /// queues a sleeper that the next unlock_page wakes, else returns null (nothing to wait for). The caller then
    /// drops the PTL and sleeps on the returned waiter, which never touches the page again.
    /// </summary>
    public PageUnlockWaiter? QueueUnlockWaiter(string function)
    {
        _w.Point(StepKind.Read, Res["PG_locked"]);
        CheckAccess(function, "PG_locked");
        PageUnlockWaiter? waiter = null;
        if (Volatile.Read(ref _locked))
        {
            waiter = new PageUnlockWaiter(_w, Pfn);
            if (_unlockWaiters is null)
                Interlocked.CompareExchange(ref _unlockWaiters, new(), null);
            _unlockWaiters!.Enqueue(waiter);
            Thread.MemoryBarrier();
            // Unlocked between the test and the queueing: the wake-up may have missed us, so count as woken.
            if (!Volatile.Read(ref _locked))
                waiter.Wake();
        }
        _w.Record(StepKind.Read, function, Res["PG_locked"],
            waiter is null ? "0 (not locked, no wait)" : "1 (queued on the page wait queue, no reference)");
        return waiter;
    }

    /// <summary>wait_on_page_locked: sleeps until PG_locked is clear (does not take the lock).</summary>
    public void WaitUnlocked(string function)
    {
        CheckAccess(function, "PG_locked");
        PgLockWait();
        _w.Record(StepKind.Read, function, Res["PG_locked"], "0 (wait_on_page_locked returns)");
        PgLockRelease();
    }

    /// <summary>PageLocked.</summary>
    public bool ReadLocked(string function)
    {
        _w.Point(StepKind.Read, Res["PG_locked"]);
        CheckAccess(function, "PG_locked");
        _w.Record(StepKind.Read, function, Res["PG_locked"], _locked ? "1" : "0");
        return _locked;
    }

    public bool LockedRaw => _locked;

    // ---------------- pgmap ----------------

    /// <summary>page->pgmap (ZONE_DEVICE pages); a read of a free page's pgmap is the seed's use-after-free.</summary>
    public DevPagemap? ReadPgmap(string function)
    {
        _w.Point(StepKind.Read, Res["pgmap"]);
        CheckAccess(function, "pgmap");
        _w.Record(StepKind.Read, function, Res["pgmap"], _pgmap?.ToString() ?? "null");
        return _pgmap;
    }

    public DevPagemap? PgmapRaw => _pgmap;

    // ---------------- allocator / driver side (no liveness check) ----------------

    /// <summary>Marks the page allocated (page allocator or driver pool hand it out).</summary>
    public void MarkInUse(string function)
    {
        _w.Point(StepKind.Write, Res["state"]);
        if (State == PageState.InUse)
            _w.Violation(ViolationCategory.BugOn, function, $"allocating page pfn={Pfn} that is already in use");
        if (State == PageState.Offline)
            _w.Violation(ViolationCategory.MemmapGone, function, $"allocating page pfn={Pfn} whose memmap was removed");
        State = PageState.InUse;
        _generation++;
        WrittenGhost = false;
        _mapcount = -1;
        // A buddy page comes back with mapping NULL (free_pages_prepare cleared it). A ZONE_DEVICE page keeps what
        // its last free left: no allocator of any era clears page->mapping/index (the 2017 driver helpers, test_hmm's
        // dmirror_devmem_alloc_page, zone_device_page_init); free_zone_device_page (ef233450898f) clears mapping.
        if (Zone != Zone.Device)
        {
            _mapping = null;
            _index = 0;
        }
        _w.NotePagePointer(this);
        _w.Record(StepKind.Write, function, Res["state"], new StepDetail(static (_, a, _) => $"free -> in use (allocation {a})", _generation));
    }

    /// <summary>Marks the page free (returned to the page allocator or to a driver's free list).</summary>
    public void MarkFree(string function)
    {
        _w.Point(StepKind.Write, Res["state"]);
        if (State == PageState.Free)
            _w.Violation(ViolationCategory.DoubleFree, function, $"page pfn={Pfn} freed twice");
        if (State == PageState.Offline)
            _w.Violation(ViolationCategory.MemmapGone, function, $"freeing page pfn={Pfn} whose memmap was removed");
        if (_mapcount != -1)
            _w.Violation(ViolationCategory.BugOn, function, $"freeing page pfn={Pfn} still mapped (_mapcount={_mapcount})");
        if (_locked)
            _w.Violation(ViolationCategory.BugOn, function, $"freeing locked page pfn={Pfn}");
        State = PageState.Free;
        // free_pages_prepare clears an anon/file page's mapping before the buddy takes it back. A ZONE_DEVICE page
        // goes to its driver's free list as the core's free path left it (put_zone_device_page in the 2017 series
        // and v4.11 clears nothing; free_zone_device_page clears mapping before page_free from ef233450898f): the
        // driver's page_free callback (this call) clears nothing either.
        if (Zone != Zone.Device)
            _mapping = null;
        _contents = PoisonContents;
        _w.Record(StepKind.Write, function, Res["state"], "in use -> free");
    }

    /// <summary>The memmap section holding this page is being removed.</summary>
    internal void MarkOffline(string function)
    {
        State = PageState.Offline;
        _w.Record(StepKind.Write, function, Res["state"], "-> offline (memmap removed)");
    }

    /// <summary>Sets page->pgmap (memmap initialisation by devm_memremap_pages).</summary>
    public void InitPgmap(DevPagemap? pgmap, string function)
    {
        _w.Point(StepKind.Write, Res["pgmap"]);
        _pgmap = pgmap;
        _w.Record(StepKind.Write, function, Res["pgmap"], pgmap?.ToString() ?? "null");
    }

    // ---------------- PG_dirty ----------------

    private bool _dirty;

    /// <summary>
    /// Ghost (no kernel field): a user mapping wrote the page since it was allocated (the CPU store set a PTE's
    /// dirty bit), carried to the new page by migration. The dirty-tracking invariant compares it with what the
    /// kernel remembers (PG_dirty or a dirty PTE): docs/kernel-model.md, "Dirty and young bits".
    /// </summary>
    internal bool WrittenGhost { get; set; }

    /// <summary>
    /// PageDirty. PG_dirty is an atomic flag bit: its accesses are recorded for the reduction (Touch) but are not
    /// scheduling points of their own — every caller holds the page lock or the PTL of a mapping, so the points
    /// of those already order it.
    /// </summary>
    public bool ReadDirty(string function)
    {
        _w.Touch(StepKind.Read, Res["PG_dirty"]);
        if (State != PageState.InUse)
            CheckLive(function, "PG_dirty");
        _w.Record(StepKind.Read, function, Res["PG_dirty"], _dirty ? "1" : "0");
        return _dirty;
    }

    /// <summary>SetPageDirty (what set_page_dirty ends in for every mapping the model has).</summary>
    public void SetDirty(string function)
    {
        _w.Touch(StepKind.Write, Res["PG_dirty"]);
        if (State != PageState.InUse)
            CheckLive(function, "PG_dirty");
        var old = _dirty;
        _dirty = true;
        _w.Record(StepKind.Write, function, Res["PG_dirty"], old ? "1 (already dirty)" : "0 -> 1");
    }

    public bool DirtyRaw => _dirty;

    /// <summary>free_pages_prepare clears the flags of a page going back to the page allocator.</summary>
    internal void ClearFlagsForBuddy() => _dirty = false;

    public override string ToString() => $"page {Pfn}";
}
