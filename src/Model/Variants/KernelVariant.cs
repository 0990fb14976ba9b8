namespace Hmm.Spec.Model;

/// <summary>
/// One kernel variant: a record of named points of variation, one per upstream fix or mutant. Kernel paths ask
/// these properties, never the variant's name. <see cref="KernelVariants"/> holds the named instances.
/// </summary>
public sealed record KernelVariant
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    /// <summary>Upstream commit the variant adds (null for seed, upstream and mutants).</summary>
    public string? Commit { get; init; }

    /// <summary>
    /// The variant a fix step is built on: the previous step of its own path, or <c>seed</c> for a path's first
    /// step (the steps branch per path, they are not one chain; docs/kernel-model.md, "Variants"). Null for
    /// seed, upstream and the mutants.
    /// </summary>
    public string? Base { get; init; }

    // ---- Fault path (mm/memory.c do_swap_page), fixes 16ce101db85d, 1afaeb8293c9, b570f37a2ce4 ----

    /// <summary>How do_swap_page calls device_entry_fault.</summary>
    public FaultProtocol Fault { get; init; } = FaultProtocol.Lockless;

    /// <summary>
    /// ffa65753c431 (v5.17, "mm/migrate.c: rework migration_entry_wait() to not take a pageref"): a CPU waiting
    /// for a locked page behind an entry (migration_entry_wait; the b570f37a2ce4 trylock loser) queues on the page
    /// while the PTL keeps it alive and sleeps without a reference (migration_entry_wait_on_locked). Off (v4.11):
    /// get_page_unless_zero + wait_on_page_locked + put_page, whose reference fails a concurrent migrate_vma's
    /// refcount check (the 2017 migrate_vma_check_page comment already names this as still to be fixed).
    /// </summary>
    public bool MigrationWaitWithoutRef { get; init; }

    /// <summary>16ce101db85d: migrate_vma tolerates the faulting thread's extra reference on <c>fault_page</c>.</summary>
    public bool MigrationToleratesFaultPageRef => Fault != FaultProtocol.Lockless;

    /// <summary>
    /// The seed's "Catch mapping of un-addressable memory" check in handle_pte_fault: pfn_to_page(pte_pfn()) on
    /// every present-PTE fault, including special PTEs of VM_PFNMAP mappings whose pfn has no struct page. Mel
    /// Gorman's review of v3 asked for it to be removed or made debug-only; later revisions dropped it.
    /// </summary>
    public bool HandlePteFaultChecksAddressable { get; init; } = true;

    // ---- Fault errors (arch/x86/mm/fault.c mm_fault_error, mm/oom_kill.c, the driver's page_fault callback) ----

    /// <summary>
    /// v4.11 pagefault_out_of_memory calls out_of_memory (the OOM killer picks and kills a victim) before the
    /// faulting instruction is retried; 60e2793d440a (v5.16, "mm, oom: do not trigger out_of_memory from the #PF")
    /// only warns "Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF" and retries.
    /// </summary>
    public bool PagefaultOutOfMemoryKills { get; init; } = true;

    /// <summary>
    /// What the driver's page_fault callback returns when it cannot allocate the system page. The 2017 series'
    /// dummy driver (hmm_dmirror) goes through hmm_devmem_fault_range: alloc_and_copy marks the slot
    /// MIGRATE_PFN_ERROR and the helper returns VM_FAULT_SIGBUS. test_hmm (b2ef9f5a5cb3, v5.7) skips the slot
    /// ("if (!dpage) continue;"), returns 0, and the CPU refaults until a page is free.
    /// </summary>
    public bool DeviceFaultAllocFailureIsSigbus { get; init; } = true;

    /// <summary>
    /// fd35ca3d12cc (v6.0, "mm/migrate_device.c: copy pte dirty bit to page", Fixes: 8c3328f1f36a of the 2017
    /// series): migrate_vma_collect_pmd calls set_page_dirty when the PTE it replaces by a migration entry was
    /// dirty. Off (2017 code): the dirty bit is dropped, so a page whose only record of a write was its PTE is
    /// clean from then on.
    /// </summary>
    public bool CollectCopiesPteDirtyToPage { get; init; }

    // ---- Device-memory teardown (mm/hmm.c hmm_devmem_remove, kernel/memremap.c devm_memremap_pages_release) ----

    /// <summary>
    /// What pins a device page's pgmap and whether release waits for it: the 2017 helper's wait
    /// (hmm_devmem_ref_kill), 71389703839e's removal under live page references (v4.14 to v5.1), 50f44ee7248a's
    /// wait before arch_remove_memory.
    /// </summary>
    public DeviceTeardown Teardown { get; init; } = DeviceTeardown.HmmDevmemWait;

    /// <summary>The release waits for every in-use device page before it removes the struct pages.</summary>
    public bool TeardownWaitsForPageRefs => Teardown != DeviceTeardown.RemoveUnderPageRefs;

    /// <summary>Page references to an in-use device page pin pgmap->ref (v4.11 get_zone_device_page; not 71389703839e).</summary>
    public bool PageRefsPinPgmap => Teardown != DeviceTeardown.RemoveUnderPageRefs;

    /// <summary>
    /// ef233450898f + 0dc45ca1ce18: free ZONE_DEVICE pages idle at refcount 0 (page_free at 0, not 1) and each
    /// allocated page holds one pgmap reference.
    /// </summary>
    public bool FreeDevicePagesAtRefcountZero { get; init; }

    /// <summary>249881232e14: release evicts still-mapped device pages to system memory first.</summary>
    public bool ReleaseEvictsMappedPages { get; init; }

    // ---- The device mirror (mm/hmm.c mirror invalidation; later the interval notifier) ----

    /// <summary>When the mirror drops cached entries and when a snapshot in flight is invalid (ec131b2d7fa6, 99cb252f5e68).</summary>
    public MirrorInvalidation Mirror { get; init; } = MirrorInvalidation.AtRangeEnd;

    // ---- CPU TLBs (KernelWorld.Tlb.cs) ----

    /// <summary>
    /// 60bae7370896 (v6.1, "mm/migrate_device.c: flush TLB while holding PTL"): migrate_vma_collect_pmd flushes the
    /// TLBs before dropping the PTL. Off (8c3328f1f36a, v4.14): flush_tlb_range after pte_unmap_unlock, so a zap
    /// that finds only the migration entry flushes nothing and returns while a CPU can still reach the page.
    /// </summary>
    public bool MigrateCollectFlushesUnderPtl { get; init; }

    // ---- Reverse map: try_to_unmap_one on device-private entries (mm/rmap.c, a5430dda8a3a, v4.14) ----

    /// <summary>
    /// 1de13ee59225 (v5.3, Ralph Campbell, "mm/hmm: fix bad subpage pointer in try_to_unmap_one"): subpage is the
    /// page itself for a device page. Off: subpage = page - page_to_pfn(page) + pte_pfn(*pvmw.pte), the pfn field of
    /// a device-private swap PTE (pte-type-confusion; the kernel panics in page_remove_rmap(subpage)).
    /// </summary>
    public bool RmapDeviceSubpageIsPage { get; init; }

    /// <summary>
    /// ad7df764b7e1 (v5.9, "mm/rmap: fixup copying of soft dirty and uffd ptes"): the device branch tests
    /// pte_swp_soft_dirty of the device-private swap PTE. Off: pte_soft_dirty of a swap PTE (pte-type-confusion).
    /// </summary>
    public bool RmapDeviceSwpSoftDirty { get; init; }

    /// <summary>
    /// 3d88705c1067 "mm/rmap.c: avoid double faults migrating device private pages" (Alistair Popple, v5.16, lore
    /// 20211018045247.3128058-1-apopple@nvidia.com): a write device entry becomes a write migration entry. Off
    /// (2017): make_migration_entry(page, 0), always read; the page comes back read-only and a store faults again.
    /// </summary>
    public bool RmapDeviceKeepsWrite { get; init; }

    // ---- Mutants: exactly one seed hunk broken on top of upstream ----

    /// <summary>Mutant: migrate_vma finalize installs the destination without the pte_same re-check.</summary>
    public bool FinalizeSkipsPteSame { get; init; }
    /// <summary>Mutant: register_memory_resource ignores a conflicting resource.</summary>
    public bool RegisterMemoryIgnoresConflict { get; init; }
    /// <summary>Mutant: copy_one_pte keeps a write device entry writable in a COW mapping.</summary>
    public bool ForkKeepsWriteDeviceEntry { get; init; }
    /// <summary>Mutant: copy_one_pte copies a device entry without get_page.</summary>
    public bool ForkSkipsGetPage { get; init; }
    /// <summary>Mutant: copy_one_pte copies a device entry without page_dup_rmap.</summary>
    public bool ForkSkipsDupRmap { get; init; }
    /// <summary>Mutant: zap_pte_range skips device entries whenever zap_details is given (pre-seed swap rule).</summary>
    public bool ZapSkipsDeviceEntriesWithDetails { get; init; }
    /// <summary>Mutant: zap_pte_range clears a device entry without decrementing rss.</summary>
    public bool ZapSkipsRssDecrement { get; init; }
    /// <summary>Mutant: zap_pte_range clears a device entry without put_page.</summary>
    public bool ZapSkipsPutPage { get; init; }
    /// <summary>Mutant: change_pte_range leaves write device entries writable.</summary>
    public bool MprotectKeepsWriteDeviceEntry { get; init; }
    /// <summary>Mutant: MAX_SWAPFILES does not subtract SWP_DEVICE_NUM (the pre-seed formula).</summary>
    public bool MaxSwapfilesNotReduced { get; init; }
    /// <summary>Mutant: do_swap_page has no device-entry branch (treats it like any other non-swap entry).</summary>
    public bool DoSwapPageIgnoresDeviceEntries { get; init; }

    /// <summary>Mutant: change_protection changes the PTEs without mmu_notifier_invalidate_range_start/end.</summary>
    public bool MprotectSkipsMmuNotifier { get; init; }
    /// <summary>Mutant: copy_page_range write-protects a COW mapping's PTEs without the mmu notifier calls.</summary>
    public bool ForkSkipsMmuNotifier { get; init; }
    /// <summary>Mutant: zap_page_range (MADV_DONTNEED) zaps without the mmu notifier calls.</summary>
    public bool ZapSkipsMmuNotifier { get; init; }

    /// <summary>True for the named single-fault mutants.</summary>
    /// <summary>
    /// pte_to_pagemap_entry shows a swap PTE's frame (type | offset &lt;&lt; 5; for a device entry, the device pfn) only to
    /// readers with <c>show_pfn</c> (CAP_SYS_ADMIN), as it already did for present PTEs since 1c90308e7a77 (v4.2):
    /// ab6ecf247a93 (Huang Ying, 2018, "mm: /proc/pid/pagemap: hide swap entries from unprivileged users"). Off: v4.11,
    /// where any reader sees it.
    /// </summary>
    public bool PagemapHidesSwapFromUnprivileged { get; init; }

    public bool IsMutant => Name.StartsWith("mutant-", StringComparison.Ordinal);

    public override string ToString() => Name;
}
