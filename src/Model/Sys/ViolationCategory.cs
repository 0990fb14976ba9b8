namespace Hmm.Spec.Model;

/// <summary>Stable violation category ids (tests and reports key on these strings).</summary>
public static class ViolationCategory
{
    /// <summary>
    /// An access through a struct page whose page is free, or was freed and handed out again since the accessor
    /// obtained its pointer (the allocation generation it captured no longer matches: an ABA reuse). The memmap
    /// still exists, so the access reads a real but wrong struct page.
    /// </summary>
    public const string UseAfterFree = "use-after-free";
    /// <summary>
    /// An access to a struct page whose memmap was removed (arch_remove_memory / __remove_pages under a live
    /// reference or mapping), including pfn_to_page of a pfn whose struct pages were removed: the memory behind the
    /// struct page is gone (vmemmap unmapped or reused), which is worse than reading a free page.
    /// </summary>
    public const string MemmapGone = "memmap-gone";
    public const string RefcountUnderflow = "refcount-underflow";
    public const string MapcountUnderflow = "mapcount-underflow";
    public const string DoubleFree = "double-free";
    public const string PteTypeConfusion = "pte-type-confusion";
    /// <summary>pfn_to_page of a pfn that never had a struct page (an MMIO pfn of a VM_PFNMAP mapping).</summary>
    public const string NoStructPage = "no-struct-page";
    public const string BugOn = "bug-on";
    public const string Leak = "leak";
    public const string RssMismatch = "rss-mismatch";
    public const string RefcountMismatch = "refcount-mismatch";
    public const string MapcountMismatch = "mapcount-mismatch";
    public const string UnaddressableMapped = "unaddressable-mapped";
    public const string SwapTypeCollision = "swap-type-collision";
    /// <summary>A field of a dev_pagemap that its owner released (freed with the devres).</summary>
    public const string PgmapGone = "pgmap-gone";
    public const string Deadlock = "deadlock";
    public const string Livelock = "livelock";
    public const string NotLinearizable = "not-linearizable";
    public const string Expectation = "expectation";
    public const string LockDiscipline = "lock-discipline";
    /// <summary>A writable present PTE or write device entry in a VMA without VM_WRITE.</summary>
    public const string WritableInReadOnlyVma = "writable-in-readonly-vma";
    /// <summary>A PTE at a file index at or beyond the i_size of the memfd its VMA maps (left by a truncation).</summary>
    public const string PteBeyondEof = "pte-beyond-eof";
    /// <summary>
    /// The device accessed memory through a mirror entry that no longer matches the CPU page table (other page, or
    /// write through an entry the CPU no longer allows to write), with no invalidation of that address in progress.
    /// </summary>
    public const string StaleMirror = "stale-mirror";

    /// <summary>
    /// A page a user mapping wrote that the kernel no longer remembers as written: neither PG_dirty nor a dirty PTE
    /// (a dirty bit dropped, e.g. by 2017's migrate_vma_collect_pmd). With a backing copy (swap cache, file) reclaim
    /// would drop it without writeback. Checked only when <see cref="KernelWorld.TrackDirty"/> is on.
    /// </summary>
    public const string DirtyLost = "dirty-lost";

    public static IReadOnlyList<string> All { get; } =
    [
        UseAfterFree, RefcountUnderflow, MapcountUnderflow, DoubleFree, PteTypeConfusion, NoStructPage, BugOn, Leak,
        RssMismatch, RefcountMismatch, MapcountMismatch, UnaddressableMapped, SwapTypeCollision, PgmapGone, Deadlock,
        Livelock, NotLinearizable, Expectation, LockDiscipline, WritableInReadOnlyVma, PteBeyondEof, MemmapGone,
        StaleMirror, DirtyLost,
    ];
}
