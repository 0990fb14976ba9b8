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
        Description = "seed + a CPU waiting on a migration entry sleeps on the page lock without a page reference",
        Commit = "ffa65753c431",
        MigrationWaitWithoutRef = true,
    };

    // The fault fixes (v6.1 onwards) all landed on a tree that has ffa65753c431 (v5.17), so they build on it.
    public static KernelVariant FixFaultRef { get; } = FixMigrationWait with
    {
        Name = "fix-fault-ref",
        Description = "seed + do_swap_page takes the PTL, re-checks the entry and holds a reference across page_fault",
        Commit = "16ce101db85d",
        Fault = FaultProtocol.RefUnderPtl,
    };

    public static KernelVariant FixFaultTrylock { get; } = FixFaultRef with
    {
        Name = "fix-fault-trylock",
        Description = "fix-fault-ref + only the trylock_page winner migrates the device page",
        Commit = "1afaeb8293c9",
        Fault = FaultProtocol.TrylockThenRef,
    };

    public static KernelVariant FixFaultTrylockWait { get; } = FixFaultTrylock with
    {
        Name = "fix-fault-trylock-wait",
        Description = "fix-fault-trylock + a trylock loser waits for the page to be unlocked before retrying",
        Commit = "b570f37a2ce4",
        Fault = FaultProtocol.TrylockWaitForUnlock,
    };

    public static KernelVariant FixDropAddressableCheck { get; } = Seed with
    {
        Name = "fix-drop-addressable-check",
        Description = "seed without handle_pte_fault's pfn_to_page/is_addressable_page check (removed after the v3 review)",
        HandlePteFaultChecksAddressable = false,
    };

    public static KernelVariant FixTeardownWait { get; } = Seed with
    {
        Name = "fix-teardown-wait",
        Description = "seed + device-memory release waits for the pgmap reference to drain",
        Commit = "50f44ee7248a",
        TeardownWaitsForPageRefs = true,
    };

    public static KernelVariant FixTeardownRefzero { get; } = FixTeardownWait with
    {
        Name = "fix-teardown-refzero",
        Description = "fix-teardown-wait + free device pages idle at refcount 0, each allocated page pins the pgmap",
        Commit = "ef233450898f+0dc45ca1ce18",
        FreeDevicePagesAtRefcountZero = true,
    };

    public static KernelVariant FixTeardownEvict { get; } = FixTeardownRefzero with
    {
        Name = "fix-teardown-evict",
        Description = "fix-teardown-refzero + release evicts still-mapped device pages to system memory",
        Commit = "249881232e14",
        ReleaseEvictsMappedPages = true,
    };

    public static KernelVariant FixCollectFlush { get; } = Seed with
    {
        Name = "fix-collect-flush",
        Description = "seed + migrate_vma_collect_pmd flushes the TLBs before dropping the PTL",
        Commit = "60bae7370896",
        MigrateCollectFlushesUnderPtl = true,
    };

    public static KernelVariant FixRmapSubpage { get; } = Seed with
    {
        Name = "fix-rmap-subpage",
        Description = "seed + try_to_unmap_one uses the page itself as subpage of a device-private entry",
        Commit = "1de13ee59225",
        RmapDeviceSubpageIsPage = true,
    };

    public static KernelVariant FixRmapSoftDirty { get; } = FixRmapSubpage with
    {
        Name = "fix-rmap-soft-dirty",
        Description = "fix-rmap-subpage + try_to_unmap_one reads soft-dirty of a device-private entry with pte_swp_soft_dirty",
        Commit = "ad7df764b7e1",
        RmapDeviceSwpSoftDirty = true,
    };

    public static KernelVariant FixRmapKeepWrite { get; } = FixRmapSoftDirty with
    {
        Name = "fix-rmap-keep-write",
        Description = "fix-rmap-soft-dirty + try_to_unmap_one turns a write device entry into a write migration entry",
        Commit = "v5.16 \"mm/rmap.c: avoid double faults migrating device private pages\"",
        RmapDeviceKeepsWrite = true,
    };

    public static KernelVariant FixPagemapHideSwap { get; } = Seed with
    {
        Name = "fix-pagemap-hide-swap",
        Description = "seed + pagemap shows swap and device entries' frames only to privileged readers",
        Commit = "\"mm: /proc/pid/pagemap: hide swap entries from unprivileged users\" (2018)",
        PagemapHidesSwapFromUnprivileged = true,
    };

    public static KernelVariant Upstream { get; } = FixTeardownEvict with
    {
        Name = "upstream",
        Description = "seed + every upstream fix (fault path, teardown, pagemap, TLB flush and rmap walker)",
        Commit = null,
        MigrationWaitWithoutRef = true,
        Fault = FaultProtocol.TrylockWaitForUnlock,
        HandlePteFaultChecksAddressable = false,
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
    ];

    public static IReadOnlyList<KernelVariant> All { get; } =
    [
        Seed, FixMigrationWait, FixFaultRef, FixFaultTrylock, FixFaultTrylockWait, FixDropAddressableCheck, FixTeardownWait, FixTeardownRefzero,
        FixTeardownEvict, FixPagemapHideSwap, FixCollectFlush, FixRmapSubpage, FixRmapSoftDirty, FixRmapKeepWrite, Upstream,
        .. Mutants,
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
