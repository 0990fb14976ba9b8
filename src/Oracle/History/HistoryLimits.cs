using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// The documented numeric limits of a history (docs/history-format.md, "Limits"). Sums are formed in
/// <c>checked</c> 64-bit arithmetic after each term is bounded, so no input can wrap past a check, and every
/// check runs before the checker allocates anything that grows with a page count.
/// </summary>
public static class HistoryLimits
{
    /// <summary>Pages of one address space (as in scenarios): every page range ends at or below it.</summary>
    public const int MaxPages = 4096;

    /// <summary>
    /// Physical frame numbers are below 2^40: 52 physical address bits (x86-64 with 5-level paging,
    /// MAX_PHYSMEM_BITS) minus the 12-bit page shift.
    /// </summary>
    public const long PfnLimit = 1L << 40;

    /// <summary>pagemap's swap type is a 5-bit field (MAX_SWAPFILES_SHIFT).</summary>
    public const int MaxSwapType = (1 << 5) - 1;
    /// <summary>pagemap's frame field: bits 0-54 of the 64-bit entry.</summary>
    public const long MaxFrame = (1L << 55) - 1;

    /// <summary>The problem with an op's numbers, as "FIELD: PROBLEM", or null.</summary>
    public static string? Problem(Op op)
    {
        if (op.Page is { } page)
        {
            var end = checked((long)page + (op.Kind is OpKind.Mmap or OpKind.MmapPfn or OpKind.Munmap or OpKind.MadviseDontneed
                or OpKind.Mprotect or OpKind.MigrateToDevice or OpKind.MigrateToSystem ? op.Pages ?? 1 : 1));
            if (end > MaxPages)
                return $"pages: the range [{page}, {end}) ends beyond the address-space limit of {MaxPages} pages";
        }
        if (op.Kind == OpKind.Ftruncate && op.Pages > MaxPages)
            return $"pages: a file size of {op.Pages} pages exceeds the limit of {MaxPages} pages";
        if (op.Pfn is { } pfn && PfnEnd(pfn, op.Pages ?? 1) is { } p1) return $"pfn: {p1}";
        if (op.StartPfn is { } start && PfnEnd(start, op.Pages ?? 1) is { } p2) return $"start_pfn: {p2}";
        if (op.Kind == OpKind.Fork && op.Child is not null && op.Child == op.Mm)
            return "child: a fork child needs its own address-space name, not its parent's";
        return null;
    }

    private static string? PfnEnd(long start, int pages) =>
        start >= PfnLimit || checked(start + pages) > PfnLimit
            ? $"the pfn range [{start}, +{pages}) goes beyond pfn 2^40 (52-bit physical addresses)"
            : null;

    /// <summary>The header's machine: RAM at least a page, the device range after RAM and inside the pfn space.</summary>
    public static string? Problem(MachineSpec m)
    {
        if (m.RamPages < 1) return $"ram_pages: must be at least 1, found {m.RamPages}";
        if (m.DeviceStartPfn >= PfnLimit || checked(m.DeviceStartPfn + m.DevicePages) > PfnLimit)
            return $"device_start_pfn: the device range [{m.DeviceStartPfn}, +{m.DevicePages}) goes beyond pfn 2^40";
        if (m.DevicePages > 0 && m.DeviceStartPfn < m.RamPages)
            return $"device_start_pfn: the device range [{m.DeviceStartPfn}, +{m.DevicePages}) overlaps system RAM [0, {m.RamPages})";
        return null;
    }
}
