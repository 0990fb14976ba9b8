namespace Hmm.Spec.Model;

/// <summary>
/// mm/memory.c fork page-table copy (v4.11 + seed hunk): copy_page_range → copy_pte_range (both PTLs) →
/// copy_one_pte. The caller (dup_mmap) holds both mmap_sems for write.
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// copy_page_range: nothing to copy for a VMA without anon_vma that is not VM_PFNMAP/VM_MIXEDMAP (the child
    /// refaults shared pages from the page cache). For a COW mapping (is_cow) the parent's PTEs are about to be
    /// write-protected, so v4.11 brackets the copy with mmu_notifier_invalidate_range_start/end on the source mm
    /// (mutant <c>fork-skips-mmu-notifier</c> leaves them out).
    /// </summary>
    internal void copy_page_range(MmStruct dst, MmStruct src, Vma vma)
    {
        if ((vma.Flags & (VmFlags.VM_PFNMAP | VmFlags.VM_MIXEDMAP)) == 0 && vma.AnonVma is null)
            return;
        var isCow = VmFlags.is_cow_mapping(vma.Flags) && !Variant.ForkSkipsMmuNotifier;
        if (isCow)
            mmu_notifier_invalidate_range_start(src, vma.Start, vma.End);
        copy_pte_range(dst, src, vma, vma.Start, vma.End);
        if (isCow)
            mmu_notifier_invalidate_range_end(src, vma.Start, vma.End);
    }

    /// <summary>
    /// copy_pte_range's batch limit (mm/memory.c v4.11): <c>progress</c> grows by 1 per none PTE and by 8 per copied
    /// entry; at the top of an iteration with <c>progress &gt;= 32</c> it is reset and, if <c>need_resched() ||
    /// spin_needbreak(src_ptl) || spin_needbreak(dst_ptl)</c>, the loop breaks: both PTLs are dropped,
    /// cond_resched() runs and the copy restarts (<c>goto again</c>) at the next address.
    /// </summary>
    internal const int CopyPteBreakProgress = 32;

    /// <summary>
    /// copy_pte_range (v4.11): again: dst PTL, then src PTL (nested); copy until the end or the batch limit
    /// (<see cref="CopyPteBreakProgress"/>); unlock src, add_mm_rss_vec(dst) under the dst PTL, unlock dst,
    /// cond_resched; restart while addresses remain. The model always breaks at the limit and puts a scheduling
    /// point (cond_resched) where both locks are dropped: a scheduler may run nothing there, which is the
    /// kernel's "no need_resched" outcome, so both outcomes are covered (docs/kernel-model.md, "Lock breaks").
    /// </summary>
    private void copy_pte_range(MmStruct dst, MmStruct src, Vma vma, long start, long end)
    {
        const string fn = nameof(copy_pte_range);
        var progress = 0;
        var addr = start;
        while (true) // again:
        {
            var rss = new long[4];
            dst.Ptl.Lock(fn);
            src.Ptl.Lock(fn);
            for (; addr < end; addr++)
            {
                if (progress >= CopyPteBreakProgress)
                {
                    progress = 0;
                    Record(StepKind.Note, fn, $"pte {src.Name}:{addr}", "progress >= 32: break for need_resched / spin_needbreak");
                    break;
                }
                if (pte_none(src.ReadPte(addr, fn)))
                {
                    progress++;
                    continue;
                }
                copy_one_pte(dst, src, vma, addr, rss);
                progress += 8;
            }
            src.Ptl.Unlock(fn);
            for (var i = 0; i < rss.Length; i++)
            {
                if (rss[i] != 0)
                    dst.add_mm_counter((MmCounter)i, rss[i], "add_mm_rss_vec");
            }
            dst.Ptl.Unlock(fn);
            if (addr >= end)
                return;
            Interleave("cond_resched", $"copy of {src.Name} -> {dst.Name} resumes at {addr}");
        }
    }

    /// <summary>
    /// copy_one_pte: real swap → swap_duplicate, MM_SWAPENTS++; migration entry → rss++, write→read in COW
    /// mappings; [seed: device entry → get_page, rss++, page_dup_rmap, write→read in COW mappings keeping
    /// soft-dirty]; present → COW write-protect both sides, shared → clean in the child, old; get_page,
    /// page_dup_rmap, rss++ for normal pages.
    /// </summary>
    internal void copy_one_pte(MmStruct dst, MmStruct src, Vma vma, long addr, long[] rss)
    {
        const string fn = nameof(copy_one_pte);
        var vmFlags = vma.Flags;
        var pte = src.ReadPte(addr, fn);

        if (!pte_present(pte))
        {
            var entry = pte_to_swp_entry(pte, fn);
            if (!non_swap_entry(entry))
            {
                SwapArea.swap_duplicate(entry, fn);
                rss[(int)MmCounter.MM_SWAPENTS]++;
            }
            else if (is_migration_entry(entry))
            {
                var page = migration_entry_to_page(entry, fn);
                rss[(int)mm_counter(page, fn)]++;
                if (is_write_migration_entry(entry) && VmFlags.is_cow_mapping(vmFlags))
                {
                    // COW mappings require pages in both parent and child to be set to read.
                    entry = Swp.make_migration_entry_read(entry);
                    var readPte = swp_entry_to_pte(entry, fn);
                    if (pte_swp_soft_dirty(src.ReadPte(addr, fn), fn))
                        readPte = pte_swp_mksoft_dirty(readPte, fn);
                    pte = readPte;
                    src.WritePte(addr, pte, fn);
                }
            }
            else if (is_device_entry(entry))
            {
                var page = device_entry_to_page(entry, fn)!;
                // Seed: update rss count even for un-addressable pages; they are like any other page.
                if (!Variant.ForkSkipsGetPage)
                    get_page(page, fn);
                rss[(int)mm_counter(page, fn)]++;
                if (!Variant.ForkSkipsDupRmap)
                    page_dup_rmap(page, false, fn);
                if (is_write_device_entry(entry) && VmFlags.is_cow_mapping(vmFlags) && !Variant.ForkKeepsWriteDeviceEntry)
                {
                    entry = Swp.make_device_entry_read(entry);
                    var readPte = swp_entry_to_pte(entry, fn);
                    if (pte_swp_soft_dirty(src.ReadPte(addr, fn), fn))
                        readPte = pte_swp_mksoft_dirty(readPte, fn);
                    pte = readPte;
                    src.WritePte(addr, pte, fn);
                }
            }
            dst.WritePte(addr, pte, fn); // out_set_pte
            return;
        }

        if (VmFlags.is_cow_mapping(vmFlags))
        {
            if (pte_write(pte, fn))
                src.WritePte(addr, pte_wrprotect(pte, fn), fn); // ptep_set_wrprotect
            pte = pte_wrprotect(pte, fn);
        }
        if ((vmFlags & VmFlags.VM_SHARED) != 0)
            pte = pte_mkclean(pte, fn);
        pte = pte_mkold(pte, fn);

        var normal = vm_normal_page(vma, addr, pte, fn);
        if (normal is not null)
        {
            get_page(normal, fn);
            page_dup_rmap(normal, false, fn);
            rss[(int)mm_counter(normal, fn)]++;
        }
        dst.WritePte(addr, pte, fn);
    }
}
