using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Support;

/// <summary>
/// A minimal ZONE_DEVICE range for core unit tests (the real driver is the device side's): a pgmap with
/// MEMORY_DEVICE | ALLOW_MIGRATE | UNADDRESSABLE, a free list fed by page_free, and a page_fault callback that
/// migrates the faulting page back to a system page the simple way (allocate, copy, PTL + pte_same, install).
/// <see cref="PlaceDeviceEntry"/> moves a present anonymous page to the device, as migrate_vma would.
/// </summary>
internal sealed class TestDevice
{
    private readonly KernelWorld _w;
    private readonly Stack<Page> _free = new();

    public TestDevice(KernelWorld world, long startPfn, int pages)
    {
        _w = world;
        Pgmap = new DevPagemap(world, "testdev", startPfn, pages);
        Pgmap.percpu_ref_init("test");
        Pgmap.WriteFlags(MemoryFlags.MEMORY_DEVICE | MemoryFlags.MEMORY_DEVICE_ALLOW_MIGRATE | MemoryFlags.MEMORY_DEVICE_UNADDRESSABLE, "test");
        Pgmap.WritePageFree(PageFree, "test");
        Pgmap.WritePageFault(PageFault, "test");
        world.Memmap.AddRange(startPfn, pages, Zone.Device, Pgmap, world.DevicePageIdleRefcount, PageState.Free, "test");
        for (var pfn = startPfn + pages - 1; pfn >= startPfn; pfn--)
            _free.Push(world.Memmap.Find(pfn)!);
    }

    public DevPagemap Pgmap { get; }
    public int FreeCount => _free.Count;
    public int FaultCalls { get; private set; }
    /// <summary>When set, page_fault returns this instead of migrating.</summary>
    public int? FailFaultWith { get; set; }
    /// <summary>With <see cref="FailFaultWith"/>: how many calls fail before page_fault migrates (null: all).</summary>
    public int? FailFaultTimes { get; set; }

    private void PageFree(Page page, object? data)
    {
        page.MarkFree("test_page_free");
        _free.Push(page);
    }

    /// <summary>A free device page, allocated as a driver would (zone_device_page_init).</summary>
    public Page Alloc()
    {
        var page = _free.Pop();
        _w.zone_device_page_init(page, "test_alloc");
        return page;
    }

    /// <summary>Replaces the present anonymous page at addr by a device entry (write if the PTE was writable).</summary>
    public Page PlaceDeviceEntry(string mmName, long addr, bool? write = null)
    {
        var mm = _w.FindMm(mmName)!;
        var vma = mm.find_vma(addr)!;
        mm.Ptl.Lock("test_migrate");
        var pte = mm.ReadPte(addr, "test_migrate");
        pte.IsPresent.Should().BeTrue("the test places device entries over present pages");
        var src = _w.pfn_to_page(_w.pte_pfn(pte, "test_migrate"), "test_migrate");
        var dst = Alloc();
        _w.copy_user_highpage(dst, src, "test_migrate");
        _w.page_add_new_anon_rmap(dst, vma, addr, "test_migrate");
        var entry = _w.make_device_entry(dst, write ?? pte.Has(Pte._PAGE_RW));
        mm.WritePte(addr, _w.swp_entry_to_pte(entry, "test_migrate"), "test_migrate");
        _w.flush_tlb_page(mm, addr, "test_migrate");
        _w.page_remove_rmap(src, false, "test_migrate");
        mm.Ptl.Unlock("test_migrate");
        _w.put_page(src, "test_migrate");
        return dst;
    }

    /// <summary>page_fault: migrate the device page at address back to a new system page.</summary>
    private int PageFault(Vma vma, long address, Page page, int flags)
    {
        FaultCalls++;
        if (FailFaultWith is { } ret && (FailFaultTimes is not { } n || FaultCalls <= n))
            return ret;
        var mm = vma.Mm;
        var dst = _w.Buddy.alloc_page("test_fault");
        if (dst is null)
            return VmFault.VM_FAULT_OOM;
        _w.copy_user_highpage(dst, page, "test_fault");
        mm.Ptl.Lock("test_fault");
        var pte = mm.ReadPte(address, "test_fault");
        if (!pte.IsSwap || !_w.is_device_entry(_w.pte_to_swp_entry(pte, "test_fault"))
            || _w.pte_to_swp_entry(pte, "test_fault").Offset != page.Pfn)
        {
            mm.Ptl.Unlock("test_fault");
            _w.put_page(dst, "test_fault");
            return 0;
        }
        var write = _w.is_write_device_entry(_w.pte_to_swp_entry(pte, "test_fault"));
        var prot = vma.PageProt | (write ? Pte._PAGE_RW | Pte._PAGE_DIRTY : 0);
        _w.page_add_new_anon_rmap(dst, vma, address, "test_fault");
        mm.WritePte(address, Pte.pfn_pte(dst.Pfn, prot), "test_fault");
        _w.page_remove_rmap(page, false, "test_fault");
        mm.Ptl.Unlock("test_fault");
        _w.put_page(page, "test_fault");
        return 0;
    }
}
