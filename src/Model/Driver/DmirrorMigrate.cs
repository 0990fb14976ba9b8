namespace Hmm.Spec.Model;

/// <summary>
/// dmirror's migration: MIGRATE to device (private anonymous memory, system pages only), migration back to
/// system memory, and the page_fault callback that brings one faulting page back.
/// </summary>
internal sealed partial class Dmirror
{
    /// <summary>The driver's migrate_vma_ops for system → device (for callers that run migrate_vma step by step).</summary>
    public IMigrateVmaOps ToDevice => new ToDeviceOps(this);

    /// <summary>The driver's migrate_vma_ops for device → system.</summary>
    public IMigrateVmaOps ToSystem => new ToSystemOps(this);

    /// <summary>dmirror_migrate_alloc_and_copy / dmirror_migrate_finalize_and_map: system → device.</summary>
    private sealed class ToDeviceOps(Dmirror driver) : IMigrateVmaOps
    {
        public void alloc_and_copy(MigrateVma migrate)
        {
            const string fn = "dmirror_migrate_alloc_and_copy";
            foreach (var slot in migrate.Slots)
            {
                if (slot.Src is not { } spage || !slot.Migrate)
                    continue;
                var dpage = driver.dmirror_devmem_alloc_page();
                if (dpage is null)
                {
                    slot.AllocFailed = true;
                    continue;
                }
                driver._w.copy_user_highpage(dpage, spage, fn);
                slot.Dst = dpage;
            }
        }

        public void finalize_and_map(MigrateVma migrate) => driver.dmirror_finalize_and_map(migrate, "dmirror_migrate_finalize_and_map");
    }

    /// <summary>dmirror_devmem_fault_alloc_and_copy / finalize: device → system.</summary>
    private sealed class ToSystemOps(Dmirror driver) : IMigrateVmaOps
    {
        public void alloc_and_copy(MigrateVma migrate)
        {
            const string fn = "dmirror_devmem_fault_alloc_and_copy";
            foreach (var slot in migrate.Slots)
            {
                if (slot.Src is not { } spage || !slot.Migrate)
                    continue;
                var dpage = driver._w.Buddy.alloc_page(fn);
                if (dpage is null)
                {
                    slot.AllocFailed = true;
                    continue;
                }
                dpage.Lock(fn);
                driver._w.copy_user_highpage(dpage, spage, fn);
                slot.Dst = dpage;
            }
        }

        public void finalize_and_map(MigrateVma migrate) => driver.dmirror_finalize_and_map(migrate, "dmirror_devmem_fault_finalize_and_map");
    }

    /// <summary>
    /// finalize_and_map: dmirror updates its mirror of the process page table for the slots that moved. The
    /// model keeps no mirror between operations (see docs/device-model.md), so this only records the step.
    /// </summary>
    private void dmirror_finalize_and_map(MigrateVma migrate, string fn)
    {
        var moved = migrate.Slots.Count(s => s.Migrate && s.Dst is not null);
        _w.Record(StepKind.Note, fn, $"mirror {migrate.Vma.Mm.Name}", $"{moved} page(s) moved");
    }

    /// <summary>
    /// The pgmap's page_fault callback (hmm_devmem_fault → dmirror_devmem_fault): find the driver through
    /// page->pgmap->data, migrate_vma the faulting address back to system memory. migrate_vma failing is
    /// VM_FAULT_SIGBUS. No system page: in the 2017 series' dummy driver alloc_and_copy marks the slot
    /// MIGRATE_PFN_ERROR and hmm_devmem_fault_range returns VM_FAULT_SIGBUS; in test_hmm (b2ef9f5a5cb3) the slot
    /// is skipped and the callback returns 0 (variant point DeviceFaultAllocFailureIsSigbus). A page that was
    /// not moved returns 0 and the CPU retries the fault. No era's driver returns VM_FAULT_OOM here. From
    /// 16ce101db85d the faulting page is passed as fault_page.
    /// Runs with the faulting thread's mmap_sem held for read.
    /// </summary>
    public int dmirror_devmem_fault(Vma vma, long address, Page page, int flags)
    {
        _ = flags;
        const string fn = nameof(dmirror_devmem_fault);
        var pgmap = page.ReadPgmap(fn);
        var driver = pgmap?.Data as Dmirror ?? throw _w.Violation(ViolationCategory.BugOn, fn, $"page pfn={page.Pfn} has no dmirror pgmap");
        var faultPage = _w.Variant.MigrationToleratesFaultPageRef ? page : null;
        var migrate = new MigrateVma(vma, address, address + 1, MigrateSelect.DevicePrivate, driver.Pgmap, faultPage);
        if (_w.migrate_vma(new ToSystemOps(driver), migrate) != 0)
            return VmFault.VM_FAULT_SIGBUS;
        if (migrate.Slots.Any(s => s.AllocFailed) && _w.Variant.DeviceFaultAllocFailureIsSigbus)
            return VmFault.VM_FAULT_SIGBUS; // dst & MIGRATE_PFN_ERROR
        return 0;
    }

    /// <summary>
    /// dmirror_migrate (MIGRATE ioctl, to device): under mmap_sem read, walk [start, start+pages) VMA by VMA;
    /// a hole or an unreadable VMA ends the walk (dmirror: -EINVAL); only private anonymous VMAs are migrated.
    /// Returns the number of pages that moved.
    /// </summary>
    public int dmirror_migrate_to_device(MmStruct mm, long start, int pages) =>
        MigrateRange(mm, start, pages, MigrateSelect.System, nameof(dmirror_migrate_to_device));

    /// <summary>Migration of the range's device pages back to system memory (dmirror_migrate_to_system).</summary>
    public int dmirror_migrate_to_system(MmStruct mm, long start, int pages) =>
        MigrateRange(mm, start, pages, MigrateSelect.DevicePrivate, nameof(dmirror_migrate_to_system));

    private int MigrateRange(MmStruct mm, long start, int pages, MigrateSelect select, string fn)
    {
        var end = start + pages;
        var moved = 0;
        mm.MmapSem.DownRead(fn);
        try
        {
            for (var addr = start; addr < end;)
            {
                var vma = mm.find_vma(addr);
                if (vma is null || (vma.Flags & VmFlags.VM_READ) == 0)
                    break;
                var next = Math.Min(end, vma.End);
                // Private VMAs only; within them migrate_vma_collect takes only PageAnon pages, so a private memfd
                // mapping's COW copies move and its page-cache pages stay.
                var eligible = select == MigrateSelect.DevicePrivate || (!vma.IsShared && !vma.IsPfnMap);
                if (eligible)
                {
                    var migrate = new MigrateVma(vma, addr, next, select, Pgmap, faultPage: null);
                    IMigrateVmaOps ops = select == MigrateSelect.System ? new ToDeviceOps(this) : new ToSystemOps(this);
                    if (_w.migrate_vma(ops, migrate) == 0)
                        moved += migrate.Slots.Count(s => s.Migrate && s.Dst is not null);
                }
                addr = next;
            }
        }
        finally
        {
            mm.MmapSem.UpRead(fn);
        }
        return moved;
    }
}
