namespace Hmm.Spec.Model;

/// <summary>
/// mm/memory.c remap_pfn_range (v4.11): the path that installs MMIO pfns (no struct page) into a VM_PFNMAP VMA,
/// as a driver's mmap of its registers does: VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP, vm_pgoff = pfn for COW
/// mappings, and one pte_special PTE per page under the PTL. Also the MMIO register file those pfns reach.
/// </summary>
public sealed partial class KernelWorld
{
    private readonly Dictionary<long, long> _mmio = [];

    /// <summary>remap_pfn_range(vma, addr, pfn, size, prot); mmap_sem held for write (from ->mmap).</summary>
    internal int remap_pfn_range(Vma vma, long addr, long pfn, long pages, ulong prot)
    {
        const string fn = nameof(remap_pfn_range);
        vma.Mm.MmapSem.AssertWriteHeld(fn, "remap_pfn_range");
        if (VmFlags.is_cow_mapping(vma.Flags))
        {
            if (addr != vma.Start || addr + pages != vma.End)
                return -(int)Errno.EINVAL;
        }
        vma.Pgoff = pfn;
        vma.Flags |= VmFlags.VM_IO | VmFlags.VM_PFNMAP | VmFlags.VM_DONTEXPAND | VmFlags.VM_DONTDUMP;
        var mm = vma.Mm;
        mm.Ptl.Lock(fn);
        for (long i = 0; i < pages; i++)
        {
            BUG_ON(!pte_none(mm.ReadPte(addr + i, fn)), fn, $"remap_pfn_range over a populated PTE at {addr + i}");
            mm.WritePte(addr + i, Pte.pfn_pte(pfn + i, prot).Set(Pte._PAGE_SPECIAL), fn);
        }
        mm.Ptl.Unlock(fn);
        return 0;
    }

    /// <summary>A load from an MMIO pfn (a device register; 0 until written).</summary>
    internal long MmioRead(long pfn, string function)
    {
        Point(StepKind.Read, $"mmio {pfn}");
        var v = _mmio.GetValueOrDefault(pfn);
        Record(StepKind.Read, function, $"mmio {pfn}", v.ToString());
        return v;
    }

    internal void MmioWriteRaw(long pfn, long value) => _mmio[pfn] = value;
}
