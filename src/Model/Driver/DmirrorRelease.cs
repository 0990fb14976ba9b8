namespace Hmm.Spec.Model;

/// <summary>
/// Release (unbind) of dmirror's device memory while processes may still map it: hmm_devmem_remove (2017 series,
/// mm/hmm.c) / dmirror_device_remove (test_hmm). With ReleaseEvictsMappedPages (249881232e14) every page still in
/// use is first migrated back to system memory (dmirror_device_evict_chunk → migrate_device_range); then the range
/// is torn down in the era's order (<see cref="KernelWorld.devm_memremap_pages_teardown"/>: the seed waits for
/// every page reference, v4.14-teardown does not) and the iomem resource released.
/// </summary>
internal sealed partial class Dmirror
{
    /// <summary>dmirror_device_remove: EINVAL when already released.</summary>
    public Errno dmirror_release()
    {
        const string fn = nameof(dmirror_release);
        if (Released || PageMap is null)
            return Errno.EINVAL;
        _w.Record(StepKind.Call, fn, $"pgmap {Pgmap.Name}", $"{PagesInUse} device page(s) in use");
        dmirror_drop_all_entries(fn);
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
    /// left to it); try_to_migrate (v6.1 mm/rmap.c, every rmap fix in): every device entry naming it, in every address space,
    /// becomes a migration entry under that mm's PTL; if nothing else holds it, allocate a system page (the kernel's __GFP_NOFAIL; the
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
        _w.try_to_migrate(page);
        var ok = _w.page_mapcount(page, fn) == 0 && _w.migrate_vma_check_page(page, faultPage: null);
        Page? dpage = null;
        if (ok)
        {
            dpage = _w.Buddy.alloc_page(fn);
            if (dpage is not null)
            {
                dpage.Lock(fn);
                _w.copy_user_highpage(dpage, page, fn);
                // ReadMapping's step covers the index too (one field pair, mapping + index).
                dpage.WriteMapping(page.ReadMapping(fn), page.IndexRaw, "migrate_page_move_mapping");
            }
        }
        var target = dpage ?? page;
        _w.remove_migration_ptes(page, target, collected: null);
        page.Unlock(fn);
        _w.NoteRefDropped(page, "migrate_device_range");
        _w.put_page(page, fn);
        if (dpage is not null)
        {
            dpage.Unlock(fn);
            _w.put_page(dpage, fn);
        }
    }
}
