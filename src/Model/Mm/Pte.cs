namespace Hmm.Spec.Model;

/// <summary>
/// pte_t: the raw 64-bit value with an x86-64 (v4.11, arch/x86/include/asm/pgtable_64.h) encoding.
/// Present PTE: P(0) RW(1) USER(2) ACCESSED(5) DIRTY(6) GLOBAL/PROTNONE(8) SPECIAL(9) SOFT_DIRTY(11) pfn(12..51).
/// Swap PTE (P and PROTNONE clear): SWP_SOFT_DIRTY(1), type in bits 9..13, offset from bit 14.
/// Only raw bit access lives here; the typed accessors are the kernel-named methods on <see cref="KernelWorld"/>
/// (pte_pfn, pte_write, pte_to_swp_entry...) which raise <c>pte-type-confusion</c> on the wrong kind.
/// </summary>
internal readonly record struct Pte(ulong Raw)
{
    public const ulong _PAGE_PRESENT = 1UL << 0;
    public const ulong _PAGE_RW = 1UL << 1;
    public const ulong _PAGE_USER = 1UL << 2;
    public const ulong _PAGE_ACCESSED = 1UL << 5;
    public const ulong _PAGE_DIRTY = 1UL << 6;
    public const ulong _PAGE_PROTNONE = 1UL << 8;
    public const ulong _PAGE_SPECIAL = 1UL << 9;
    public const ulong _PAGE_SOFT_DIRTY = 1UL << 11;
    public const ulong _PAGE_SWP_SOFT_DIRTY = _PAGE_RW;
    public const int PAGE_SHIFT = 12;
    public const ulong PTE_PFN_MASK = ((1UL << 52) - 1) & ~((1UL << PAGE_SHIFT) - 1);
    public const int SWP_TYPE_FIRST_BIT = 9;
    public const int SWP_TYPE_BITS = 5;
    public const int SWP_OFFSET_FIRST_BIT = SWP_TYPE_FIRST_BIT + SWP_TYPE_BITS;

    public static Pte None => default;

    /// <summary>pte_none.</summary>
    public bool IsNone => Raw == 0;

    /// <summary>pte_present: P or PROTNONE (a PROT_NONE PTE is present for the kernel).</summary>
    public bool IsPresent => (Raw & (_PAGE_PRESENT | _PAGE_PROTNONE)) != 0;

    /// <summary>A non-none, non-present PTE holds a swap entry.</summary>
    public bool IsSwap => !IsNone && !IsPresent;

    /// <summary>pte_protnone: PROTNONE set and P clear.</summary>
    public bool IsProtnone => (Raw & (_PAGE_PROTNONE | _PAGE_PRESENT)) == _PAGE_PROTNONE;

    /// <summary>What the CPU's page walk sees: P set (a PROT_NONE PTE faults).</summary>
    public bool HardwarePresent => (Raw & _PAGE_PRESENT) != 0;

    public bool Has(ulong bit) => (Raw & bit) != 0;
    public Pte Set(ulong bit) => new(Raw | bit);
    public Pte Clear(ulong bit) => new(Raw & ~bit);

    internal long RawPfn => (long)((Raw & PTE_PFN_MASK) >> PAGE_SHIFT);

    /// <summary>pfn_pte(pfn, prot).</summary>
    public static Pte pfn_pte(long pfn, ulong protBits) => new((((ulong)pfn) << PAGE_SHIFT) & PTE_PFN_MASK | protBits);

    /// <summary>__swp_entry_to_pte(__swp_entry(type, offset)): the arch swap encoding.</summary>
    public static Pte FromArchSwap(int type, long offset) =>
        new(((ulong)type << SWP_TYPE_FIRST_BIT) | ((ulong)offset << SWP_OFFSET_FIRST_BIT));

    internal int ArchSwapType => (int)((Raw >> SWP_TYPE_FIRST_BIT) & ((1UL << SWP_TYPE_BITS) - 1));
    internal long ArchSwapOffset => (long)(Raw >> SWP_OFFSET_FIRST_BIT);

    public override string ToString()
    {
        if (IsNone)
            return "none";
        if (IsPresent)
        {
            var f = new List<string>();
            if (Has(_PAGE_PRESENT)) f.Add("P");
            if (Has(_PAGE_PROTNONE)) f.Add("PROTNONE");
            if (Has(_PAGE_RW)) f.Add("RW");
            if (Has(_PAGE_DIRTY)) f.Add("D");
            if (Has(_PAGE_ACCESSED)) f.Add("A");
            if (Has(_PAGE_SPECIAL)) f.Add("SPECIAL");
            if (Has(_PAGE_SOFT_DIRTY)) f.Add("SD");
            return $"pfn={RawPfn} {string.Join("|", f)}";
        }
        return $"swp type={ArchSwapType} offset={ArchSwapOffset}{(Has(_PAGE_SWP_SOFT_DIRTY) ? " SD" : "")}";
    }
}
