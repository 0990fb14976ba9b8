using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Reports;

/// <summary>One hunk of the seed patch (000_f0445c4590ad8e61) and the symbol it adds or changes.</summary>
/// <param name="File">Path in the kernel tree, as in the patch's diff header.</param>
/// <param name="Symbol">The function (or macro, type, config symbol) the hunk adds or changes.</param>
/// <param name="Header">The hunk's range header, e.g. <c>@@ -927,6 +928,25 @@</c>.</param>
/// <param name="Summary">What the hunk does, in a sentence.</param>
public sealed record SeedHunk(string File, string Symbol, string Header, string Summary)
{
    /// <summary>How a kernel developer finds the hunk: <c>mm/memory.c copy_one_pte @@ -927,6 +928,25 @@</c>.</summary>
    public string Reference => $"{File} {Symbol} {Header}";
}

/// <summary>Where a kernel function of a step comes from: hunks of the seed, or code around it.</summary>
/// <param name="Function">The kernel function as the step names it.</param>
/// <param name="Hunks">The seed hunks for it; empty when the function is not in the seed.</param>
/// <param name="Origin">For surrounding code: the file (and series/driver) it lives in, when known.</param>
public sealed record SeedLocation(string Function, IReadOnlyList<SeedHunk> Hunks, string? Origin)
{
    public bool InSeed => Hunks.Count > 0;
}

/// <summary>
/// The seed patch, hunk by hunk, keyed by the kernel symbol each hunk touches, plus the files of the surrounding
/// code the model transcribes from v4.11 and the rest of the HMM series. Reports link every step to its entry.
/// </summary>
public static class SeedHunks
{
    /// <summary>What a report says for a function the seed does not touch.</summary>
    public const string NotInSeed = "not in the seed";

    /// <summary>Every hunk of the seed that adds or changes a symbol (hunks that only add #include lines are left
    /// out). Order: the patch's order.</summary>
    public static IReadOnlyList<SeedHunk> All { get; } =
    [
        new("fs/proc/task_mmu.c", "smaps_pte_entry", "@@ -538,6 +538,8 @@",
            "smaps resolves a device entry to its struct page, so the page counts in the mapping's rss/pss like a migration entry's page."),
        new("fs/proc/task_mmu.c", "smaps_hugetlb_range", "@@ -700,6 +702,8 @@",
            "The hugetlb smaps walk resolves a device entry to its page too."),
        new("fs/proc/task_mmu.c", "pte_to_pagemap_entry", "@@ -1183,6 +1187,9 @@",
            "pagemap reports a device entry as swapped (PM_SWAP, type and offset) and finds its page for the anon/file bit."),
        new("include/linux/ioport.h", "IORES_DESC_UNADDRESSABLE_MEMORY", "@@ -130,6 +130,7 @@",
            "New resource descriptor that marks an iomem range as un-addressable device memory."),
        new("include/linux/memory_hotplug.h", "MEMORY_DEVICE_UNADDRESSABLE", "@@ -286,15 +286,22 @@",
            "New hotplug flag: device memory the CPU cannot access."),
        new("include/linux/memremap.h", "dev_page_fault_t", "@@ -35,10 +35,16 @@",
            "Type of the pgmap callback run when the CPU faults on an un-addressable page."),
        new("include/linux/memremap.h", "dev_pagemap", "@@ -48,6 +54,7 @@",
            "struct dev_pagemap gains the page_fault callback."),
        new("include/linux/memremap.h", "is_addressable_page", "@@ -67,6 +74,12 @@",
            "A page is addressable unless it is ZONE_DEVICE memory whose pgmap carries MEMORY_DEVICE_UNADDRESSABLE."),
        new("include/linux/memremap.h", "is_addressable_page", "@@ -90,6 +103,11 @@",
            "Without ZONE_DEVICE every page is addressable."),
        new("include/linux/swap.h", "SWP_DEVICE", "@@ -51,6 +51,17 @@",
            "Two swap types (SWP_DEVICE_WRITE, SWP_DEVICE) sit just above the migration and hwpoison types."),
        new("include/linux/swap.h", "MAX_SWAPFILES", "@@ -72,7 +83,8 @@",
            "MAX_SWAPFILES shrinks by SWP_DEVICE_NUM so real swap files never get a device type."),
        new("include/linux/swap.h", "free_swap_and_cache", "@@ -435,8 +447,8 @@",
            "Without CONFIG_SWAP, device entries count as handled non-swap entries (free_swap_and_cache, swapcache_prepare)."),
        new("include/linux/swap.h", "swapcache_prepare", "@@ -435,8 +447,8 @@",
            "Without CONFIG_SWAP, device entries count as handled non-swap entries (free_swap_and_cache, swapcache_prepare)."),
        new("include/linux/swapops.h", "make_device_entry", "@@ -100,6 +100,73 @@",
            "Encodes a device page as a swap entry: type SWP_DEVICE_WRITE or SWP_DEVICE, offset = pfn."),
        new("include/linux/swapops.h", "is_device_entry", "@@ -100,6 +100,73 @@",
            "True for either device swap type."),
        new("include/linux/swapops.h", "make_device_entry_read", "@@ -100,6 +100,73 @@",
            "Rewrites a device entry's type to the read-only SWP_DEVICE, keeping the pfn."),
        new("include/linux/swapops.h", "is_write_device_entry", "@@ -100,6 +100,73 @@",
            "True for SWP_DEVICE_WRITE."),
        new("include/linux/swapops.h", "device_entry_to_page", "@@ -100,6 +100,73 @@",
            "pfn_to_page of the entry's offset."),
        new("kernel/memremap.c", "device_entry_fault", "@@ -203,6 +205,21 @@",
            "Calls the page's pgmap->page_fault (BUG_ON when the driver set none); the callback must migrate the page back to system memory."),
        new("kernel/memremap.c", "devm_memremap_pages_release", "@@ -258,7 +275,7 @@",
            "Teardown removes the memory with the pgmap's own flags (so un-addressable memory is removed as such)."),
        new("kernel/memremap.c", "devm_memremap_pages", "@@ -338,6 +355,7 @@",
            "A new pgmap starts with no page_fault callback."),
        new("kernel/memremap.c", "devm_memremap_pages", "@@ -378,7 +396,7 @@",
            "The memory is hotplugged with the pgmap's flags."),
        new("mm/Kconfig", "DEVICE_UNADDRESSABLE", "@@ -700,6 +700,18 @@",
            "The config option, which depends on ZONE_DEVICE."),
        new("mm/memory.c", "copy_one_pte", "@@ -927,6 +928,25 @@",
            "fork copies a device entry: get_page, rss++, page_dup_rmap; in a COW mapping a write entry becomes read in the parent (soft-dirty kept)."),
        new("mm/memory.c", "zap_pte_range", "@@ -1243,6 +1263,34 @@",
            "Zap always clears a device entry (even with zap_details, unless check_mapping names another mapping): rss--, page_remove_rmap, put_page."),
        new("mm/memory.c", "do_swap_page", "@@ -2690,6 +2738,14 @@",
            "A device entry calls device_entry_fault; the seed takes no PTL and no page reference around the callback."),
        new("mm/memory.c", "handle_pte_fault", "@@ -3679,6 +3735,7 @@",
            "Declares the page looked up below."),
        new("mm/memory.c", "handle_pte_fault", "@@ -3729,9 +3786,16 @@",
            "Before taking the PTL: pfn_to_page of the present PTE; an un-addressable page there is a bad PTE and the fault is SIGBUS."),
        new("mm/memory_hotplug.c", "register_memory_resource", "@@ -152,7 +152,7 @@",
            "Declares the conflicting resource that request_resource_conflict returns."),
        new("mm/memory_hotplug.c", "register_memory_resource", "@@ -161,7 +161,13 @@",
            "Hotplug refuses (-EEXIST) a range that conflicts with an existing resource, and says so for un-addressable memory."),
        new("mm/mprotect.c", "change_pte_range", "@@ -126,6 +126,18 @@",
            "mprotect turns a write device entry into a read one (soft-dirty kept) and counts the page as changed."),
    ];

    private static readonly Dictionary<string, SeedHunk[]> BySymbol =
        All.GroupBy(h => h.Symbol, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    /// <summary>Code the model transcribes that the seed does not touch: v4.11, the HMM series, the test driver.</summary>
    private static readonly Dictionary<string, string> Surrounding = new(StringComparer.Ordinal)
    {
        ["handle_mm_fault"] = "mm/memory.c (v4.11)",
        ["__handle_mm_fault"] = "mm/memory.c (v4.11)",
        ["do_anonymous_page"] = "mm/memory.c (v4.11)",
        ["do_wp_page"] = "mm/memory.c (v4.11)",
        ["wp_page_copy"] = "mm/memory.c (v4.11)",
        ["do_fault"] = "mm/memory.c (v4.11)",
        ["copy_page_range"] = "mm/memory.c (v4.11)",
        ["copy_pte_range"] = "mm/memory.c (v4.11)",
        ["unmap_page_range"] = "mm/memory.c (v4.11)",
        ["unmap_vmas"] = "mm/memory.c (v4.11)",
        ["zap_page_range"] = "mm/memory.c (v4.11)",
        ["print_bad_pte"] = "mm/memory.c (v4.11)",
        ["dup_mmap"] = "kernel/fork.c (v4.11)",
        ["copy_process"] = "kernel/fork.c (v4.11)",
        ["do_munmap"] = "mm/mmap.c (v4.11)",
        ["do_mmap"] = "mm/mmap.c (v4.11)",
        ["mmap_region"] = "mm/mmap.c (v4.11)",
        ["exit_mmap"] = "mm/mmap.c (v4.11)",
        ["sys_madvise"] = "mm/madvise.c (v4.11)",
        ["sys_mmap"] = "arch/x86/kernel/sys_x86_64.c (v4.11)",
        ["sys_munmap"] = "mm/mmap.c (v4.11)",
        ["sys_mprotect"] = "mm/mprotect.c (v4.11)",
        ["split_vma"] = "mm/mmap.c (v4.11)",
        ["do_page_fault"] = "arch/x86/mm/fault.c (v4.11)",
        ["add_mm_rss_vec"] = "mm/memory.c (v4.11)",
        ["tlb_finish_mmu"] = "mm/memory.c (v4.11)",
        ["remap_pfn_range"] = "mm/memory.c (v4.11)",
        ["anon_vma_prepare"] = "include/linux/rmap.h (v4.11; the slow path __anon_vma_prepare is in mm/rmap.c)",
        ["try_to_unmap_one"] = "mm/rmap.c (v4.11)",
        ["release_pages"] = "mm/swap.c (v4.11)",
        ["truncate_inode_pages"] = "mm/truncate.c (v4.11)",
        ["memmap_init_zone"] = "mm/page_alloc.c (v4.11)",
        ["__add_pages"] = "mm/memory_hotplug.c (v4.11)",
        ["__add_section"] = "mm/memory_hotplug.c (v4.11)",
        ["online_pages"] = "mm/memory_hotplug.c (v4.11)",
        ["smaps_pte_range"] = "fs/proc/task_mmu.c (v4.11)",
        ["pagemap_pmd_range"] = "fs/proc/task_mmu.c (v4.11)",
        ["remove_migration_pte"] = "mm/migrate.c (v4.11)",
        ["migrate_page_move_mapping"] = "mm/migrate.c (v4.11)",
        ["cpu_load"] = "the CPU's own load through the page tables (hardware; a fault enters do_page_fault)",
        ["cpu_store"] = "the CPU's own store through the page tables (hardware; a fault enters do_page_fault)",
        ["mprotect_fixup"] = "mm/mprotect.c (v4.11)",
        ["change_protection"] = "mm/mprotect.c (v4.11)",
        ["get_page"] = "include/linux/mm.h (v4.11)",
        ["put_page"] = "include/linux/mm.h (v4.11)",
        ["put_zone_device_page"] = "kernel/memremap.c (v4.11)",
        ["page_remove_rmap"] = "mm/rmap.c (v4.11)",
        ["page_add_new_anon_rmap"] = "mm/rmap.c (v4.11)",
        ["page_dup_rmap"] = "include/linux/rmap.h (v4.11)",
        ["lock_page"] = "include/linux/pagemap.h (v4.11)",
        ["trylock_page"] = "include/linux/pagemap.h (v4.11)",
        ["unlock_page"] = "mm/filemap.c (v4.11)",
        ["migration_entry_wait"] = "mm/migrate.c (v4.11)",
        ["show_smap"] = "fs/proc/task_mmu.c (v4.11)",
        ["pagemap_read"] = "fs/proc/task_mmu.c (v4.11)",
        ["add_memory"] = "mm/memory_hotplug.c (v4.11)",
        ["add_memory_resource"] = "mm/memory_hotplug.c (v4.11)",
        ["arch_add_memory"] = "arch/x86/mm/init_64.c (v4.11)",
        ["arch_remove_memory"] = "arch/x86/mm/init_64.c (v4.11)",
        ["migrate_vma"] = "mm/migrate.c (HMM series, merged in v4.14)",
        ["hmm_devmem_add"] = "mm/hmm.c (HMM series, merged in v4.14)",
        ["hmm_devmem_remove"] = "mm/hmm.c (HMM series, merged in v4.14)",
        ["hmm_devmem_fault"] = "mm/hmm.c (HMM series, merged in v4.14)",
        ["hmm_devmem_free"] = "mm/hmm.c (HMM series, merged in v4.14)",
        ["migrate_device_range"] = "mm/migrate_device.c (upstream fix 249881232e14)",
    };

    /// <summary>Surrounding code recognised by prefix (families of helpers).</summary>
    private static readonly (string Prefix, string Origin)[] SurroundingPrefixes =
    [
        ("migrate_vma_", "mm/migrate.c (HMM series, merged in v4.14)"),
        ("hmm_devmem_", "mm/hmm.c (HMM series, merged in v4.14)"),
        ("dmirror_", "lib/test_hmm.c (the kernel's HMM test driver, modelled as the reference driver)"),
    ];

    /// <summary>Scenario operations: the harness's call into the syscall/driver facade, named by the op.</summary>
    private static readonly HashSet<string> ScenarioOps =
        OpKinds.AllWireNames.ToHashSet(StringComparer.Ordinal);

    /// <summary>Origin given to a scenario operation's step.</summary>
    public const string ScenarioOpOrigin = "a scenario operation (the harness calling the syscall/driver facade), not kernel code";

    /// <summary>Where <paramref name="function"/> comes from. Accepts decorated names such as
    /// <c>do_swap_page/retry</c> or <c>zap_pte_range (details)</c> by looking at the leading C identifier.</summary>
    public static SeedLocation Lookup(string function)
    {
        var key = LeadingIdentifier(function);
        if (BySymbol.TryGetValue(key, out var hunks))
            return new SeedLocation(function, hunks, null);
        if (ScenarioOps.Contains(function))
            return new SeedLocation(function, [], ScenarioOpOrigin);
        if (Surrounding.TryGetValue(key, out var origin))
            return new SeedLocation(function, [], origin);
        foreach (var (prefix, prefixOrigin) in SurroundingPrefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
                return new SeedLocation(function, [], prefixOrigin);
        }
        return new SeedLocation(function, [], null);
    }

    /// <summary>The leading C identifier of a step's function label (the whole label when it starts otherwise).</summary>
    public static string LeadingIdentifier(string function)
    {
        var end = 0;
        while (end < function.Length && (char.IsAsciiLetterOrDigit(function[end]) || function[end] == '_'))
            end++;
        return end == 0 ? function : function[..end];
    }
}
