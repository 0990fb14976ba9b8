namespace Hmm.Spec.Model;

/// <summary>The named variants: seed, each upstream fix cumulatively, upstream (all fixes), and the mutants.</summary>
public static class KernelVariants
{
    public static KernelVariant Seed { get; } = new()
    {
        Name = "seed",
        Description = "the v3 patch as posted (March 2017, on v4.11)",
    };

    public static KernelVariant FixMigrationWait { get; } = Seed with
    {
        Name = "fix-migration-wait",
        Base = Seed.Name,
        Description = "seed + a CPU waiting on a migration entry sleeps on the page lock without a page reference",
        Commit = "ffa65753c431",
        MigrationWaitWithoutRef = true,
    };

    // The fault fixes (v6.1 onwards) all landed on a tree that has ffa65753c431 (v5.17), so they build on it.
    public static KernelVariant FixFaultRef { get; } = FixMigrationWait with
    {
        Name = "fix-fault-ref",
        Base = FixMigrationWait.Name,
        Description = "fix-migration-wait + do_swap_page takes the PTL, re-checks the entry and holds a reference across page_fault",
        Commit = "16ce101db85d",
        Fault = FaultProtocol.RefUnderPtl,
    };

    public static KernelVariant FixFaultTrylock { get; } = FixFaultRef with
    {
        Name = "fix-fault-trylock",
        Base = FixFaultRef.Name,
        Description = "fix-fault-ref + only the trylock_page winner migrates the device page",
        Commit = "1afaeb8293c9",
        Fault = FaultProtocol.TrylockThenRef,
    };

    public static KernelVariant FixFaultTrylockWait { get; } = FixFaultTrylock with
    {
        Name = "fix-fault-trylock-wait",
        Base = FixFaultTrylock.Name,
        Description = "fix-fault-trylock + a trylock loser waits for the page to be unlocked before retrying",
        Commit = "b570f37a2ce4",
        Fault = FaultProtocol.TrylockWaitForUnlock,
    };

    public static KernelVariant FixDropAddressableCheck { get; } = Seed with
    {
        Name = "fix-drop-addressable-check",
        Base = Seed.Name,
        Description = "seed without handle_pte_fault's pfn_to_page/is_addressable_page check (removed after the v3 review)",
        HandlePteFaultChecksAddressable = false,
    };

    public static KernelVariant FixPagefaultOomNoKill { get; } = Seed with
    {
        Name = "fix-pf-oom-no-kill",
        Base = Seed.Name,
        Description = "seed + pagefault_out_of_memory no longer invokes the OOM killer, it warns and the fault is retried",
        Commit = "60e2793d440a",
        PagefaultOutOfMemoryKills = false,
    };

    public static KernelVariant FixDriverFaultRefaults { get; } = Seed with
    {
        Name = "fix-driver-fault-refaults",
        Base = Seed.Name,
        Description = "seed + the driver's page_fault callback (test_hmm) leaves a page it cannot allocate for and the CPU refaults, instead of the 2017 helper's MIGRATE_PFN_ERROR → SIGBUS",
        Commit = "b2ef9f5a5cb3",
        DeviceFaultAllocFailureIsSigbus = false,
    };

    public static KernelVariant FixCollectDirty { get; } = Seed with
    {
        Name = "fix-collect-dirty",
        Base = Seed.Name,
        Description = "seed + migrate_vma_collect_pmd copies a dirty PTE's dirty bit to the page (set_page_dirty) before replacing it",
        Commit = "fd35ca3d12cc",
        CollectCopiesPteDirtyToPage = true,
    };

    /// <summary>
    /// Not a fix of the seed: the v4.13 change the HMM series was merged on (v4.14) that turned the 2017 helper's
    /// waiting release into one that removes struct pages under live mappings, until 50f44ee7248a.
    /// </summary>
    public static KernelVariant TeardownRemoveUnderRefs { get; } = Seed with
    {
        Name = "v4.14-teardown",
        Base = Seed.Name,
        Description = "seed + get_page no longer pins the pgmap, so device-memory release removes struct pages under live mappings (v4.14 to v5.1)",
        Commit = "71389703839e",
        Teardown = DeviceTeardown.RemoveUnderPageRefs,
    };

    public static KernelVariant FixTeardownWait { get; } = TeardownRemoveUnderRefs with
    {
        Name = "fix-teardown-wait",
        Base = TeardownRemoveUnderRefs.Name,
        Description = "v4.14-teardown + in-use device pages pin the pgmap and release waits for it to drain before removing the memory",
        Commit = "50f44ee7248a",
        Teardown = DeviceTeardown.WaitBeforeRemove,
    };

    public static KernelVariant FixTeardownRefzero { get; } = FixTeardownWait with
    {
        Name = "fix-teardown-refzero",
        Base = FixTeardownWait.Name,
        Description = "fix-teardown-wait + free device pages idle at refcount 0, each allocated page pins the pgmap",
        Commit = "ef233450898f+0dc45ca1ce18",
        FreeDevicePagesAtRefcountZero = true,
    };

    public static KernelVariant FixTeardownEvict { get; } = FixTeardownRefzero with
    {
        Name = "fix-teardown-evict",
        Base = FixTeardownRefzero.Name,
        Description = "fix-teardown-refzero + release evicts still-mapped device pages to system memory",
        Commit = "249881232e14",
        ReleaseEvictsMappedPages = true,
    };

    public static KernelVariant FixCollectFlush { get; } = Seed with
    {
        Name = "fix-collect-flush",
        Base = Seed.Name,
        Description = "seed + migrate_vma_collect_pmd flushes the TLBs before dropping the PTL",
        Commit = "60bae7370896",
        MigrateCollectFlushesUnderPtl = true,
    };

    public static KernelVariant FixRmapSubpage { get; } = Seed with
    {
        Name = "fix-rmap-subpage",
        Base = Seed.Name,
        Description = "seed + try_to_unmap_one uses the page itself as subpage of a device-private entry",
        Commit = "1de13ee59225",
        RmapDeviceSubpageIsPage = true,
    };

    public static KernelVariant FixRmapSoftDirty { get; } = FixRmapSubpage with
    {
        Name = "fix-rmap-soft-dirty",
        Base = FixRmapSubpage.Name,
        Description = "fix-rmap-subpage + try_to_unmap_one reads soft-dirty of a device-private entry with pte_swp_soft_dirty",
        Commit = "ad7df764b7e1",
        RmapDeviceSwpSoftDirty = true,
    };

    public static KernelVariant FixRmapKeepWrite { get; } = FixRmapSoftDirty with
    {
        Name = "fix-rmap-keep-write",
        Base = FixRmapSoftDirty.Name,
        Description = "fix-rmap-soft-dirty + try_to_unmap_one turns a write device entry into a write migration entry",
        Commit = "3d88705c1067",
        RmapDeviceKeepsWrite = true,
    };

    public static KernelVariant FixPagemapHideSwap { get; } = Seed with
    {
        Name = "fix-pagemap-hide-swap",
        Base = Seed.Name,
        Description = "seed + pagemap shows swap and device entries' frames only to privileged readers",
        Commit = "ab6ecf247a93",
        PagemapHidesSwapFromUnprivileged = true,
    };

    public static KernelVariant FixMirrorSyncStart { get; } = Seed with
    {
        Name = "fix-mirror-sync-start",
        Base = Seed.Name,
        Description = "seed + the device mirror is invalidated at mmu_notifier range_start, not range_end",
        Commit = "ec131b2d7fa6",
        Mirror = MirrorInvalidation.AtRangeStart,
    };

    public static KernelVariant FixMirrorIntervalSeq { get; } = FixMirrorSyncStart with
    {
        Name = "fix-mirror-interval-seq",
        Base = FixMirrorSyncStart.Name,
        Description = "fix-mirror-sync-start + a mirror snapshot that overlapped any invalidation is retried (interval notifier sequence)",
        Commit = "99cb252f5e68",
        Mirror = MirrorInvalidation.IntervalSequence,
    };

    public static KernelVariant Upstream { get; } = FixTeardownEvict with
    {
        Name = "upstream",
        Description = "seed + every upstream fix (fault path, teardown, pagemap, TLB flush and rmap walker)",
        Commit = null,
        Base = null,
        MigrationWaitWithoutRef = true,
        Fault = FaultProtocol.TrylockWaitForUnlock,
        HandlePteFaultChecksAddressable = false,
        Mirror = MirrorInvalidation.IntervalSequence,
        PagefaultOutOfMemoryKills = false,
        DeviceFaultAllocFailureIsSigbus = false,
        CollectCopiesPteDirtyToPage = true,
        MigrateCollectFlushesUnderPtl = true,
        RmapDeviceSubpageIsPage = true,
        RmapDeviceSwpSoftDirty = true,
        RmapDeviceKeepsWrite = true,
        PagemapHidesSwapFromUnprivileged = true,
    };

    private static KernelVariant Mutant(string kebab, string description, Func<KernelVariant, KernelVariant> apply) =>
        apply(Upstream with { Name = "mutant-" + kebab, Description = description, Commit = null });

    public static IReadOnlyList<KernelVariant> Mutants { get; } =
    [
        Mutant("finalize-skips-pte-same", "migrate_vma finalize installs the new entry without re-checking pte_same",
            v => v with { FinalizeSkipsPteSame = true }),
        Mutant("register-memory-ignores-conflict", "register_memory_resource adds RAM over a conflicting resource",
            v => v with { RegisterMemoryIgnoresConflict = true }),
        Mutant("fork-keeps-write-device-entry", "copy_one_pte leaves a write device entry writable in a COW mapping",
            v => v with { ForkKeepsWriteDeviceEntry = true }),
        Mutant("fork-skips-get-page", "copy_one_pte copies a device entry without taking a page reference",
            v => v with { ForkSkipsGetPage = true }),
        Mutant("fork-skips-dup-rmap", "copy_one_pte copies a device entry without page_dup_rmap",
            v => v with { ForkSkipsDupRmap = true }),
        Mutant("zap-skips-device-entries-with-details", "zap_pte_range leaves device entries whenever zap_details is given",
            v => v with { ZapSkipsDeviceEntriesWithDetails = true }),
        Mutant("zap-skips-rss-decrement", "zap_pte_range clears a device entry without decrementing rss",
            v => v with { ZapSkipsRssDecrement = true }),
        Mutant("zap-skips-put-page", "zap_pte_range clears a device entry without dropping its page reference",
            v => v with { ZapSkipsPutPage = true }),
        Mutant("mprotect-keeps-write-device-entry", "change_pte_range leaves write device entries writable",
            v => v with { MprotectKeepsWriteDeviceEntry = true }),
        Mutant("max-swapfiles-not-reduced", "MAX_SWAPFILES does not subtract SWP_DEVICE_NUM",
            v => v with { MaxSwapfilesNotReduced = true }),
        Mutant("do-swap-page-ignores-device-entries", "do_swap_page has no device-entry branch",
            v => v with { DoSwapPageIgnoresDeviceEntries = true }),
        Mutant("mprotect-skips-mmu-notifier", "change_protection changes PTEs without invalidating the device mirror",
            v => v with { MprotectSkipsMmuNotifier = true }),
        Mutant("fork-skips-mmu-notifier", "copy_page_range write-protects COW PTEs without invalidating the device mirror",
            v => v with { ForkSkipsMmuNotifier = true }),
        Mutant("zap-skips-mmu-notifier", "zap_page_range (MADV_DONTNEED) zaps without invalidating the device mirror",
            v => v with { ZapSkipsMmuNotifier = true }),
    ];

    public static IReadOnlyList<KernelVariant> All { get; } =
    [
        Seed, FixMigrationWait, FixFaultRef, FixFaultTrylock, FixFaultTrylockWait, FixDropAddressableCheck, FixPagefaultOomNoKill,
        FixDriverFaultRefaults, FixCollectDirty, TeardownRemoveUnderRefs, FixTeardownWait, FixTeardownRefzero, FixTeardownEvict,
        FixPagemapHideSwap, FixMirrorSyncStart, FixMirrorIntervalSeq, FixCollectFlush, FixRmapSubpage, FixRmapSoftDirty,
        FixRmapKeepWrite, Upstream, .. Mutants,
    ];

    public static bool TryGet(string name, out KernelVariant variant)
    {
        foreach (var v in All)
        {
            if (v.Name == name)
            {
                variant = v;
                return true;
            }
        }
        variant = null!;
        return false;
    }

    public static KernelVariant Get(string name) =>
        TryGet(name, out var v) ? v : throw new ArgumentException($"unknown kernel variant \"{name}\"", nameof(name));
}
