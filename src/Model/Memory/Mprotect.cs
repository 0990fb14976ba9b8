namespace Hmm.Spec.Model;

/// <summary>mm/mprotect.c change_pte_range (v4.11 + seed hunk), under the PTL; mmap_sem held for write.</summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// change_protection_range (v4.11 mm/mprotect.c): walk the range (change_pte_range takes and drops the PTL),
    /// then, only if an entry was changed, flush_tlb_range — after the PTL is dropped. Until the flush another CPU
    /// may still use the old, more permissive translation.
    /// </summary>
    internal long change_protection_range(Vma vma, long start, long end, ulong newProt)
    {
        // change_pmd_range brackets the PTE walk with mmu_notifier_invalidate_range_start/end; the TLB flush comes
        // after range_end (mutant mprotect-skips-mmu-notifier leaves the notifier calls out).
        var notify = !Variant.MprotectSkipsMmuNotifier;
        if (notify)
            mmu_notifier_invalidate_range_start(vma.Mm, start, end);
        var pages = change_pte_range(vma, start, end, newProt);
        if (notify)
            mmu_notifier_invalidate_range_end(vma.Mm, start, end);
        // Only flush the TLB if we actually modified any entries.
        if (pages != 0)
            flush_tlb_range(vma.Mm, start, end, nameof(change_protection_range));
        return pages;
    }

    /// <summary>
    /// change_pte_range: present PTEs get the new protection (pte_modify); non-present entries are decoded only
    /// inside <c>if (IS_ENABLED(CONFIG_MIGRATION))</c>: write migration entries become read, [seed: write device
    /// entries become read, keeping soft-dirty]. The seed's device hunk sits inside that migration block, so
    /// without CONFIG_MIGRATION mprotect leaves write device entries writable (transcribed as is).
    /// </summary>
    internal long change_pte_range(Vma vma, long start, long end, ulong newProt)
    {
        const string fn = nameof(change_pte_range);
        var mm = vma.Mm;
        long pages = 0;
        mm.Ptl.Lock(fn);
        for (var addr = start; addr < end; addr++)
        {
            var oldpte = mm.ReadPte(addr, fn);
            if (pte_present(oldpte))
            {
                var ptent = pte_modify(oldpte, newProt, fn);
                if (!pte_same(ptent, oldpte))
                    mm.WritePte(addr, ptent, fn); // ptep_modify_prot_start/commit
                pages++;
            }
            else if (Config.Migration)
            {
                var entry = pte_to_swp_entry(oldpte, fn);
                if (is_write_migration_entry(entry))
                {
                    // A protection check is difficult so just be safe and disable write.
                    entry = Swp.make_migration_entry_read(entry);
                    var newpte = swp_entry_to_pte(entry, fn);
                    if (pte_swp_soft_dirty(oldpte, fn))
                        newpte = pte_swp_mksoft_dirty(newpte, fn);
                    mm.WritePte(addr, newpte, fn);
                    pages++;
                }
                if (is_write_device_entry(entry) && !Variant.MprotectKeepsWriteDeviceEntry)
                {
                    entry = Swp.make_device_entry_read(entry);
                    var newpte = swp_entry_to_pte(entry, fn);
                    if (pte_swp_soft_dirty(oldpte, fn))
                        newpte = pte_swp_mksoft_dirty(newpte, fn);
                    mm.WritePte(addr, newpte, fn);
                    pages++;
                }
            }
        }
        mm.Ptl.Unlock(fn);
        return pages;
    }
}
