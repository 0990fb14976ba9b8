namespace Hmm.Spec.Model;

/// <summary>Which pages migrate_vma_collect selects (the later MIGRATE_VMA_SELECT_* flags; see docs/device-model.md).</summary>
internal enum MigrateSelect
{
    /// <summary>Present anonymous system pages (migration to device memory).</summary>
    System,
    /// <summary>Device entries whose page belongs to <see cref="MigrateVma.PgmapOwner"/> (migration back to RAM).</summary>
    DevicePrivate,
}

/// <summary>One slot of migrate->src / migrate->dst (MIGRATE_PFN_* bits spelled out).</summary>
internal sealed class MigratePfn(long address)
{
    public long Address { get; } = address;
    /// <summary>The source page (migrate_pfn_to_page(src)), null for a skipped slot.</summary>
    public Page? Src { get; set; }
    /// <summary>MIGRATE_PFN_MIGRATE: still a candidate.</summary>
    public bool Migrate { get; set; }
    /// <summary>MIGRATE_PFN_WRITE: the source mapping was writable.</summary>
    public bool Write { get; set; }
    /// <summary>MIGRATE_PFN_LOCKED: the source page is locked (by collect, or by the faulting caller).</summary>
    public bool Locked { get; set; }
    /// <summary>The migration entry collect installed at <see cref="Address"/>.</summary>
    public Pte MigrationPte { get; set; }
    /// <summary>The destination page chosen by alloc_and_copy (locked), or null.</summary>
    public Page? Dst { get; set; }
    /// <summary>alloc_and_copy could not allocate a destination for this slot (the driver's error marker).</summary>
    public bool AllocFailed { get; set; }
}

/// <summary>Where collect wrote a slot's migration entry (what mutant FinalizeSkipsPteSame installs at blindly).</summary>
internal readonly record struct MigrationMapping(Vma Vma, long Address, bool Write);

/// <summary>struct migrate_vma_ops (2017): the driver's two callbacks.</summary>
internal interface IMigrateVmaOps
{
    /// <summary>alloc_and_copy: choose (and lock) a destination for each MIGRATE slot and copy the data.</summary>
    void alloc_and_copy(MigrateVma migrate);

    /// <summary>finalize_and_map: the driver updates its own page table for the slots that moved.</summary>
    void finalize_and_map(MigrateVma migrate);
}

/// <summary>struct migrate_vma: the range, its slots, and (from 16ce101db85d) the faulting thread's page.</summary>
internal sealed class MigrateVma(Vma vma, long start, long end, MigrateSelect select, DevPagemap? pgmapOwner, Page? faultPage)
{
    public Vma Vma { get; } = vma;
    public long Start { get; } = start;
    public long End { get; } = end;
    public MigrateSelect Select { get; } = select;
    public DevPagemap? PgmapOwner { get; } = pgmapOwner;
    /// <summary>fault_page (16ce101db85d): the page the caller's fault holds a reference on; null in the seed.</summary>
    public Page? FaultPage { get; } = faultPage;
    public List<MigratePfn> Slots { get; } = [];
    /// <summary>cpages: slots collected (locked and unmapped).</summary>
    public int Cpages { get; set; }
}

/// <summary>
/// migrate_vma (mm/migrate.c of the HMM series, 2017, merged in v4.14): collect under the PTL with migration
/// entries, check the references, let the driver allocate and copy, move the metadata, let the driver
/// finalize, then replace the migration entries (pte_same re-check under the PTL) and drop references.
/// The caller holds mmap_sem for read. See docs/device-model.md for what the model leaves out (pages collect
/// could not lock, pte_none holes, THP, LRU isolation).
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// migrate_vma(ops, vma, start, end, ...): -EINVAL for a range outside the VMA or a VM_PFNMAP/VM_MIXEDMAP
    /// VMA; otherwise 0, with each slot saying whether its page moved.
    /// </summary>
    internal int migrate_vma(IMigrateVmaOps ops, MigrateVma migrate)
    {
        const string fn = nameof(migrate_vma);
        var vma = migrate.Vma;
        vma.Mm.MmapSem.AssertHeld(fn, "migrate_vma");
        if (vma.IsPfnMap || migrate.Start < vma.Start || migrate.Start >= vma.End || migrate.End <= vma.Start
            || migrate.End > vma.End || migrate.End <= migrate.Start)
            return -22;
        Record(StepKind.Call, fn, $"{vma.Mm.Name}:[{migrate.Start},{migrate.End})", migrate.Select.ToString());

        migrate_vma_collect(migrate);
        if (migrate.Cpages == 0)
            return 0;
        migrate_vma_unmap(migrate);
        if (migrate.Cpages == 0)
            return 0;
        ops.alloc_and_copy(migrate);
        migrate_vma_pages(migrate);
        ops.finalize_and_map(migrate);
        migrate_vma_finalize(migrate);
        return 0;
    }

    /// <summary>
    /// True when the caller of a page_fault callback holds the fault page locked (1afaeb8293c9 and later): collect
    /// must not try to lock it again, and finalize must leave it locked.
    /// </summary>
    private bool FaultPageLockedByCaller => Variant.Fault is FaultProtocol.TrylockThenRef or FaultProtocol.TrylockWaitForUnlock;

    /// <summary>
    /// migrate_vma_collect → migrate_vma_collect_pmd: under the PTL, for each selected page take a reference;
    /// if the page can be locked (trylock_page; the fault page is already locked by its caller from 1afaeb8293c9)
    /// replace the PTE by a migration entry (soft-dirty kept), page_remove_rmap and put_page (the collect
    /// reference keeps the page). A page that cannot be locked is released and skipped. If a present PTE was
    /// replaced, flush_tlb_range over the range: after dropping the PTL in the 2017 code (8c3328f1f36a), before
    /// it from 60bae7370896 (<see cref="KernelVariant.MigrateCollectFlushesUnderPtl"/>). The walk is bracketed by
    /// mmu_notifier_invalidate_range_start/end over the range (v4.14 migrate_vma_collect).
    /// </summary>
    internal void migrate_vma_collect(MigrateVma migrate)
    {
        const string fn = "migrate_vma_collect_pmd";
        var vma = migrate.Vma;
        var mm = vma.Mm;
        mmu_notifier_invalidate_range_start(mm, migrate.Start, migrate.End);
        try
        {
            migrate_vma_collect_pmd(migrate, fn);
        }
        finally
        {
            mmu_notifier_invalidate_range_end(mm, migrate.Start, migrate.End);
        }
    }

    private void migrate_vma_collect_pmd(MigrateVma migrate, string fn)
    {
        var vma = migrate.Vma;
        var mm = vma.Mm;
        var unmapped = 0;
        mm.Ptl.Lock(fn);
        try
        {
            for (var addr = migrate.Start; addr < migrate.End; addr++)
            {
                var slot = new MigratePfn(addr);
                migrate.Slots.Add(slot);
                var pte = mm.ReadPte(addr, fn);
                Page? page = null;
                var write = false;
                var softDirty = false;
                if (pte_none(pte))
                    continue; // holes are not collected by the model (see docs/device-model.md)
                if (!pte_present(pte))
                {
                    if (migrate.Select != MigrateSelect.DevicePrivate)
                        continue;
                    var entry = pte_to_swp_entry(pte, fn);
                    if (!is_device_entry(entry))
                        continue;
                    page = device_entry_to_page(entry, fn)!;
                    if (page.ReadPgmap(fn) != migrate.PgmapOwner)
                        continue;
                    write = is_write_device_entry(entry);
                    softDirty = pte_swp_soft_dirty(pte, fn);
                }
                else
                {
                    if (migrate.Select != MigrateSelect.System)
                        continue;
                    page = vm_normal_page(vma, addr, pte, fn);
                    if (page is null || is_zone_device_page(page) || !PageAnon(page, fn))
                        continue;
                    write = pte_write(pte, fn);
                    softDirty = pte_soft_dirty(pte, fn);
                }

                get_page(page, fn);
                NoteRefHeld(page, "migrate_vma collect");
                var locked = (page == migrate.FaultPage && FaultPageLockedByCaller) || page.TryLock(fn);
                if (!locked)
                {
                    NoteRefDropped(page, "migrate_vma collect");
                    put_page(page, fn);
                    continue;
                }
                var migPte = swp_entry_to_pte(make_migration_entry(page, write), fn);
                if (softDirty)
                    migPte = pte_swp_mksoft_dirty(migPte, fn);
                mm.WritePte(addr, migPte, fn);
                // 2017: the PTE's dirty (and young) bits are dropped here. fd35ca3d12cc: set_page_dirty first.
                if (pte_present(pte) && Variant.CollectCopiesPteDirtyToPage && pte_dirty(pte, fn))
                    set_page_dirty(page, fn);
                page_remove_rmap(page, false, fn);
                put_page(page, fn);
                slot.Src = page;
                slot.Write = write;
                slot.Locked = true;
                slot.Migrate = true;
                slot.MigrationPte = migPte;
                migrate.Cpages++;
                if (pte_present(pte))
                    unmapped++;
            }
            // 60bae7370896: flush while still holding the PTL.
            if (unmapped != 0 && Variant.MigrateCollectFlushesUnderPtl)
                flush_tlb_range(mm, migrate.Start, migrate.End, fn);
        }
        finally
        {
            mm.Ptl.Unlock(fn);
        }
        // 8c3328f1f36a (v4.14): "Only flush the TLB if we actually modified any entries", after pte_unmap_unlock.
        if (unmapped != 0 && !Variant.MigrateCollectFlushesUnderPtl)
            flush_tlb_range(mm, migrate.Start, migrate.End, fn);
    }

    /// <summary>
    /// migrate_vma_check_page. The 2017 code (seed) accepts an un-addressable device page whatever its count
    /// ("return is_device_private_page(page)": a thread waiting on the migration entry holds a reference that
    /// cannot be told from a pin); the 2022 code that 16ce101db85d builds on counts for device pages too, with the
    /// caller's reference, the page's idle reference and, for <c>fault_page</c>, the faulting thread's. More
    /// references than that plus page_mapcount mean the page is pinned.
    /// </summary>
    internal bool migrate_vma_check_page(Page page, Page? faultPage)
    {
        const string fn = nameof(migrate_vma_check_page);
        var extra = 1 + (page == faultPage ? 1 : 0);
        if (is_zone_device_page(page))
        {
            if (!Variant.MigrationToleratesFaultPageRef)
                return !is_addressable_page(page, fn);
            extra += DevicePageIdleRefcount;
        }
        return page_ref_count(page, fn) - extra <= page_mapcount(page, fn);
    }

    /// <summary>
    /// migrate_vma_prepare + migrate_vma_unmap (2017): every collected page is locked here; a page still mapped
    /// elsewhere (fork) is unmapped with try_to_unmap(TTU_MIGRATION); a page still mapped afterwards or failing
    /// migrate_vma_check_page is restored and skipped.
    /// </summary>
    internal void migrate_vma_unmap(MigrateVma migrate)
    {
        const string fn = nameof(migrate_vma_unmap);
        foreach (var slot in migrate.Slots)
        {
            if (slot.Src is not { } page || !slot.Migrate)
                continue;
            if (page_mapcount(page, fn) > 0)
                try_to_unmap(page);
            if (page_mapcount(page, fn) > 0 || !migrate_vma_check_page(page, migrate.FaultPage))
            {
                slot.Migrate = false;
                migrate.Cpages--;
                Record(StepKind.Note, fn, $"page {page.Pfn}", "pinned or still mapped: restore");
                remove_migration_ptes(page, page, Collected(migrate, slot));
                release_collected_page(migrate, slot);
            }
        }
    }

    private static MigrationMapping Collected(MigrateVma migrate, MigratePfn slot) => new(migrate.Vma, slot.Address, slot.Write);

    /// <summary>
    /// try_to_unmap(page, TTU_MIGRATION|TTU_IGNORE_MLOCK|TTU_IGNORE_ACCESS) → rmap_walk_anon (mm/rmap.c, v4.14):
    /// for every VMA on the chain of the page's anon_vma (the VMA it was first mapped in and every VMA forked from
    /// it, in any live mm), at vma_address(page, vma), <see cref="try_to_unmap_one"/>. The page is locked.
    /// Returns the number of mappings replaced by migration entries.
    /// </summary>
    internal int try_to_unmap(Page page) => RmapWalkUnmap(page, v61: false);

    /// <summary>
    /// try_to_migrate (v5.14+ mm/rmap.c, as migrate_device_range of 249881232e14 calls it): the same walk with the
    /// code of that era, which has every try_to_unmap_one fix of <see cref="try_to_unmap"/> whatever the variant.
    /// </summary>
    internal int try_to_migrate(Page page) => RmapWalkUnmap(page, v61: true);

    private int RmapWalkUnmap(Page page, bool v61)
    {
        const string fn = nameof(try_to_unmap);
        if (page.ReadMapping(fn) is not AnonVma anonVma)
            return 0;
        var found = 0;
        foreach (var mm in Mms.Values.ToList())
        {
            if (mm.Exited)
                continue;
            // anon_vma_interval_tree_foreach: the VMAs linked to the anon_vma (the model reads the mm's VMA list).
            Touch(StepKind.Read, mm.VmasRes);
            foreach (var vma in mm.Vmas.ToList())
            {
                if (vma.AnonVma is null || !vma.AnonVma.ChainContains(anonVma))
                    continue;
                var address = vma_address(page, vma);
                if (!vma.Contains(address))
                    continue;
                found += try_to_unmap_one(page, vma, address, v61);
            }
        }
        return found;
    }

    /// <summary>vma_address(page, vma): where the page's index falls in the VMA (vm_start + index - vm_pgoff).</summary>
    private static long vma_address(Page page, Vma vma) => vma.Start + page.IndexRaw - vma.Pgoff;

    /// <summary>
    /// page_vma_mapped_walk for one small page (mm/page_vma_mapped.c, v4.14). map_pte: without PVMW_SYNC a
    /// lockless look first — a swap PTE must be a device-private entry ("handle this special case as if it was a
    /// normal page mapping"), anything else must be present; then the PTL is taken and check_pte decides: a
    /// device-private entry whose page is <paramref name="page"/>, or a present PTE whose pfn is the page's. On
    /// true the PTL is held and <paramref name="pte"/> is the PTE read under it.
    /// </summary>
    internal bool page_vma_mapped_walk(Page page, Vma vma, long address, out Pte pte)
    {
        const string fn = nameof(page_vma_mapped_walk);
        var mm = vma.Mm;
        pte = Pte.None;
        var res = mm.PteRes(address);
        Touch(StepKind.Read, res);
        var peek = mm.PageTableRaw.GetValueOrDefault(address);
        if (peek.IsSwap ? !Swp.is_device_entry(SwapEntry.swp_entry(peek.ArchSwapType, peek.ArchSwapOffset)) : !peek.IsPresent)
            return false;
        mm.Ptl.Lock(fn);
        pte = mm.ReadPte(address, fn);
        bool mapped;
        if (pte.IsSwap)
        {
            var entry = pte_to_swp_entry(pte, fn);
            mapped = is_device_entry(entry) && entry.Offset == page.Pfn;
        }
        else
        {
            mapped = pte_present(pte) && !pte.Has(Pte._PAGE_SPECIAL) && pte.RawPfn == page.Pfn;
        }
        if (!mapped)
            mm.Ptl.Unlock(fn);
        return mapped;
    }

    /// <summary>
    /// try_to_unmap_one(page, vma, address, TTU_MIGRATION) as the 2017 series (a5430dda8a3a, v4.14) has it. With
    /// the PTL from page_vma_mapped_walk: subpage = page - page_to_pfn(page) + pte_pfn(*pvmw.pte), which for a
    /// device-private swap PTE reads the pfn field of a non-present PTE (fixed by 1de13ee59225: subpage = page).
    /// A device page (un-addressable, mapped only by device entries): ptep_get_and_clear, then a read migration
    /// entry (make_migration_entry(page, 0); the write bit kept from the v5.16 fix), soft-dirty tested with
    /// pte_soft_dirty on the swap PTE (pte_swp_soft_dirty from ad7df764b7e1). A present PTE: ptep_clear_flush
    /// (the flush under the PTL) and a migration entry with the PTE's write and soft-dirty bits. Then
    /// page_remove_rmap(subpage) and put_page(page). <paramref name="v61"/>: the v6.1 code (try_to_migrate_one).
    /// </summary>
    internal int try_to_unmap_one(Page page, Vma vma, long address, bool v61 = false)
    {
        var mm = vma.Mm;
        // 369ea8242c0f (v4.13): mmu_notifier_invalidate_range_start/end around the page_vma_mapped_walk loop.
        mmu_notifier_invalidate_range_start(mm, address, address + 1);
        try
        {
            return try_to_unmap_one_mapped(page, vma, address, v61);
        }
        finally
        {
            mmu_notifier_invalidate_range_end(mm, address, address + 1);
        }
    }

    private int try_to_unmap_one_mapped(Page page, Vma vma, long address, bool v61)
    {
        const string fn = nameof(try_to_unmap_one);
        var mm = vma.Mm;
        if (!page_vma_mapped_walk(page, vma, address, out var pte))
            return 0;
        try
        {
            var device = Config.Migration && is_zone_device_page(page);
            var subpage = device && (v61 || Variant.RmapDeviceSubpageIsPage) ? page : pfn_to_page(pte_pfn(pte, fn), fn);
            Pte migPte;
            if (device)
            {
                mm.WritePte(address, Pte.None, "ptep_get_and_clear");
                var write = (v61 || Variant.RmapDeviceKeepsWrite) && is_write_device_entry(pte_to_swp_entry(pte, fn));
                migPte = swp_entry_to_pte(make_migration_entry(page, write), fn);
                if ((v61 || Variant.RmapDeviceSwpSoftDirty) ? pte_swp_soft_dirty(pte, fn) : pte_soft_dirty(pte, fn))
                    migPte = pte_swp_mksoft_dirty(migPte, fn);
            }
            else
            {
                ptep_clear_flush(mm, address, pte, "ptep_clear_flush");
                migPte = swp_entry_to_pte(make_migration_entry(subpage, pte_write(pte, fn)), fn);
                if (pte_soft_dirty(pte, fn))
                    migPte = pte_swp_mksoft_dirty(migPte, fn);
                // "Move the dirty bit to the physical page now the pte is gone."
                if (pte_dirty(pte, fn))
                    set_page_dirty(page, fn);
            }
            mm.WritePte(address, migPte, fn);
            page_remove_rmap(subpage, false, fn);
            put_page(page, fn);
            return 1;
        }
        finally
        {
            mm.Ptl.Unlock(fn);
        }
    }

    /// <summary>
    /// migrate_vma_pages: for each slot still migrating with a destination, migrate_page(NULL, newpage, page,
    /// MIGRATE_SYNC_NO_COPY) → migrate_page_move_mapping: the source's count must be exactly what is expected
    /// (else -EAGAIN: the slot stays), then the anon mapping and index move to the new page.
    /// </summary>
    internal void migrate_vma_pages(MigrateVma migrate)
    {
        const string fn = nameof(migrate_vma_pages);
        foreach (var slot in migrate.Slots)
        {
            if (slot.Src is not { } page || !slot.Migrate)
                continue;
            if (slot.Dst is not { } newpage)
            {
                slot.Migrate = false;
                continue;
            }
            var expected = 1 + (page == migrate.FaultPage ? 1 : 0) + (is_zone_device_page(page) ? DevicePageIdleRefcount : 0);
            if (page_ref_count(page, fn) != expected)
            {
                Record(StepKind.Note, "migrate_page_move_mapping", $"page {page.Pfn}", $"refcount != {expected}: -EAGAIN");
                slot.Migrate = false;
                continue;
            }
            var mapping = page.ReadMapping(fn);
            newpage.WriteMapping(mapping, page.IndexRaw, "migrate_page_move_mapping");
            migrate_page_states(newpage, page);
        }
    }

    /// <summary>
    /// migrate_page_states (mm/migrate.c v4.14, called by migrate_page with MIGRATE_SYNC_NO_COPY): of the flags the
    /// model has, "move dirty on pages not done by migrate_page_move_mapping()": PageDirty(page) → SetPageDirty(newpage).
    /// The data itself was copied by the driver's alloc_and_copy, so the ghost "written" mark moves with it.
    /// </summary>
    private void migrate_page_states(Page newpage, Page page)
    {
        const string fn = nameof(migrate_page_states);
        if (page.ReadDirty(fn))
            newpage.SetDirty(fn);
        newpage.WrittenGhost |= page.WrittenGhost;
    }

    /// <summary>
    /// migrate_vma_finalize: for each collected slot, remove_migration_pte(page, newpage) — the new page where it
    /// moved, the old page where it did not (an unused destination is unlocked and freed); then unlock and drop
    /// the collect reference (the old page of a move is freed by it) and the destination's allocation reference.
    /// </summary>
    internal void migrate_vma_finalize(MigrateVma migrate)
    {
        const string fn = nameof(migrate_vma_finalize);
        foreach (var slot in migrate.Slots)
        {
            if (slot.Src is not { } page || !slot.Locked)
                continue;
            var newpage = slot.Migrate && slot.Dst is not null ? slot.Dst : page;
            if (newpage == page && slot.Dst is { } unused)
            {
                unused.Unlock(fn);
                put_page(unused, fn);
                slot.Dst = null;
            }
            remove_migration_ptes(page, newpage, Collected(migrate, slot));
            release_collected_page(migrate, slot);
            if (newpage != page)
            {
                newpage.Unlock(fn);
                put_page(newpage, fn);
            }
        }
    }

    /// <summary>Unlock (unless the faulting caller owns the lock) and drop collect's reference.</summary>
    private void release_collected_page(MigrateVma migrate, MigratePfn slot)
    {
        const string fn = nameof(migrate_vma_finalize);
        var page = slot.Src!;
        if (!(page == migrate.FaultPage && FaultPageLockedByCaller))
            page.Unlock(fn);
        slot.Locked = false;
        NoteRefDropped(page, "migrate_vma collect");
        put_page(page, fn);
    }

    /// <summary>
    /// remove_migration_ptes(page, newpage) (mm/migrate.c): the rmap walk over <paramref name="page"/>'s mappings
    /// finds every migration entry that still names it — the one collect wrote, those try_to_unmap wrote, and any
    /// copy a fork made meanwhile — and replaces each with <paramref name="newpage"/>. Mutant
    /// FinalizeSkipsPteSame also installs at the address collect used even when its entry is gone.
    /// </summary>
    internal void remove_migration_ptes(Page page, Page newpage, MigrationMapping? collected)
    {
        if (Variant.FinalizeSkipsPteSame && collected is { } c)
        {
            Touch(StepKind.Read, c.Vma.Mm.PteRes(c.Address));
            if (!IsMigrationEntryFor(c.Vma.Mm.PageTableRaw.GetValueOrDefault(c.Address), page.Pfn))
                remove_migration_pte(c.Vma.Mm, c.Address, page, newpage, collected);
        }
        // Walk until no migration entry names the page: a fork of another address space that shares the page
        // may copy an entry while the walk runs (the kernel's anon_vma ordering makes its walk see those).
        while (true)
        {
            var targets = new List<(MmStruct Mm, long Address)>();
            foreach (var mm in Mms.Values.ToList())
            {
                Touch(StepKind.Read, mm.PteTableRes);
                foreach (var (addr, pte) in mm.PageTableRaw.ToList())
                {
                    if (IsMigrationEntryFor(pte, page.Pfn))
                        targets.Add((mm, addr));
                }
            }
            if (targets.Count == 0)
                return;
            foreach (var (mm, addr) in targets)
                remove_migration_pte(mm, addr, page, newpage, collected);
        }
    }

    /// <summary>Is the PTE a migration entry naming <paramref name="pfn"/>? Raw decoding, no step.</summary>
    private bool IsMigrationEntryFor(Pte pte, long pfn)
    {
        if (!pte.IsSwap)
            return false;
        var e = SwapEntry.swp_entry(pte.ArchSwapType, pte.ArchSwapOffset);
        return Swp.is_migration_entry(e) && e.Offset == pfn;
    }

    /// <summary>
    /// remove_migration_pte (mm/migrate.c, one step of the rmap walk): under the PTL, re-check that the PTE is
    /// still a migration entry for <paramref name="page"/> (page_vma_mapped_walk; the pte_same-style re-check that
    /// finalize relies on — a zap or munmap in between leaves nothing to replace), then map
    /// <paramref name="newpage"/>: a device entry for an un-addressable page, else a present PTE (old,
    /// writable if the migration entry is a write entry and the VMA is writable; soft-dirty kept); get_page and
    /// page_add_anon_rmap for the new mapping. Mutant FinalizeSkipsPteSame skips the re-check.
    /// </summary>
    internal void remove_migration_pte(MmStruct mm, long address, Page page, Page newpage, MigrationMapping? collected)
    {
        const string fn = nameof(remove_migration_pte);
        mm.Ptl.Lock(fn);
        try
        {
            var cur = mm.ReadPte(address, fn);
            var ours = cur.IsSwap && is_migration_entry(pte_to_swp_entry(cur, fn)) && pte_to_swp_entry(cur, fn).Offset == page.Pfn;
            if (!ours && !Variant.FinalizeSkipsPteSame)
            {
                Record(StepKind.Note, fn, $"pte {mm.Name}:{address}", "no longer a migration entry for this page: leave it");
                return;
            }
            var vma = mm.find_vma(address) ?? collected?.Vma
                ?? throw Violation(ViolationCategory.BugOn, fn, $"migration entry {mm.Name}:{address} outside any vma");
            var write = ours ? is_write_migration_entry(pte_to_swp_entry(cur, fn)) : collected!.Value.Write;
            var softDirty = ours && pte_swp_soft_dirty(cur, fn);
            Pte pte;
            if (is_zone_device_page(newpage) && !is_addressable_page(newpage, fn))
            {
                pte = swp_entry_to_pte(make_device_entry(newpage, write), fn);
                if (softDirty)
                    pte = pte_swp_mksoft_dirty(pte, fn);
            }
            else
            {
                pte = pte_mkold(mk_pte(newpage, vma.PageProt), fn);
                if (softDirty)
                    pte = pte.Set(Pte._PAGE_SOFT_DIRTY);
                if (write)
                    pte = maybe_mkwrite(pte, vma, fn);
            }
            get_page(newpage, fn);
            page_add_anon_rmap(newpage, vma, address, fn);
            mm.WritePte(address, pte, fn);
        }
        finally
        {
            mm.Ptl.Unlock(fn);
        }
    }
}
