namespace Hmm.Spec.Model;

/// <summary>
/// dmirror READ/WRITE: the device accesses process memory through its mirror of the process page table,
/// faulting the address in (hmm_vma_fault → handle_mm_fault) when the mirror has no usable entry.
/// The mirror is rebuilt for every access under the PTL (the kernel keeps it and invalidates it through mmu
/// notifiers; the PTL gives the same guarantee for one access). A hole or a PROT_NONE mapping is -EFAULT, a
/// write to a read-only mapping -EPERM. The device reads and writes its own pages directly.
/// </summary>
public sealed partial class Dmirror
{
    /// <summary>dmirror_read of one page: the 64-bit value standing for the page's data.</summary>
    public DeviceOutcome dmirror_read(MmStruct mm, long address)
    {
        var err = dmirror_access(mm, address, write: false, 0, out var value, nameof(dmirror_read));
        return new DeviceOutcome(err == Errno.OK ? value : 0, err);
    }

    /// <summary>dmirror_write of one page.</summary>
    public Errno dmirror_write(MmStruct mm, long address, long value) =>
        dmirror_access(mm, address, write: true, value, out _, nameof(dmirror_write));

    private Errno dmirror_access(MmStruct mm, long address, bool write, long value, out long read, string fn)
    {
        read = 0;
        mm.MmapSem.DownRead(fn);
        try
        {
            var vma = mm.find_vma(address);
            if (vma is null || (vma.Flags & VmFlags.VM_READ) == 0 || vma.IsPfnMap)
                return Errno.EFAULT;
            if (write && (vma.Flags & VmFlags.VM_WRITE) == 0)
                return Errno.EPERM;
            var livelock = new FaultRetryGuard(_w, fn, $"{mm.Name}:{address} (mirror)");
            while (true)
            {
                livelock.BeforeAttempt();
                if (TryMirrorAccess(mm, vma, address, write, value, out read, fn))
                    return Errno.OK;
                var ret = _w.handle_mm_fault(vma, address, write ? VmFault.FAULT_FLAG_WRITE : 0);
                if ((ret & VmFault.VM_FAULT_ERROR) != 0)
                    return Errno.EFAULT;
            }
        }
        finally
        {
            mm.MmapSem.UpRead(fn);
        }
    }

    /// <summary>
    /// dmirror_do_read / dmirror_do_write against a freshly walked mirror entry (hmm_vma_walk_pmd's view of the
    /// PTE): a present PTE (writable, for a write) gives its page; a device entry of this device (write entry,
    /// for a write) gives the device page. Anything else needs a fault.
    /// </summary>
    private bool TryMirrorAccess(MmStruct mm, Vma vma, long address, bool write, long value, out long read, string fn)
    {
        read = 0;
        mm.Ptl.Lock(fn);
        try
        {
            var pte = mm.ReadPte(address, fn);
            Page? page = null;
            if (KernelWorld.pte_present(pte) && !KernelWorld.pte_protnone(pte))
            {
                if (write && !_w.pte_write(pte, fn))
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
                if (!_w.is_device_entry(entry) || (write && !_w.is_write_device_entry(entry)))
                    return false;
                page = _w.device_entry_to_page(entry, fn);
                if (page is not null && page.ReadPgmap(fn) != Pgmap)
                    return false;
            }
            if (page is null)
                return false;
            if (write)
                page.WriteContents(value, fn);
            else
                read = page.ReadContents(fn);
            return true;
        }
        finally
        {
            mm.Ptl.Unlock(fn);
        }
    }
}
