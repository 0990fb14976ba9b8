namespace Hmm.Spec.Model;

/// <summary>
/// mm/gup.c (v4.11) as a read of /proc/PID/mem reaches it (fs/proc/base.c mem_rw → access_remote_vm →
/// __access_remote_vm → get_user_pages_remote with FOLL_FORCE): check_vma_flags, then the loop of
/// follow_page_mask → follow_page_pte and faultin_page → handle_mm_fault until the page is found, then the copy
/// (kmap + copy_from_user_page) and put_page, all under mmap_sem held for read. A device entry is not present,
/// and get_user_pages_remote does not pass FOLL_MIGRATION, so follow_page_pte returns no page and faultin_page
/// runs the CPU fault path: do_swap_page → the device's page_fault callback migrates the page back. With
/// FOLL_FORCE, FOLL_NUMA is not set, so a protnone PTE (a PROT_NONE mapping) is followed: /proc/PID/mem reads a
/// PROT_NONE page (VM_MAYREAD).
/// </summary>
public sealed partial class KernelWorld
{
    internal const int FOLL_WRITE = 0x01, FOLL_TOUCH = 0x02, FOLL_GET = 0x04, FOLL_FORCE = 0x10, FOLL_NUMA = 0x200,
        FOLL_MIGRATION = 0x400, FOLL_REMOTE = 0x2000;

    /// <summary>
    /// get_user_pages_remote → __get_user_pages for one page: find_extend_vma, check_vma_flags, then
    /// follow_page_mask / faultin_page until a page is found; null on an error (-EFAULT, -ENOMEM).
    /// </summary>
    internal Page? get_user_pages_remote(MmStruct mm, long address, int gupFlags)
    {
        const string fn = "__get_user_pages";
        mm.MmapSem.AssertHeld(fn, "get_user_pages");
        var vma = mm.find_vma(address);
        if (vma is null || !check_vma_flags(vma, gupFlags))
            return null;
        // "if (!(gup_flags & FOLL_FORCE)) gup_flags |= FOLL_NUMA;" (get_user_pages_remote's caller path)
        var foll = (gupFlags & FOLL_FORCE) == 0 ? gupFlags | FOLL_NUMA : gupFlags;
        var livelock = new FaultRetryGuard(this, fn, $"{mm.Name}:{address} (gup)");
        while (true)
        {
            livelock.BeforeAttempt();
            var page = follow_page_pte(vma, address, foll);
            if (page is not null)
                return page;
            if (faultin_page(vma, address, foll) != 0)
                return null;
        }
    }

    /// <summary>
    /// check_vma_flags (v4.11): VM_IO/VM_PFNMAP → -EFAULT; a write needs VM_WRITE (or FOLL_FORCE + VM_MAYWRITE on a
    /// COW mapping); a read needs VM_READ, or FOLL_FORCE and VM_MAYREAD.
    /// </summary>
    private static bool check_vma_flags(Vma vma, int gupFlags)
    {
        var vmFlags = vma.Flags;
        if ((vmFlags & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) != 0)
            return false;
        if ((gupFlags & FOLL_WRITE) != 0)
        {
            if ((vmFlags & VmFlags.VM_WRITE) == 0)
                return (gupFlags & FOLL_FORCE) != 0 && (vmFlags & VmFlags.VM_MAYWRITE) != 0 && VmFlags.is_cow_mapping(vmFlags);
            return true;
        }
        if ((vmFlags & VmFlags.VM_READ) == 0)
            return (gupFlags & FOLL_FORCE) != 0 && (vmFlags & VmFlags.VM_MAYREAD) != 0;
        return true;
    }

    /// <summary>
    /// follow_page_pte (v4.11) under the PTL: a non-present PTE is "no page" (without FOLL_MIGRATION even a
    /// migration entry; a device entry always); with FOLL_NUMA a protnone PTE is "no page"; otherwise
    /// vm_normal_page, and FOLL_GET takes a reference before the PTL is dropped.
    /// </summary>
    internal Page? follow_page_pte(Vma vma, long address, int flags)
    {
        const string fn = nameof(follow_page_pte);
        var mm = vma.Mm;
        mm.Ptl.Lock(fn);
        try
        {
            var pte = mm.ReadPte(address, fn);
            if (!pte_present(pte))
                return null; // no_page (FOLL_MIGRATION is not set: no migration_entry_wait either)
            if ((flags & FOLL_NUMA) != 0 && pte_protnone(pte))
                return null;
            var page = vm_normal_page(vma, address, pte, fn);
            // "if (is_zero_pfn(pte_pfn(pte))) page = pte_page(pte);" (the shared zero page of a read fault).
            if (page is null && is_zero_pfn(pte_pfn(pte, fn)))
                page = pfn_to_page(pte_pfn(pte, fn), fn);
            if (page is null)
                return null;
            if ((flags & FOLL_GET) != 0)
                get_page(page, fn);
            return page;
        }
        finally
        {
            mm.Ptl.Unlock(fn);
        }
    }

    /// <summary>faultin_page: handle_mm_fault with FAULT_FLAG_REMOTE (and WRITE); 0, or -EFAULT/-ENOMEM as a non-zero result.</summary>
    private int faultin_page(Vma vma, long address, int flags)
    {
        var faultFlags = VmFault.FAULT_FLAG_REMOTE | ((flags & FOLL_WRITE) != 0 ? VmFault.FAULT_FLAG_WRITE : 0);
        var ret = handle_mm_fault(vma, address, faultFlags);
        return (ret & VmFault.VM_FAULT_ERROR) != 0 ? -14 : 0;
    }
}
