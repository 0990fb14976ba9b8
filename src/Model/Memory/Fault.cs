using System.Runtime.CompilerServices;

namespace Hmm.Spec.Model;

/// <summary>
/// mm/memory.c page-fault entry (v4.11): handle_mm_fault, handle_pte_fault (with the seed's
/// is_addressable_page check), do_anonymous_page (a read fault maps the shared zero page) and do_fault for shmem
/// (shared anonymous and memfd; a write fault in a private memfd mapping is do_cow_fault). Runs under mmap_sem
/// held for read.
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>handle_mm_fault → __handle_mm_fault (one page-table level) → handle_pte_fault.</summary>
    internal int handle_mm_fault(Vma vma, long address, int flags)
    {
        vma.Mm.MmapSem.AssertHeld(nameof(handle_mm_fault), "page fault");
        Record(StepKind.Call, nameof(handle_mm_fault), $"{vma.Mm.Name}:{address}", $"flags={(flags & VmFault.FAULT_FLAG_WRITE) switch { 0 => "read", _ => "write" }}");
        var ret = handle_pte_fault(new Vmf(vma, address, flags));
        Record(StepKind.Note, nameof(handle_mm_fault), $"{vma.Mm.Name}:{address}", new StepDetail(static (_, a, _) => $"returns {VmFault.Format((int)a)}", ret));
        return ret;
    }

    /// <summary>
    /// handle_pte_fault (mm/memory.c; seed hunk): read orig_pte without the PTL; none → do_anonymous_page /
    /// do_fault; not present → do_swap_page; protnone → do_numa_page; [seed: pfn_to_page(pte_pfn(orig_pte)),
    /// SIGBUS if not addressable — reached only for present PTEs]; PTL; pte_same; write to a read-only PTE →
    /// do_wp_page; else mark dirty/young.
    /// </summary>
    internal int handle_pte_fault(Vmf vmf)
    {
        const string fn = nameof(handle_pte_fault);
        vmf.OrigPte = vmf.Mm.ReadPte(vmf.Address, fn);
        if (pte_none(vmf.OrigPte))
            return vmf.Vma.IsAnonymous ? do_anonymous_page(vmf) : do_fault(vmf);

        if (!pte_present(vmf.OrigPte))
            return do_swap_page(vmf);

        if (pte_protnone(vmf.OrigPte) && vmf.Vma.vma_is_accessible())
            Violation(ViolationCategory.BugOn, fn, $"protnone PTE in accessible {vmf.Vma}: only NUMA balancing makes these, and the model has none");

        // Seed: catch mapping of un-addressable memory; this should never happen.
        var entry = vmf.OrigPte;
        if (Variant.HandlePteFaultChecksAddressable)
        {
            var page = pfn_to_page(pte_pfn(entry, fn), fn);
            if (!is_addressable_page(page, fn))
            {
                print_bad_pte(vmf.Vma, vmf.Address, entry, page, fn);
                return VmFault.VM_FAULT_SIGBUS;
            }
        }

        var mm = vmf.Mm;
        mm.Ptl.Lock(fn);
        if (!pte_same(mm.ReadPte(vmf.Address, fn), entry))
        {
            mm.Ptl.Unlock(fn);
            return 0;
        }
        if (vmf.IsWrite)
        {
            if (!pte_write(entry, fn))
                return do_wp_page(vmf);
            entry = pte_mkdirty(entry, fn);
        }
        entry = pte_mkyoung(entry, fn);
        if (!pte_same(entry, vmf.OrigPte))
            mm.WritePte(vmf.Address, entry, fn); // ptep_set_access_flags
        mm.Ptl.Unlock(fn);
        return 0;
    }

    /// <summary>
    /// print_bad_pte: the kernel logs "BUG: Bad page map" and carries on; the model records it as a note (the
    /// caller's return value carries the consequence).
    /// </summary>
    private void print_bad_pte(Vma vma, long address, Pte pte, Page? page, string function)
    {
        Record(StepKind.Note, function, $"pte {vma.Mm.Name}:{address}", $"BUG: Bad page map: {vma.Mm.Describe(pte)}{(page is null ? "" : $" page pfn={page.Pfn}")}");
    }

    /// <summary>anon_vma_prepare: a private anonymous VMA gets its anon_vma on the first fault.</summary>
    private void anon_vma_prepare(Vma vma, string function)
    {
        if (vma.AnonVma is not null)
            return;
        vma.AnonVma = new AnonVma($"{vma.Mm.Name}@{vma.Start}");
        Record(StepKind.Write, function, $"vma {vma.Mm.Name}:{vma.Start}", "anon_vma_prepare");
    }

    /// <summary>maybe_mkwrite: writable only if the VMA is.</summary>
    private Pte maybe_mkwrite(Pte pte, Vma vma, string function) =>
        (vma.Flags & VmFlags.VM_WRITE) != 0 ? pte_mkwrite(pte, function) : pte;

    /// <summary>mk_pte(page, vma->vm_page_prot).</summary>
    private static Pte mk_pte(Page page, ulong prot) => Pte.pfn_pte(page.Pfn, prot);

    /// <summary>is_zero_pfn: is this the shared zero page's pfn (<see cref="Memmap.ZeroPfn"/>)?</summary>
    internal static bool is_zero_pfn(long pfn) => pfn == Memmap.ZeroPfn;

    /// <summary>my_zero_pfn(addr): x86-64 has one zero page for every address.</summary>
    internal static long my_zero_pfn(long address)
    {
        _ = address;
        return Memmap.ZeroPfn;
    }

    /// <summary>
    /// do_anonymous_page (mm/memory.c v4.11). A read fault ("Use the zero-page for reads": no FAULT_FLAG_WRITE and
    /// no mm_forbids_zeropage, which only s390 KVM guests set) maps the shared zero page:
    /// pte_mkspecial(pfn_pte(my_zero_pfn(addr), vma->vm_page_prot)) under the PTL if the PTE is still none — no
    /// anon_vma_prepare, no rss, no rmap, no reference (vm_page_prot of a private mapping is read-only, so a later
    /// write faults into do_wp_page and copies). A write fault allocates a zeroed page and installs it (MM_ANONPAGES++,
    /// page_add_new_anon_rmap), or releases it if the PTE is no longer none.
    /// </summary>
    internal int do_anonymous_page(Vmf vmf)
    {
        const string fn = nameof(do_anonymous_page);
        var vma = vmf.Vma;
        if ((vma.Flags & VmFlags.VM_SHARED) != 0)
            return VmFault.VM_FAULT_SIGBUS;
        var mm = vmf.Mm;
        if (!vmf.IsWrite)
        {
            var zero = Pte.pfn_pte(my_zero_pfn(vmf.Address), vma.PageProt).Set(Pte._PAGE_SPECIAL); // pte_mkspecial
            mm.Ptl.Lock(fn);
            if (pte_none(mm.ReadPte(vmf.Address, fn)))
                mm.WritePte(vmf.Address, zero, fn); // setpte
            mm.Ptl.Unlock(fn);
            return 0;
        }
        anon_vma_prepare(vma, fn);
        var page = Buddy.alloc_page(fn);
        if (page is null)
            return VmFault.VM_FAULT_OOM;
        var entry = mk_pte(page, vma.PageProt);
        if ((vma.Flags & VmFlags.VM_WRITE) != 0)
            entry = pte_mkwrite(pte_mkdirty(entry, fn), fn);
        mm.Ptl.Lock(fn);
        if (!pte_none(mm.ReadPte(vmf.Address, fn)))
        {
            mm.Ptl.Unlock(fn);
            put_page(page, fn);
            return 0;
        }
        mm.add_mm_counter(MmCounter.MM_ANONPAGES, 1, fn);
        page_add_new_anon_rmap(page, vma, vmf.Address, fn);
        mm.WritePte(vmf.Address, entry, fn);
        mm.Ptl.Unlock(fn);
        return 0;
    }

    /// <summary>
    /// do_fault → do_read_fault / do_shared_fault for a shared anonymous (shmem) VMA: __do_fault (shmem_fault
    /// returns the page locked with a reference), then alloc_set_pte under the PTL (page_add_file_rmap,
    /// MM_SHMEMPAGES++), unlock_page. A VM_PFNMAP VMA has no fault handler here (remap_pfn_range populated it).
    /// </summary>
    internal int do_fault(Vmf vmf)
    {
        const string fn = nameof(do_fault);
        var vma = vmf.Vma;
        if (vma.File is null)
            return VmFault.VM_FAULT_SIGBUS;
        if (vmf.IsWrite && !vma.IsShared)
            return do_cow_fault(vmf);
        var ret = shmem_fault(vma.File, vma.linear_page_index(vmf.Address), out var page, fn);
        if (ret != 0)
            return ret;
        if (page is null)
            return VmFault.VM_FAULT_OOM;
        var mm = vmf.Mm;
        mm.Ptl.Lock(fn);
        if (!pte_none(mm.ReadPte(vmf.Address, fn)))
        {
            mm.Ptl.Unlock(fn);
            page.Unlock(fn);
            put_page(page, fn);
            return 0;
        }
        var entry = mk_pte(page, vma.PageProt);
        if (vmf.IsWrite)
            entry = maybe_mkwrite(pte_mkdirty(entry, fn), vma, fn);
        page_add_file_rmap(page, fn);
        mm.add_mm_counter(MmCounter.MM_SHMEMPAGES, 1, fn);
        mm.WritePte(vmf.Address, entry, fn);
        mm.Ptl.Unlock(fn);
        page.Unlock(fn);
        return 0;
    }

    /// <summary>
    /// do_cow_fault (mm/memory.c v4.11): a write fault on a none PTE of a private file mapping. Allocate the
    /// private copy (anon_vma_prepare first), __do_fault (shmem_fault: the page-cache page, locked, with a
    /// reference; SIGBUS beyond i_size), copy_user_highpage, then finish_fault → alloc_set_pte under the PTL
    /// (page_add_new_anon_rmap, MM_ANONPAGES++), unlock_page and put_page on the page-cache page. The copy is an
    /// anonymous page: page_mapping() is NULL, so it may migrate to device memory.
    /// </summary>
    private int do_cow_fault(Vmf vmf)
    {
        const string fn = nameof(do_cow_fault);
        var vma = vmf.Vma;
        anon_vma_prepare(vma, fn);
        var cow = Buddy.alloc_page(fn);
        if (cow is null)
            return VmFault.VM_FAULT_OOM;
        var ret = shmem_fault(vma.File!, vma.linear_page_index(vmf.Address), out var page, fn);
        if (ret != 0 || page is null)
        {
            put_page(cow, fn);
            return ret != 0 ? ret : VmFault.VM_FAULT_OOM;
        }
        copy_user_highpage(cow, page, fn);
        var mm = vmf.Mm;
        mm.Ptl.Lock(fn);
        if (!pte_none(mm.ReadPte(vmf.Address, fn)))
        {
            mm.Ptl.Unlock(fn);
            put_page(cow, fn);
        }
        else
        {
            var entry = maybe_mkwrite(pte_mkdirty(mk_pte(cow, vma.PageProt), fn), vma, fn);
            mm.add_mm_counter(MmCounter.MM_ANONPAGES, 1, fn);
            page_add_new_anon_rmap(cow, vma, vmf.Address, fn);
            mm.WritePte(vmf.Address, entry, fn);
            mm.Ptl.Unlock(fn);
        }
        page.Unlock(fn);
        put_page(page, fn);
        return 0;
    }

    /// <summary>
    /// vm_normal_page (v4.11, HAVE_PTE_SPECIAL): NULL for pte_special — VM_PFNMAP/VM_MIXEDMAP pfns installed by
    /// remap_pfn_range, and the zero page (any other special pfn would be print_bad_pte) — else
    /// pfn_to_page(pte_pfn(pte)).
    /// </summary>
    internal Page? vm_normal_page(Vma vma, long address, Pte pte, [CallerMemberName] string function = "")
    {
        if (pte_special(pte, function))
        {
            if (!vma.IsPfnMap && !is_zero_pfn(pte.RawPfn))
                print_bad_pte(vma, address, pte, null, function);
            return null;
        }
        return pfn_to_page(pte_pfn(pte, function), function);
    }
}
