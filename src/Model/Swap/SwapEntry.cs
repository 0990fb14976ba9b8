namespace Hmm.Spec.Model;

/// <summary>
/// swp_entry_t as include/linux/swapops.h packs it: the type in the top MAX_SWAPFILES_SHIFT (5) bits of the
/// 64-bit value, the offset in the rest.
/// </summary>
internal readonly record struct SwapEntry(ulong Val)
{
    public const int MAX_SWAPFILES_SHIFT = 5;
    public const int SWP_TYPE_SHIFT = 64 - MAX_SWAPFILES_SHIFT;
    public const ulong SWP_OFFSET_MASK = (1UL << SWP_TYPE_SHIFT) - 1;

    /// <summary>swp_entry(type, offset).</summary>
    public static SwapEntry swp_entry(int type, long offset) =>
        new(((ulong)type << SWP_TYPE_SHIFT) | ((ulong)offset & SWP_OFFSET_MASK));

    /// <summary>swp_type.</summary>
    public int Type => (int)(Val >> SWP_TYPE_SHIFT);

    /// <summary>swp_offset.</summary>
    public long Offset => (long)(Val & SWP_OFFSET_MASK);

    public override string ToString() => $"swp(type={Type}, offset={Offset})";
}
