namespace Hmm.Spec.Model;

/// <summary>
/// Release (unbind) of dmirror's device memory while processes may still map it: hmm_devmem_remove /
/// dmirror_device_remove. With ReleaseEvictsMappedPages (249881232e14) every page still in use is first migrated
/// back to system memory (dmirror_device_evict_chunk → migrate_device_range); then the devm_memremap_pages range
/// is torn down in the variant's order (<see cref="KernelWorld.devm_memremap_pages_teardown"/>) and the iomem
/// resource released.
/// </summary>
public sealed partial class Dmirror
{
    /// <summary>dmirror_device_remove: EINVAL when already released.</summary>
    public Errno dmirror_release()
    {
        const string fn = nameof(dmirror_release);
        if (Released || PageMap is null)
            return Errno.EINVAL;
        _w.Record(StepKind.Call, fn, $"pgmap {Pgmap.Name}", $"{PagesInUse} device page(s) in use");
        if (_w.Variant.ReleaseEvictsMappedPages)
            dmirror_device_evict_chunk();
        _w.devm_memremap_pages_teardown(PageMap);
        _w.Step(StepKind.Write, fn, "iomem_resource", $"release {Resource}");
        _w.Iomem.release_resource(Resource);
        _free.Clear();
        PageMap = null;
        Released = true;
        return Errno.OK;
    }

    /// <summary>
    /// dmirror_device_evict_chunk (249881232e14): migrate_device_range over the whole chunk. For each device page
    /// in use: pin it (get_page_unless_zero) and lock it (trylock_page; a page locked by a migration in flight is
    /// left to it); try_to_migrate: every device entry naming it, in every address space, becomes a migration
    /// entry under that mm's PTL; if nothing else holds it, allocate a system page (the kernel's __GFP_NOFAIL; the
    /// model gives up on the page when RAM is exhausted), copy, and map the system page where the entries were.
    /// </summary>
    public void dmirror_device_evict_chunk()
    {
        const string fn = "migrate_device_range";
        for (var pfn = Pgmap.StartPfn; pfn < Pgmap.StartPfn + Pgmap.NrPages; pfn++)
        {
            _w.Point(StepKind.Read, "dmirror free list");
            var free = _free.Contains(pfn);
            _w.Record(StepKind.Read, fn, "dmirror free list", $"pfn={pfn} {(free ? "free" : "in use")}");
            if (free)
                continue;
            var page = _w.pfn_to_page(pfn, fn);
            if (!_w.get_page_unless_zero(page, fn))
                continue;
            _w.NoteRefHeld(page, "migrate_device_range");
            if (!page.TryLock(fn))
            {
                _w.NoteRefDropped(page, "migrate_device_range");
                _w.put_page(page, fn);
                continue;
            }
            EvictOne(page);
        }
    }

    private void EvictOne(Page page)
    {
        const string fn = "migrate_device_range";
        var mappings = try_to_migrate(page);
        var ok = _w.page_mapcount(page, fn) == 0 && _w.migrate_vma_check_page(page, faultPage: null);
        Page? dpage = null;
        if (ok)
        {
            dpage = _w.Buddy.alloc_page(fn);
            if (dpage is not null)
            {
                dpage.Lock(fn);
                _w.copy_user_highpage(dpage, page, fn);
                dpage.WriteMapping(page.ReadMapping(fn), page.IndexRaw, "migrate_page_move_mapping");
            }
        }
        var target = dpage ?? page;
        foreach (var (migrate, slot) in mappings)
            _w.remove_migration_pte(migrate, slot, target);
        page.Unlock(fn);
        _w.NoteRefDropped(page, "migrate_device_range");
        _w.put_page(page, fn);
        if (dpage is not null)
        {
            dpage.Unlock(fn);
            _w.put_page(dpage, fn);
        }
    }

    /// <summary>
    /// try_to_migrate for a device page (the rmap walk over its anon_vma, done here by scanning every live address
    /// space): each device entry naming the page becomes a migration entry under the PTL; page_remove_rmap and
    /// put_page for each.
    /// </summary>
    private List<(MigrateVma Migrate, MigratePfn Slot)> try_to_migrate(Page page)
    {
        const string fn = nameof(try_to_migrate);
        var found = new List<(MigrateVma, MigratePfn)>();
        foreach (var mm in _w.Mms.Values.Where(m => !m.Exited).ToList())
        {
            mm.Ptl.Lock(fn);
            try
            {
                foreach (var addr in mm.PageTableRaw.Keys.ToList())
                {
                    var pte = mm.ReadPte(addr, fn);
                    if (!pte.IsSwap)
                        continue;
                    var entry = _w.pte_to_swp_entry(pte, fn);
                    if (!_w.is_device_entry(entry) || entry.Offset != page.Pfn)
                        continue;
                    var vma = mm.find_vma(addr) ?? throw _w.Violation(ViolationCategory.BugOn, fn, $"device entry at {mm.Name}:{addr} outside any vma");
                    var write = _w.is_write_device_entry(entry);
                    var migPte = _w.swp_entry_to_pte(_w.make_migration_entry(page, write), fn);
                    if (_w.pte_swp_soft_dirty(pte, fn))
                        migPte = _w.pte_swp_mksoft_dirty(migPte, fn);
                    mm.WritePte(addr, migPte, fn);
                    _w.page_remove_rmap(page, false, fn);
                    _w.put_page(page, fn);
                    var migrate = new MigrateVma(vma, addr, addr + 1, MigrateSelect.DevicePrivate, Pgmap, faultPage: null);
                    var slot = new MigratePfn(addr) { Src = page, Write = write, Locked = true, Migrate = true, MigrationPte = migPte };
                    migrate.Slots.Add(slot);
                    found.Add((migrate, slot));
                }
            }
            finally
            {
                mm.Ptl.Unlock(fn);
            }
        }
        return found;
    }
}
