namespace Hmm.Spec.Model;

/// <summary>
/// Global invariants, checked at quiescent points (no kernel path in progress) without steps: page refcounts
/// and mapcounts agree with the PTEs that name each page plus page-cache and in-flight references; rss counters
/// agree with the page tables; no PTE maps un-addressable memory or names a freed page; swap types never
/// collide; no lock is left held. The first broken rule is raised as a <see cref="KernelViolation"/>.
/// </summary>
public sealed partial class KernelWorld
{
    private const string InvFn = "CheckInvariants";

    /// <summary>Checks every global invariant; throws the first violation.</summary>
    public void CheckInvariants()
    {
        CheckSwapTypes();
        var ptes = new Dictionary<long, int>();     // pfn -> PTEs holding a reference (present normal + device)
        var maps = new Dictionary<long, int>();     // pfn -> PTEs counted in _mapcount
        var slots = new Dictionary<long, int>();    // swap offset -> PTEs naming it
        var shmemPages = new Dictionary<long, ShmemFile>();

        foreach (var mm in _mms.Values)
        {
            if (mm.Exited)
            {
                if (mm.PageTableRaw.Count != 0 || mm.Vmas.Count != 0)
                    Violation(ViolationCategory.Leak, InvFn, $"exited {mm} still has {mm.PageTableRaw.Count} PTEs and {mm.Vmas.Count} VMAs");
                for (var c = 0; c < 4; c++)
                {
                    if (mm.RssRaw((MmCounter)c) != 0)
                        Violation(ViolationCategory.RssMismatch, InvFn, $"exited {mm} has {(MmCounter)c}={mm.RssRaw((MmCounter)c)}");
                }
                continue;
            }
            CheckLocksFree(mm);
            var rss = new long[4];
            foreach (var (addr, pte) in mm.PageTableRaw)
            {
                var where = $"{mm.Name}:{addr}";
                var vma = mm.find_vma(addr);
                if (vma is null)
                    Violation(ViolationCategory.Leak, InvFn, $"PTE {where} ({mm.Describe(pte)}) outside every VMA");
                if (pte.IsPresent)
                    CheckPresentPte(vma!, where, pte, ptes, maps, rss);
                else
                    CheckSwapPte(where, pte, ptes, maps, slots, rss);
                CheckWritePermission(vma!, where, pte);
                CheckWithinEof(vma!, addr, where, pte);
            }
            for (var c = 0; c < 4; c++)
            {
                if (mm.RssRaw((MmCounter)c) != rss[c])
                    Violation(ViolationCategory.RssMismatch, InvFn, $"{mm} {(MmCounter)c}={mm.RssRaw((MmCounter)c)}, page tables say {rss[c]}");
            }
            foreach (var vma in mm.Vmas)
            {
                if (vma.File is null)
                    continue;
                foreach (var (pgoff, page) in vma.File.PageCache)
                {
                    shmemPages[page.Pfn] = vma.File;
                    if (page.State != PageState.InUse)
                        Violation(ViolationCategory.UseAfterFree, InvFn, $"{vma.File} index {pgoff} holds freed page pfn={page.Pfn}");
                }
            }
        }

        foreach (var file in _files.Values)
        {
            foreach (var page in file.PageCache.Values)
                shmemPages[page.Pfn] = file;
        }

        CheckPages(ptes, maps, shmemPages);
        CheckSwapSlots(slots);
    }

    /// <summary>
    /// No PTE (present, device, swap or migration entry) at a file index at or beyond the i_size of the memfd a
    /// VMA maps: ftruncate unmaps everything beyond the new size, private COW copies included (even_cows), and
    /// a fault beyond i_size gets SIGBUS without installing anything.
    /// </summary>
    private void CheckWithinEof(Vma vma, long addr, string where, Pte pte)
    {
        if (vma.File is not { Named: true } file)
            return;
        var index = vma.linear_page_index(addr);
        if (index >= file.SizePages)
            Violation(ViolationCategory.PteBeyondEof, InvFn, $"PTE {where} ({vma.Mm.Describe(pte)}) maps index {index} of {file}, whose i_size is {file.SizePages} pages");
    }

    private void CheckSwapTypes()
    {
        var collisions = Swp.Collisions();
        if (collisions.Count > 0)
            Violation(ViolationCategory.SwapTypeCollision, InvFn, $"{Config}: {string.Join("; ", collisions)}");
    }

    private void CheckLocksFree(MmStruct mm)
    {
        if (mm.Ptl.Owner is not null)
            Violation(ViolationCategory.LockDiscipline, InvFn, $"{mm.Ptl.Name} still held by {mm.Ptl.Owner}");
        if (mm.MmapSem.Writer is not null || mm.MmapSem.Readers.Count > 0)
            Violation(ViolationCategory.LockDiscipline, InvFn, $"{mm.MmapSem.Name} still held");
    }

    private static void Bump(Dictionary<long, int> d, long key) => d[key] = d.GetValueOrDefault(key) + 1;

    private Page LivePage(long pfn, string where, string what)
    {
        var page = Memmap.Find(pfn) ?? throw Violation(ViolationCategory.NoStructPage, InvFn, $"{what} {where} names pfn={pfn}, which has no struct page");
        if (page.State != PageState.InUse)
            Violation(ViolationCategory.UseAfterFree, InvFn, $"{what} {where} names pfn={pfn}, which is {page.State.ToString().ToLowerInvariant()}");
        return page;
    }

    private static MmCounter CounterOf(Page page) => page.MappingRaw switch
    {
        AnonVma => MmCounter.MM_ANONPAGES,
        ShmemFile => MmCounter.MM_SHMEMPAGES,
        _ => MmCounter.MM_FILEPAGES,
    };

    /// <summary>
    /// mprotect and fork keep this: an entry that lets a write through (a writable present PTE, or a write device
    /// entry, which migrates back writable) exists only in a VMA with VM_WRITE.
    /// </summary>
    private void CheckWritePermission(Vma vma, string where, Pte pte)
    {
        if ((vma.Flags & VmFlags.VM_WRITE) != 0)
            return;
        if (pte.IsPresent)
        {
            if (pte.Has(Pte._PAGE_RW))
                Violation(ViolationCategory.WritableInReadOnlyVma, InvFn, $"writable PTE {where} in {vma}");
            return;
        }
        var arch = pte.Clear(Pte._PAGE_SWP_SOFT_DIRTY);
        var entry = SwapEntry.swp_entry(arch.ArchSwapType, arch.ArchSwapOffset);
        if (Swp.is_write_device_entry(entry))
            Violation(ViolationCategory.WritableInReadOnlyVma, InvFn, $"write device entry {where} in {vma}");
    }

    private void CheckPresentPte(Vma vma, string where, Pte pte, Dictionary<long, int> ptes, Dictionary<long, int> maps, long[] rss)
    {
        if (pte.Has(Pte._PAGE_SPECIAL))
        {
            // The shared zero page (do_anonymous_page's read fault): no reference, no mapcount, no rss; never writable.
            if (is_zero_pfn(pte.RawPfn) && vma.IsAnonymous && !vma.IsShared)
            {
                if (pte.Has(Pte._PAGE_RW))
                    Violation(ViolationCategory.BugOn, InvFn, $"writable zero-page PTE {where} in {vma}: a write would reach the shared zero page");
                return;
            }
            if (!vma.IsPfnMap)
                Violation(ViolationCategory.BugOn, InvFn, $"special PTE {where} in {vma}");
            return;
        }
        var page = LivePage(pte.RawPfn, where, "present PTE");
        if (page.Zone == Zone.Device && page.PgmapRaw is { } pgmap && (pgmap.FlagsRaw & MemoryFlags.MEMORY_DEVICE_UNADDRESSABLE) != 0)
            Violation(ViolationCategory.UnaddressableMapped, InvFn, $"present PTE {where} maps un-addressable pfn={page.Pfn}");
        Bump(ptes, page.Pfn);
        Bump(maps, page.Pfn);
        rss[(int)CounterOf(page)]++;
    }

    private void CheckSwapPte(string where, Pte pte, Dictionary<long, int> ptes, Dictionary<long, int> maps, Dictionary<long, int> slots, long[] rss)
    {
        var arch = pte.Clear(Pte._PAGE_SWP_SOFT_DIRTY);
        var entry = SwapEntry.swp_entry(arch.ArchSwapType, arch.ArchSwapOffset);
        if (!Swp.non_swap_entry(entry))
        {
            if (!Config.Swap || entry.Type != SwapArea.Type || SwapArea.CountRaw(entry.Offset) == 0)
                Violation(ViolationCategory.UseAfterFree, InvFn, $"swap PTE {where} names free slot {entry}");
            Bump(slots, entry.Offset);
            rss[(int)MmCounter.MM_SWAPENTS]++;
        }
        else if (Swp.is_device_entry(entry))
        {
            var page = LivePage(entry.Offset, where, "device entry");
            if (page.Zone != Zone.Device)
                Violation(ViolationCategory.BugOn, InvFn, $"device entry {where} names system page pfn={page.Pfn}");
            Bump(ptes, page.Pfn);
            Bump(maps, page.Pfn);
            rss[(int)CounterOf(page)]++;
        }
        else if (Swp.is_migration_entry(entry))
        {
            var page = LivePage(entry.Offset, where, "migration entry");
            if (!page.LockedRaw)
                Violation(ViolationCategory.BugOn, InvFn, $"migration entry {where} names unlocked page pfn={page.Pfn}");
            rss[(int)CounterOf(page)]++;
        }
        else if (!Swp.is_hwpoison_entry(entry))
        {
            Violation(ViolationCategory.BugOn, InvFn, $"bad swap entry {entry} at {where}");
        }
    }

    private void CheckPages(Dictionary<long, int> ptes, Dictionary<long, int> maps, Dictionary<long, ShmemFile> shmemPages)
    {
        var pgmapPins = new Dictionary<DevPagemap, long>();
        foreach (var page in Memmap.Pages)
        {
            var held = HeldRefs.TryGetValue(page.Pfn, out var h) ? h.Count : 0;
            var nPtes = ptes.GetValueOrDefault(page.Pfn);
            var nMaps = maps.GetValueOrDefault(page.Pfn);
            var idle = page.Zone == Zone.Device ? DevicePageIdleRefcount : 0;
            if (page.State == PageState.Free)
            {
                if (page.RefcountRaw != idle || page.MapcountRaw != -1)
                    Violation(ViolationCategory.RefcountMismatch, InvFn, $"free page pfn={page.Pfn} has refcount {page.RefcountRaw} (idle {idle}), _mapcount {page.MapcountRaw}");
                if (page.Zone == Zone.Normal && !Buddy.FreePfns.Contains(page.Pfn))
                    Violation(ViolationCategory.Leak, InvFn, $"free page pfn={page.Pfn} is not on the free list");
                if (held > 0)
                    Violation(ViolationCategory.UseAfterFree, InvFn, $"free page pfn={page.Pfn} has in-flight references: {string.Join(", ", h!)}");
            }
            else
            {
                if (page.LockedRaw)
                    Violation(ViolationCategory.LockDiscipline, InvFn, $"page pfn={page.Pfn} left locked");
                var cache = shmemPages.ContainsKey(page.Pfn) ? 1 : 0;
                var expected = idle + nPtes + cache + held;
                if (page.RefcountRaw != expected)
                    Violation(ViolationCategory.RefcountMismatch, InvFn,
                        $"page pfn={page.Pfn} refcount {page.RefcountRaw}, expected {expected} (idle {idle} + {nPtes} PTEs + {cache} page cache + {held} in flight)");
                if (page.MapcountRaw + 1 != nMaps)
                    Violation(ViolationCategory.MapcountMismatch, InvFn, $"page pfn={page.Pfn} mapcount {page.MapcountRaw + 1}, {nMaps} PTEs map it");
                if (page.Zone == Zone.Normal && page.RefcountRaw == 0)
                    Violation(ViolationCategory.Leak, InvFn, $"page pfn={page.Pfn} in use with refcount 0");
            }
            if (page.Zone == Zone.Device && page.PgmapRaw is { Gone: false } pgmap)
            {
                var pins = Variant.FreeDevicePagesAtRefcountZero
                    ? (page.State == PageState.InUse ? 1 : 0)
                    : page.RefcountRaw - 1;
                pgmapPins[pgmap] = pgmapPins.GetValueOrDefault(pgmap) + pins;
            }
        }
        foreach (var (pgmap, pins) in pgmapPins)
        {
            var expected = pins + (pgmap.RefState == PercpuRefState.Alive ? 1 : 0);
            if (pgmap.RefCountRaw != expected)
                Violation(ViolationCategory.RefcountMismatch, InvFn, $"{pgmap} percpu ref {pgmap.RefCountRaw}, its pages account for {expected}");
        }
        foreach (var (pfn, list) in HeldRefs)
        {
            if (Memmap.Find(pfn) is null)
                Violation(ViolationCategory.UseAfterFree, InvFn, $"in-flight reference on pfn={pfn}, which has no struct page: {string.Join(", ", list)}");
        }
    }

    private void CheckSwapSlots(Dictionary<long, int> slots)
    {
        foreach (var (offset, slot) in SwapArea.Slots)
        {
            var n = slots.GetValueOrDefault(offset);
            if (slot.Count != n)
                Violation(n == 0 ? ViolationCategory.Leak : ViolationCategory.RefcountMismatch, InvFn,
                    $"swap slot 0:{offset} count {slot.Count}, {n} PTEs name it");
        }
    }

    /// <summary>
    /// After every process exited and device memory was released: every RAM page is back in the allocator,
    /// no device page is in use, no swap slot and no in-flight reference remain. Also runs CheckInvariants.
    /// </summary>
    public void CheckLeaks()
    {
        const string fn = "CheckLeaks";
        CheckInvariants();
        foreach (var mm in _mms.Values)
        {
            if (!mm.Exited)
                Violation(ViolationCategory.Expectation, fn, $"{mm} has not exited");
        }
        // A memfd stays open to the end of the run: its page cache is not a leak.
        var cached = _files.Values.SelectMany(f => f.PageCache.Values).Select(p => p.Pfn).ToHashSet();
        foreach (var page in Memmap.Pages)
        {
            if (page.State == PageState.InUse && !cached.Contains(page.Pfn))
                Violation(ViolationCategory.Leak, fn, $"page pfn={page.Pfn} ({page.Zone}) still in use, refcount {page.RefcountRaw}");
        }
        // Boot RAM and hot-added, onlined RAM alike (Layout.RamPages counts only the boot RAM).
        if (Buddy.FreeCount + cached.Count != Buddy.ManagedPages)
            Violation(ViolationCategory.Leak, fn, $"{Buddy.ManagedPages - Buddy.FreeCount - cached.Count} RAM pages not returned to the allocator");
        if (SwapArea.Slots.Count != 0)
            Violation(ViolationCategory.Leak, fn, $"{SwapArea.Slots.Count} swap slots still allocated");
        if (HeldRefs.Count != 0)
            Violation(ViolationCategory.Leak, fn, $"in-flight references remain on pfns {string.Join(", ", HeldRefs.Keys)}");
    }
}
