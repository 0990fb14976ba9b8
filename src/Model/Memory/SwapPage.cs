namespace Hmm.Spec.Model;

/// <summary>
/// mm/memory.c do_swap_page (v4.11 + seed hunk) and mm/migrate.c migration_entry_wait. The device-entry branch
/// follows the variant's <see cref="FaultProtocol"/>: the seed's lockless call, or the later fixes
/// (16ce101db85d, 1afaeb8293c9, b570f37a2ce4).
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// do_swap_page: a non-swap entry is a migration entry (wait), [seed: a device entry (device_entry_fault)],
    /// hwpoison (VM_FAULT_HWPOISON) or bad (SIGBUS). A real swap entry is read into a new page, then under the
    /// PTL re-checked with pte_same and installed (MM_ANONPAGES++, MM_SWAPENTS--, swap_free).
    /// pte_unmap_same is lockless on x86-64 (pte_t fits a long), so orig_pte is used as read.
    /// </summary>
    internal int do_swap_page(Vmf vmf)
    {
        const string fn = nameof(do_swap_page);
        var entry = pte_to_swp_entry(vmf.OrigPte, fn);
        if (non_swap_entry(entry))
        {
            if (is_migration_entry(entry))
            {
                migration_entry_wait(vmf.Mm, vmf.Address);
                return 0;
            }
            if (!Variant.DoSwapPageIgnoresDeviceEntries && is_device_entry(entry))
                return do_swap_page_device(vmf, entry);
            if (is_hwpoison_entry(entry))
                return VmFault.VM_FAULT_HWPOISON;
            print_bad_pte(vmf.Vma, vmf.Address, vmf.OrigPte, null, fn);
            return VmFault.VM_FAULT_SIGBUS;
        }
        return do_swap_page_swapin(vmf, entry);
    }

    /// <summary>The device-entry branch of do_swap_page, per the variant's fault protocol.</summary>
    private int do_swap_page_device(Vmf vmf, SwapEntry entry)
    {
        const string fn = nameof(do_swap_page);
        if (Variant.Fault == FaultProtocol.Lockless)
        {
            // Seed: "For un-addressable device memory we call the pgmap fault handler callback. The callback
            // must migrate the page back to some CPU accessible page." No PTL, no reference.
            return device_entry_fault(vmf.Vma, vmf.Address, entry, vmf.Flags, fn);
        }

        var mm = vmf.Mm;
        var page = device_entry_to_page(entry, fn)!;
        vmf.Page = page;
        mm.Ptl.Lock(fn);
        if (!pte_same(mm.ReadPte(vmf.Address, fn), vmf.OrigPte))
        {
            mm.Ptl.Unlock(fn);
            return 0;
        }
        var ret = 0;
        if (Variant.Fault == FaultProtocol.RefUnderPtl)
        {
            // 16ce101db85d: get a page reference while we know the page can't be freed.
            get_page(page, fn);
            NoteRefHeld(page, "do_swap_page fault_page");
            mm.Ptl.Unlock(fn);
            ret = device_entry_fault(vmf.Vma, vmf.Address, entry, vmf.Flags, fn);
            NoteRefDropped(page, "do_swap_page fault_page");
            put_page(page, fn);
            return ret;
        }

        // 1afaeb8293c9: only the trylock_page winner migrates; it calls page_fault with the page locked.
        if (page.TryLock(fn))
        {
            get_page(page, fn);
            NoteRefHeld(page, "do_swap_page fault_page");
            mm.Ptl.Unlock(fn);
            ret = device_entry_fault(vmf.Vma, vmf.Address, entry, vmf.Flags, fn);
            page.Unlock(fn);
            NoteRefDropped(page, "do_swap_page fault_page");
            put_page(page, fn);
            return ret;
        }
        if (Variant.Fault == FaultProtocol.TrylockWaitForUnlock)
        {
            // b570f37a2ce4: the loser waits for the lock holder, then retries the fault. Upstream it calls
            // softleaf_entry_wait_on_locked (ffa65753c431's migration_entry_wait_on_locked, renamed) with the PTL
            // held: no reference. Without ffa65753c431 the only wait is a pinned wait_on_page_locked.
            if (Variant.MigrationWaitWithoutRef)
            {
                migration_entry_wait_on_locked(page, mm.Ptl, fn);
                return 0;
            }
            get_page(page, fn);
            NoteRefHeld(page, "do_swap_page wait for unlock");
            mm.Ptl.Unlock(fn);
            page.WaitUnlocked(fn);
            NoteRefDropped(page, "do_swap_page wait for unlock");
            put_page(page, fn);
            return 0;
        }
        mm.Ptl.Unlock(fn);
        return 0;
    }

    /// <summary>
    /// The real-swap half of do_swap_page, without a swap cache: read the slot into a new page (the slot may have
    /// gone meanwhile: then back out like a failed swapin_readahead), lock it, PTL + pte_same, install, swap_free;
    /// a write fault on a page still shared with the swap slot's other users continues in do_wp_page.
    /// </summary>
    private int do_swap_page_swapin(Vmf vmf, SwapEntry entry)
    {
        const string fn = nameof(do_swap_page);
        var mm = vmf.Mm;
        var vma = vmf.Vma;
        Point(StepKind.Read, $"swap 0:{entry.Offset}");
        var slotLive = entry.Type == SwapArea.Type && SwapArea.CountRaw(entry.Offset) > 0;
        Record(StepKind.Read, fn, $"swap 0:{entry.Offset}", slotLive ? "slot in use" : "slot free");
        var page = slotLive ? Buddy.alloc_page(fn) : null;
        if (page is null)
        {
            // Back out if somebody else faulted in this pte while we released the pte lock.
            mm.Ptl.Lock(fn);
            var ret = pte_same(mm.ReadPte(vmf.Address, fn), vmf.OrigPte) ? VmFault.VM_FAULT_OOM : 0;
            mm.Ptl.Unlock(fn);
            return ret;
        }
        page.WriteContents(SwapArea.swap_readpage(entry, fn), fn);
        page.Lock(fn);
        mm.Ptl.Lock(fn);
        if (!pte_same(mm.ReadPte(vmf.Address, fn), vmf.OrigPte))
        {
            mm.Ptl.Unlock(fn);
            page.Unlock(fn);
            put_page(page, fn);
            return 0;
        }
        var result = 0;
        mm.add_mm_counter(MmCounter.MM_ANONPAGES, 1, fn);
        mm.add_mm_counter(MmCounter.MM_SWAPENTS, -1, fn);
        var pte = mk_pte(page, vma.PageProt);
        // reuse_swap_page: the new page has no other user, so a write fault can map it writable at once.
        if (vmf.IsWrite)
        {
            pte = maybe_mkwrite(pte_mkdirty(pte, fn), vma, fn);
            vmf.Flags &= ~VmFault.FAULT_FLAG_WRITE;
            result |= VmFault.VM_FAULT_WRITE;
        }
        if (pte_swp_soft_dirty(vmf.OrigPte, fn))
            pte = pte.Set(Pte._PAGE_SOFT_DIRTY);
        anon_vma_prepare(vma, fn);
        page_add_new_anon_rmap(page, vma, vmf.Address, fn);
        mm.WritePte(vmf.Address, pte, fn);
        vmf.OrigPte = pte;
        SwapArea.swap_free(entry, fn);
        page.Unlock(fn);
        mm.Ptl.Unlock(fn);
        return result;
    }

    /// <summary>
    /// migration_entry_wait (mm/migrate.c v4.11): under the PTL re-read the entry; if it is still a migration
    /// entry, pin the page (get_page_unless_zero), drop the PTL, wait_on_page_locked, put_page. The fault is retried.
    /// With ffa65753c431 the pin is gone: migration_entry_wait_on_locked queues under the PTL and sleeps unpinned.
    /// </summary>
    internal void migration_entry_wait(MmStruct mm, long address)
    {
        const string fn = nameof(migration_entry_wait);
        mm.Ptl.Lock(fn);
        var pte = mm.ReadPte(address, fn);
        if (!pte.IsSwap)
        {
            mm.Ptl.Unlock(fn);
            return;
        }
        var entry = pte_to_swp_entry(pte, fn);
        if (!is_migration_entry(entry))
        {
            mm.Ptl.Unlock(fn);
            return;
        }
        var page = migration_entry_to_page(entry, fn);
        if (Variant.MigrationWaitWithoutRef)
        {
            migration_entry_wait_on_locked(page, mm.Ptl, fn);
            return;
        }
        if (!get_page_unless_zero(page, fn))
        {
            mm.Ptl.Unlock(fn);
            return;
        }
        NoteRefHeld(page, "migration_entry_wait");
        mm.Ptl.Unlock(fn);
        page.WaitUnlocked(fn);
        NoteRefDropped(page, "migration_entry_wait");
        put_page(page, fn);
    }

    /// <summary>
    /// migration_entry_wait_on_locked (mm/filemap.c, ffa65753c431; softleaf_entry_wait_on_locked since
    /// b570f37a2ce4), entered with <paramref name="ptl"/> held over an entry naming <paramref name="page"/>:
    /// whoever frees the page must first take that PTL to clear the entry, so the page is alive while the waiter
    /// queues. Then the PTL is dropped and the waiter sleeps without touching the page again; the caller retries
    /// the fault.
    /// </summary>
    private void migration_entry_wait_on_locked(Page page, Locking.KernelSpinLock ptl, string function)
    {
        var waiter = page.QueueUnlockWaiter(function);
        ptl.Unlock(function);
        waiter?.Sleep(function);
    }
}
