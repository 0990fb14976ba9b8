namespace Hmm.Spec.Model;

/// <summary>
/// mm/memory.c write-protect faults (v4.11): do_wp_page, wp_page_reuse, wp_page_copy (COW). Entered with the
/// PTL held and vmf->orig_pte equal to the PTE; every exit releases the PTL.
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// do_wp_page: special PTE → wp_pfn_shared (shared writable) or copy; an anonymous page mapped once is
    /// reused (trylock_page, or the get/unlock/lock_page/relock/pte_same dance); otherwise copy.
    /// </summary>
    internal int do_wp_page(Vmf vmf)
    {
        const string fn = nameof(do_wp_page);
        var vma = vmf.Vma;
        var mm = vmf.Mm;
        mm.Ptl.AssertHeld(fn, "do_wp_page");
        vmf.Page = vm_normal_page(vma, vmf.Address, vmf.OrigPte, fn);
        if (vmf.Page is null)
        {
            if ((vma.Flags & (VmFlags.VM_WRITE | VmFlags.VM_SHARED)) == (VmFlags.VM_WRITE | VmFlags.VM_SHARED))
                return wp_page_reuse(vmf); // wp_pfn_shared without pfn_mkwrite
            mm.Ptl.Unlock(fn);
            return wp_page_copy(vmf);
        }
        var page = vmf.Page;
        if (PageAnon(page, fn))
        {
            if (!page.TryLock(fn))
            {
                get_page(page, fn);
                mm.Ptl.Unlock(fn);
                page.Lock(fn);
                mm.Ptl.Lock(fn);
                if (!pte_same(mm.ReadPte(vmf.Address, fn), vmf.OrigPte))
                {
                    page.Unlock(fn);
                    mm.Ptl.Unlock(fn);
                    put_page(page, fn);
                    return 0;
                }
                put_page(page, fn);
            }
            // reuse_swap_page without a swap cache: reuse when this is the only mapping.
            if (page_mapcount(page, fn) <= 1)
            {
                page.Unlock(fn);
                return wp_page_reuse(vmf) | VmFault.VM_FAULT_WRITE;
            }
            page.Unlock(fn);
        }
        else if ((vma.Flags & (VmFlags.VM_WRITE | VmFlags.VM_SHARED)) == (VmFlags.VM_WRITE | VmFlags.VM_SHARED))
        {
            // wp_page_shared for shmem (no page_mkwrite): make the PTE writable in place.
            return wp_page_reuse(vmf) | VmFault.VM_FAULT_WRITE;
        }
        get_page(page, fn);
        NoteRefHeld(page, "wp_page_copy old_page");
        mm.Ptl.Unlock(fn);
        return wp_page_copy(vmf);
    }

    /// <summary>wp_page_reuse: young, dirty, writable in place; releases the PTL.</summary>
    private int wp_page_reuse(Vmf vmf)
    {
        const string fn = nameof(wp_page_reuse);
        var entry = pte_mkyoung(vmf.OrigPte, fn);
        entry = maybe_mkwrite(pte_mkdirty(entry, fn), vmf.Vma, fn);
        vmf.Mm.WritePte(vmf.Address, entry, fn);
        vmf.Mm.Ptl.Unlock(fn);
        return 0;
    }

    /// <summary>
    /// wp_page_copy: allocate, copy the old page (or the MMIO pfn's data for a special PTE; a zeroed page for the
    /// zero page: is_zero_pfn → alloc_zeroed_user_highpage_movable) without the PTL but holding a reference, then
    /// (between mmu_notifier_invalidate_range_start and _end, as v4.11) under the PTL re-check pte_same, clear and
    /// flush the old PTE (ptep_clear_flush_notify) and install the copy (rss, rmap); drop the reference on the old
    /// page (freeing it if that was the last).
    /// </summary>
    private int wp_page_copy(Vmf vmf)
    {
        const string fn = nameof(wp_page_copy);
        var vma = vmf.Vma;
        var mm = vmf.Mm;
        var oldPage = vmf.Page;
        anon_vma_prepare(vma, fn);
        var newPage = Buddy.alloc_page(fn);
        if (newPage is null)
        {
            if (oldPage is not null)
            {
                NoteRefDropped(oldPage, "wp_page_copy old_page");
                put_page(oldPage, fn);
            }
            return VmFault.VM_FAULT_OOM;
        }
        if (oldPage is not null)
            copy_user_highpage(newPage, oldPage, fn);
        else if (is_zero_pfn(vmf.OrigPte.RawPfn))
            Record(StepKind.Note, fn, $"pte {mm.Name}:{vmf.Address}", "is_zero_pfn: alloc_zeroed_user_highpage_movable, nothing to copy");
        else
            newPage.WriteContents(MmioRead(vmf.OrigPte.RawPfn, fn), fn);

        var pageCopied = false;
        mmu_notifier_invalidate_range_start(mm, vmf.Address, vmf.Address + 1);
        mm.Ptl.Lock(fn);
        if (pte_same(mm.ReadPte(vmf.Address, fn), vmf.OrigPte))
        {
            if (oldPage is not null)
            {
                if (!PageAnon(oldPage, fn))
                {
                    mm.add_mm_counter(mm_counter(oldPage, fn), -1, fn);
                    mm.add_mm_counter(MmCounter.MM_ANONPAGES, 1, fn);
                }
            }
            else
            {
                mm.add_mm_counter(MmCounter.MM_ANONPAGES, 1, fn);
            }
            var entry = maybe_mkwrite(pte_mkdirty(mk_pte(newPage, vma.PageProt), fn), vma, fn);
            // Clear the PTE and flush it first, before updating the PTE with the new entry
            // (ptep_clear_flush_notify, under the PTL).
            ptep_clear_flush(mm, vmf.Address, vmf.OrigPte, "ptep_clear_flush_notify");
            page_add_new_anon_rmap(newPage, vma, vmf.Address, fn);
            mm.WritePte(vmf.Address, entry, fn);
            if (oldPage is not null)
            {
                page_remove_rmap(oldPage, false, fn);
                put_page(oldPage, fn); // the old PTE's reference ("new_page = old_page")
            }
            pageCopied = true;
        }
        else
        {
            put_page(newPage, fn);
        }
        mm.Ptl.Unlock(fn);
        mmu_notifier_invalidate_range_end(mm, vmf.Address, vmf.Address + 1);
        if (oldPage is not null)
        {
            // The reference do_wp_page took.
            NoteRefDropped(oldPage, "wp_page_copy old_page");
            put_page(oldPage, fn);
        }
        return pageCopied ? VmFault.VM_FAULT_WRITE : 0;
    }
}
