using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Catalog;

/// <summary>
/// The known-bug catalog (issue 6, docs/bug-catalog.md): every upstream bug of the seed the model reproduces and
/// every single-fault mutant, each with the scenario that exposes it. Data only; <see cref="CatalogBenchmark"/>
/// measures it and tests replay its bundles.
/// </summary>
public static class BugCatalog
{
    public static IReadOnlyList<CatalogEntry> Entries { get; } =
    [
        new()
        {
            Id = "seed-fault-uaf-vs-madvise", Kind = CatalogEntryKind.Bug,
            Title = "fault-path use-after-free: fault vs MADV_DONTNEED (CVE-2022-3523)",
            Variant = "seed", Scenario = "fault-vs-madvise-dontneed", Category = ViolationCategory.UseAfterFree,
            FixedBy = "fix-fault-ref", Commit = "16ce101db85d",
            What = "do_swap_page reads the device entry without the PTL and calls page->pgmap->page_fault holding no page reference.",
            Exposure = "cpu0 reads a page that lives on the device while cpu1 zaps it with madvise(MADV_DONTNEED): the zap's put_page frees the device page between cpu0's lockless read of the entry and its use of page->pgmap.",
            Change = "take the PTL, re-check pte_same, get_page while the PTL pins the entry, unlock, call the callback, put_page; migrate_vma tolerates that one reference (fault_page).",
            DfsFeasible = true,
        },
        new()
        {
            Id = "seed-fault-uaf-vs-fault", Kind = CatalogEntryKind.Bug,
            Title = "fault-path use-after-free: fault vs fault on one device page (CVE-2022-3523)",
            Variant = "seed", Scenario = "fault-vs-fault", Category = ViolationCategory.UseAfterFree,
            FixedBy = "fix-fault-ref", Commit = "16ce101db85d", BundleStrategy = ExplorationStrategy.Probabilistic,
            What = "as above: two threads of one process fault the same device page; the one whose migration back wins frees the device page the other is still using.",
            Exposure = "cpu0 and cpu1 read the same device page; both read the entry locklessly, one migrates the page to RAM and page_free releases it, the other then reads page->pgmap of a free page.",
            Change = "16ce101db85d: the loser's pte_same re-check under the PTL fails and it retries the fault instead of touching the page.",
        },
        new()
        {
            Id = "fix-fault-ref-livelock", Kind = CatalogEntryKind.Bug,
            Title = "fault livelock: several CPUs faulting one device page after 16ce101db85d",
            Variant = "fix-fault-ref", Scenario = "catalog-fault-storm", Category = BugCategory.Livelock,
            FixedBy = "fix-fault-trylock", Commit = "1afaeb8293c9",
            What = "each faulting CPU holds an extra reference on the device page across the callback, so each one's migrate_vma sees an unexpected refcount, restores the entry and the fault is retried; with several faulters they keep failing each other.",
            Exposure = "three CPUs read the same device page; whoever migrates finds another CPU's fault_page reference (migrate_vma_check_page: pinned), restores the device entry and refaults, and the others do the same to it. The scenario bounds one access at 10 refaults while the other CPUs keep running (fault_retry_limit); fix-fault-trylock and upstream stay under it.",
            Change = "trylock_page under the PTL first; only the lock winner takes the reference and migrates, a loser returns and refaults.",
        },
        new()
        {
            Id = "fix-fault-trylock-starvation", Kind = CatalogEntryKind.Bug,
            Title = "busy retry: trylock losers refault while the lock holder migrates, after 1afaeb8293c9",
            Variant = "fix-fault-trylock", Scenario = "catalog-fault-busy-retry", Category = BugCategory.Livelock,
            FixedBy = "fix-fault-trylock-wait", Commit = "b570f37a2ce4", BundleStrategy = ExplorationStrategy.Pct,
            What = "the loser of trylock_page returns and refaults at once, again and again for as long as the holder keeps the page locked; in the kernel the spinning loser can keep the holder from running (the starvation b570f37a2ce4 reports).",
            Exposure = "three CPUs read the same device page; the two trylock losers refault over and over while the winner migrates, more than the scenario's bound of 6 refaults per access (fault_retry_limit). The model's schedules keep the holder running (on real hardware it has its own CPU), so what it shows is the unbounded busy loop, not the holder's starvation itself.",
            Change = "the loser sleeps until the page is unlocked, without a page reference, and then refaults once.",
        },
        new()
        {
            Id = "seed-pfnmap-no-struct-page", Kind = CatalogEntryKind.Bug,
            Title = "handle_pte_fault's new check calls pfn_to_page on an MMIO pfn (v3 review)",
            Variant = "seed", Scenario = "pfnmap-cow-write-after-fork", Category = ViolationCategory.NoStructPage,
            FixedBy = "fix-drop-addressable-check", Commit = "v3 review (Mel Gorman): check removed", DfsFeasible = true,
            What = "the seed adds pfn_to_page(pte_pfn(orig_pte)) + is_addressable_page to every present-PTE fault; a special PTE of a VM_PFNMAP mapping has a pfn with no struct page.",
            Exposure = "a private (COW) mapping of MMIO pfns is shared by fork; a write faults on the write-protected special PTE and the seed's check looks up a struct page that does not exist.",
            Change = "the check is gone from the later revisions (the reviewer asked to remove it or make it debug-only); do_wp_page handles the special PTE through vm_normal_page.",
        },
        new()
        {
            Id = "seed-teardown-hang", Kind = CatalogEntryKind.Bug,
            Title = "device-memory release waits forever for still-mapped pages (the 2017 helper)",
            Variant = "seed", Scenario = "mprotect-vs-device-release", Category = BugCategory.Deadlock,
            FixedBy = "fix-teardown-evict", Commit = "249881232e14",
            What = "hmm_devmem_remove → hmm_devmem_ref_kill does percpu_ref_kill and wait_for_completion before hmm_devmem_pages_remove, and in v4.11 every get_page of a device page pins pgmap->ref: a device page that a process still maps is never released, so the release never returns. It never frees struct pages under a mapping.",
            Exposure = "the driver releases its device memory while a process still maps two device pages (mprotect runs concurrently): the release's wait can never finish.",
            Change = "249881232e14 (v6.1): release first evicts still-mapped device pages to system memory (migrate_device_range), then waits. In between, 71389703839e (v4.14 to v5.1, variant v4.14-teardown) made the wait stop covering page references, which turned the hang into a use-after-free of the memmap, and 50f44ee7248a brought the wait (and the hang) back.",
            DfsFeasible = true,
        },
        new()
        {
            Id = "collect-dirty-fd35ca3d12cc", Kind = CatalogEntryKind.Bug,
            Title = "migrate_vma_collect_pmd drops a dirty PTE's dirty bit",
            Variant = "seed", Scenario = "catalog-collect-dirty", Category = ViolationCategory.DirtyLost,
            FixedBy = "fix-collect-dirty", Commit = "fd35ca3d12cc", DfsFeasible = true,
            What = "the 2017 collect replaces a present PTE by a migration entry without set_page_dirty, so a write recorded only in the PTE's dirty bit is forgotten; migrate_page_states then copies a clean PG_dirty to the destination, and remove_migration_pte installs a clean PTE. With a backing copy (a swap-cache page) reclaim drops the page as clean: data loss.",
            Exposure = "the CPU writes a private page, the driver migrates it to the device and the CPU reads it back; the scenario's track_dirty check (dirty-lost) finds a page written through a user mapping that neither PG_dirty nor any PTE marks dirty. The model has no swap cache, so it shows the forgotten write, not the reclaim that would lose it.",
            Change = "collect calls set_page_dirty when the PTE it clears is dirty (what try_to_unmap_one has always done).",
        },
        new()
        {
            Id = "teardown-uaf-50f44ee7248a", Kind = CatalogEntryKind.Bug,
            Title = "device-memory release frees the memmap under a faulting CPU (v4.14 to v5.1)",
            Variant = "v4.14-teardown", Scenario = "device-release-vs-fault", Category = ViolationCategory.MemmapGone,
            FixedBy = "fix-teardown-wait", Commit = "50f44ee7248a",
            What = "from 71389703839e (v4.13; the HMM series was merged on it in v4.14) get_page no longer pins pgmap->ref, so the release's wait (hmm_devmem_ref_kill; for devm_memremap_pages users, the owner's wait after devm_memremap_pages_release) no longer covers the pages in use: the memmap is removed under live mappings. Not in the 2017 series as posted, whose release waits (seed-teardown-hang).",
            Exposure = "cpu0 faults a device page while the driver releases its device memory: the fault, or the final exit, touches a struct page whose memmap was removed (memmap-gone), or the released dev_pagemap (pgmap-gone).",
            Change = "in-use device pages pin the pgmap until their final put and release waits for the reference count to drop to zero before arch_remove_memory.",
            DfsFeasible = true,
            // The wait then waits forever for a page the faulting process still maps, until 249881232e14.
            FixStillHas = "teardown-hang-249881232e14",
        },
        new()
        {
            Id = "teardown-refzero-ef233450898f", Kind = CatalogEntryKind.Bug,
            Title = "free device pages at refcount 0, the pgmap pinned per allocation: no behaviour change in the seed lineage",
            Variant = "fix-teardown-wait", Category = BugCategory.Deadlock,
            FixedBy = "fix-teardown-refzero", Commit = "ef233450898f+0dc45ca1ce18",
            What = "a change of convention, not a fix of the seed: free ZONE_DEVICE pages idle at refcount 0 instead of 1, and the pgmap reference that keeps a page's pgmap alive moves from every page reference (v4.11 get_zone_device_page) to the page's allocation (zone_device_page_init).",
            Exposure = "none: in both conventions an in-use device page pins its pgmap, so teardown's wait waits for the same pages; CatalogTests.Teardown_refzero_changes_no_outcome explores the teardown scenarios on both variants and requires the same result.",
            Change = "page_free runs at refcount 0 and each allocated device page holds one pgmap reference.",
            Unreachable = "fix-teardown-wait and fix-teardown-refzero behave the same on every scenario: the refcount convention changed, what is pinned did not (checked by CatalogTests.Teardown_refzero_changes_no_outcome; the convention itself by Model.Tests TeardownTests)",
        },
        new()
        {
            Id = "teardown-hang-249881232e14", Kind = CatalogEntryKind.Bug,
            Title = "device-memory release waits forever for still-mapped pages (v5.2 to v6.0)",
            Variant = "fix-teardown-refzero", Scenario = "mprotect-vs-device-release", Category = BugCategory.Deadlock,
            FixedBy = "fix-teardown-evict", Commit = "249881232e14",
            What = "after the wait fixes, release waits for every device page's reference; a page still mapped by a process is never released, so the wait never ends (the 2017 helper's hang again, seed-teardown-hang).",
            Exposure = "the driver releases its device memory while a process still maps two device pages (mprotect runs concurrently): the release's wait can never finish.",
            Change = "release first evicts still-mapped device pages to system memory (migrate_device_range), then waits.",
            DfsFeasible = true,
        },
        new()
        {
            Id = "seed-mirror-sync-at-range-end", Kind = CatalogEntryKind.Bug,
            Title = "device mirror invalidated only at mmu_notifier range_end: the device reads a device page the zap already freed",
            Variant = "seed", Scenario = "catalog-mirror-vs-madvise", Category = ViolationCategory.UseAfterFree,
            FixedBy = "fix-mirror-interval-seq", Commit = "ec131b2d7fa6+99cb252f5e68", DfsFeasible = true,
            What = "v4.14 mm/hmm.c calls the mirror's sync_cpu_device_pagetables from hmm_invalidate_range_end; zap_pte_range drops a device entry's page reference at once (the seed's hunk: put_page, not the mmu_gather), so between the zap and range_end the device's cached entry names a free device page.",
            Exposure = "the device reads a page that lives on the device (faulting it into its mirror) while cpu1 zaps it with madvise(MADV_DONTNEED): page_free runs inside zap_pte_range and the device's read through its still-cached entry touches the free page.",
            Change = "ec131b2d7fa6 syncs the mirror in range_start, which closes this window but lets a snapshot that read the PTE after range_start be installed (seen on the same scenario as the same use-after-free, and alone as fix-mirror-sync-start-snapshot-race); the interval notifier's sequence (99cb252f5e68, as lib/test_hmm.c uses it) makes such a snapshot retry, so the scenario is clean only with both.",
        },
        new()
        {
            Id = "fix-mirror-sync-start-snapshot-race", Kind = CatalogEntryKind.Bug,
            Title = "mirror snapshot taken during an invalidation is installed after ec131b2d7fa6",
            Variant = "fix-mirror-sync-start", Scenario = "catalog-mirror-snapshot-vs-madvise", Category = ViolationCategory.StaleMirror,
            FixedBy = "fix-mirror-interval-seq", Commit = "99cb252f5e68", BundleStrategy = ExplorationStrategy.Pct, DfsFeasible = true,
            What = "with the device sync in range_start, hmm_invalidate_range_end only marks snapshots in flight invalid; a snapshot registered after range_start that read the PTE before the zap cleared it, and is installed before range_end, is valid and stays in the device page table after the invalidation is over.",
            Exposure = "the device faults a system page into its mirror while cpu1 zaps it with madvise(MADV_DONTNEED); the device's walk runs between the zap's range_start and its PTE clear, and its install before range_end; after the madvise returns, the device reads the freed page through the entry (stale-mirror).",
            Change = "the interval notifier (mmu_interval_read_begin waits while an invalidation of the range is in progress; the invalidate callback bumps the sequence under the driver lock; mmu_interval_read_retry under that lock refuses the snapshot).",
        },

        new()
        {
            Id = "seed-rmap-device-pte-helpers", Kind = CatalogEntryKind.Bug,
            Title = "try_to_unmap_one reads present-PTE fields of a device-private swap PTE (subpage, soft-dirty)",
            Variant = "seed", Scenario = "catalog-fork-device-fault-back", Category = ViolationCategory.PteTypeConfusion,
            FixedBy = "fix-rmap-soft-dirty", Commit = "1de13ee59225+ad7df764b7e1", DfsFeasible = true,
            What = "the 2017 try_to_unmap_one (a5430dda8a3a) sets subpage = page - page_to_pfn(page) + pte_pfn(*pvmw.pte) before its device branch, so for a device-private entry page_remove_rmap(subpage) writes through an invalid struct page (Ralph Campbell's oops, fixed by 1de13ee59225: subpage = page); the branch then tests pte_soft_dirty on that swap PTE, a bit of the swap type field (fixed by ad7df764b7e1: pte_swp_soft_dirty). fix-rmap-subpage alone still reports the second (RmapWalkTests).",
            Exposure = "fork shares two device pages; parent and child each fault one back; each migrate_vma finds the page still mapped by the other mm and try_to_unmap walks the anon_vma chain to the other mm's device entry.",
            Change = "subpage = page in the device branch (only single pages migrate to device memory); pte_swp_soft_dirty for the swap PTE.",
        },
        new()
        {
            Id = "collect-stale-tlb-60bae7370896", Kind = CatalogEntryKind.Bug,
            Title = "migrate_vma_collect_pmd flushes the TLB after dropping the PTL: a MADV_DONTNEED in between returns with a stale translation",
            Variant = "seed", Scenario = "catalog-collect-stale-tlb", Category = ViolationCategory.NotLinearizable,
            FixedBy = "fix-collect-flush", Commit = "60bae7370896", BundleStrategy = ExplorationStrategy.Probabilistic,
            What = "the 2017 collect (8c3328f1f36a) replaces a present PTE by a migration entry under the PTL and calls flush_tlb_range only after pte_unmap_unlock. A zap_pte_range (MADV_DONTNEED, munmap) that takes the PTL in between finds the migration entry, clears it, has cleared no present PTE and so flushes nothing, and returns; a CPU that cached the old translation still reads and writes the old page, whose data the zap has discarded.",
            Exposure = "cpu0 writes page 0 (its TLB caches it writable and dirty) and then reads it eight times and writes it once more; the driver migrates page 0 (the device has no free page, so the migration collects, fails to allocate and gives up, and no device entry ever appears); cpu1 zaps page 0 with madvise(MADV_DONTNEED). When the whole madvise runs between collect's unlock and its flush, a read cpu0 starts after the madvise returned still gets cpu0's old value through the stale TLB entry instead of zero (not-linearizable); a store there lands in the old page, which is freed, so the final read returns 0 and the write is lost.",
            Change = "60bae7370896 (v6.0, Alistair Popple, \"mm/migrate_device.c: flush TLB while holding PTL\"): flush_tlb_range before pte_unmap_unlock, so a zap that finds the migration entry runs after every CPU has dropped the old translation.",
        },
        Mutant("finalize-skips-pte-same", "fault-vs-madvise-dontneed", ViolationCategory.Expectation,
            "the driver's migrate_vma_finalize installs the new entry without re-checking that the PTE is still the migration entry it wrote",
            "the zap clears the migration entry while cpu0's migration back is in flight; finalize then re-installs the page over the hole, so the final read returns the old value instead of 0"),
        Mutant("register-memory-ignores-conflict", "catalog-hotplug-overlap", ViolationCategory.Expectation,
            "register_memory_resource ignores a conflicting resource, so RAM can be hot-added over device memory",
            "two add_memory calls overlap the device range; each must fail with EEXIST"),
        Mutant("fork-keeps-write-device-entry", "catalog-fork-cow-device", ViolationCategory.Expectation,
            "copy_one_pte leaves a write device entry writable in a COW mapping",
            "parent and child keep write entries to one device page; when it migrates back both map the same RAM page writable, so the child's write shows through in the parent"),
        Mutant("fork-skips-get-page", "fork-shared-fault-vs-exit", ViolationCategory.BugOn,
            "copy_one_pte copies a device entry without taking a page reference",
            "the child's exit drops a reference it never took; the device page is freed while the parent still maps it"),
        Mutant("fork-skips-dup-rmap", "fork-shared-fault-vs-exit", ViolationCategory.MapcountUnderflow,
            "copy_one_pte copies a device entry without page_dup_rmap",
            "the parent's migration unmaps a page whose mapcount never counted the child's mapping"),
        Mutant("zap-skips-device-entries-with-details", "catalog-truncate-device-cow", ViolationCategory.Expectation,
            "zap_pte_range leaves device entries whenever zap_details is passed (the pre-seed rule for swap entries)",
            "a private COW copy of a memfd page is migrated to the device; ftruncate to 0 zaps with zap_details (unmap_mapping_range, even_cows: check_mapping NULL) and the mutant skips the device entry, so the read beyond the new EOF migrates the stale copy back and returns 9 instead of SIGBUS; the quiescent invariant \"no PTE beyond a memfd's i_size\" (pte-beyond-eof) reports the same state"),
        Mutant("zap-skips-rss-decrement", "fault-vs-madvise-dontneed", ViolationCategory.RssMismatch,
            "zap_pte_range clears a device entry without decrementing MM_ANONPAGES",
            "after the zap and the exit the mm's rss counter is still 1"),
        Mutant("zap-skips-put-page", "fault-vs-madvise-dontneed", BugCategory.Deadlock,
            "zap_pte_range clears a device entry without put_page",
            "the zapped device page keeps a reference forever, so the final device_remove waits for it and nobody can drop it"),
        Mutant("mprotect-keeps-write-device-entry", "catalog-mprotect-device", ViolationCategory.Expectation,
            "change_pte_range leaves write device entries writable",
            "after mprotect(PROT_READ) of a device-resident page, pagemap still shows SWP_DEVICE_WRITE where SWP_DEVICE is expected; the quiescent invariant \"no write device entry in a vma without VM_WRITE\" (writable-in-readonly-vma) reports the same state"),
        Mutant("max-swapfiles-not-reduced", "anon-teardown", ViolationCategory.SwapTypeCollision,
            "MAX_SWAPFILES does not subtract SWP_DEVICE_NUM",
            "SWP_DEVICE_WRITE and SWP_DEVICE land beyond the 5-bit type field; the quiescent invariant check reports the collision"),
        Mutant("do-swap-page-ignores-device-entries", "anon-write-vs-cpu-read", ViolationCategory.Expectation,
            "do_swap_page has no device-entry branch",
            "a CPU read of a page on the device takes the bad-entry path and gets SIGBUS instead of the device's value"),
        Mutant("mprotect-skips-mmu-notifier", "catalog-mirror-vs-mprotect", ViolationCategory.StaleMirror,
            "change_protection write-protects the PTEs without mmu_notifier_invalidate_range_start/end",
            "the device cached the page writable; after mprotect(PROT_READ) its write goes through the stale entry instead of failing with EPERM"),
        Mutant("fork-skips-mmu-notifier", "catalog-mirror-vs-fork", ViolationCategory.StaleMirror,
            "copy_page_range write-protects a COW mapping's PTEs without the mmu notifier calls",
            "the device keeps its writable entry to the page parent and child now share, so its write would land in the child's memory too"),
        Mutant("zap-skips-mmu-notifier", "catalog-mirror-vs-madvise", ViolationCategory.StaleMirror,
            "zap_page_range (MADV_DONTNEED) zaps without the mmu notifier calls",
            "the device keeps its entry to the zapped (and freed) device page and reads it after the madvise returned"),
    ];

    public static IEnumerable<CatalogEntry> Bugs => Entries.Where(e => e.Kind == CatalogEntryKind.Bug);
    public static IEnumerable<CatalogEntry> Mutants => Entries.Where(e => e.Kind == CatalogEntryKind.Mutant);

    /// <summary>Entries a scenario exposes (those with a bundle under <c>traces/</c>).</summary>
    public static IEnumerable<CatalogEntry> Reachable => Entries.Where(e => e.Scenario is not null);

    public static CatalogEntry? Find(string id) => Entries.FirstOrDefault(e => e.Id == id);

    private static CatalogEntry Mutant(string kebab, string? scenario, string category, string what, string exposure,
        string? unreachable = null)
    {
        var variant = "mutant-" + kebab;
        var v = KernelVariants.Get(variant);
        return new CatalogEntry
        {
            Id = variant, Kind = CatalogEntryKind.Mutant, Title = v.Description, Variant = variant, Scenario = scenario,
            Category = category, What = what, Exposure = exposure, Change = "upstream plus this one fault in a seed hunk",
            Unreachable = unreachable, DfsFeasible = scenario is not null,
        };
    }
}
