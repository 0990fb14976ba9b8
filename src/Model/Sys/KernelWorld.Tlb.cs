namespace Hmm.Spec.Model;

/// <summary>
/// One cached translation of a CPU's TLB (x86-64): the pfn the PTE named when the walk filled it, whether that PTE
/// was writable, and whether its dirty bit was already set (a store through a clean entry walks again to set it).
/// </summary>
internal readonly record struct TlbEntry(long Pfn, bool Write, bool Dirty);

/// <summary>
/// The CPUs' TLBs (arch/x86/mm/tlb.c, include/asm-generic/tlb.h, v4.11). Every actor is a CPU and caches the
/// translations its user accesses used, per address space. A PTE change reaches another CPU's TLB only through a
/// flush: <c>flush_tlb_page</c>, <c>flush_tlb_range</c>, <c>flush_tlb_mm</c> (and <c>ptep_clear_flush</c>, the
/// mmu_gather's <c>tlb_flush_mmu</c>) drop every CPU's entries for the range, each a step that writes every CPU's
/// TLB resource of the mm (<c>tlb A:*</c>); a hit reads the CPU's own (<c>tlb A:cpu0</c>), so verify's footprints
/// see both. A CPU's page fault drops its own entry for the address (x86 invalidates the faulting translation).
/// See docs/kernel-model.md "CPU TLBs".
/// </summary>
public sealed partial class KernelWorld
{
    private readonly Dictionary<MmStruct, Dictionary<string, Dictionary<long, TlbEntry>>> _tlbs = [];
    private readonly Dictionary<MmStruct, Dictionary<string, string>> _tlbNames = [];
    private readonly Dictionary<MmStruct, string> _tlbAllNames = [];

    /// <summary><c>tlb {mm}:{cpu}</c>: one CPU's cached translations of one mm.</summary>
    internal string TlbRes(MmStruct mm, string cpu)
    {
        if (!_tlbNames.TryGetValue(mm, out var byCpu))
            _tlbNames[mm] = byCpu = new(StringComparer.Ordinal);
        if (!byCpu.TryGetValue(cpu, out var name))
            byCpu[cpu] = name = $"tlb {mm.Name}:{cpu}";
        return name;
    }

    /// <summary><c>tlb {mm}:*</c>: every CPU's translations of the mm (what a flush writes).</summary>
    internal string TlbAllRes(MmStruct mm)
    {
        if (!_tlbAllNames.TryGetValue(mm, out var name))
            _tlbAllNames[mm] = name = $"tlb {mm.Name}:*";
        return name;
    }

    /// <summary>The translation <paramref name="cpu"/> caches for <paramref name="address"/> of mm, if any (raw, no step).</summary>
    internal TlbEntry? TlbLookupRaw(MmStruct mm, string cpu, long address) =>
        _tlbs.TryGetValue(mm, out var byCpu) && byCpu.TryGetValue(cpu, out var map) && map.TryGetValue(address, out var e)
            ? e
            : null;

    /// <summary>Every CPU's cached translation of <paramref name="address"/> in mm (raw, for tests and invariants).</summary>
    internal IEnumerable<(string Cpu, TlbEntry Entry)> TlbEntriesRaw(MmStruct mm, long address)
    {
        if (!_tlbs.TryGetValue(mm, out var byCpu))
            yield break;
        foreach (var (cpu, map) in byCpu)
        {
            if (map.TryGetValue(address, out var e))
                yield return (cpu, e);
        }
    }

    private void TlbFill(MmStruct mm, string cpu, long address, TlbEntry entry)
    {
        if (!_tlbs.TryGetValue(mm, out var byCpu))
            _tlbs[mm] = byCpu = new(StringComparer.Ordinal);
        if (!byCpu.TryGetValue(cpu, out var map))
            byCpu[cpu] = map = [];
        map[address] = entry;
    }

    private void TlbDropOwn(MmStruct mm, string cpu, long address)
    {
        if (_tlbs.TryGetValue(mm, out var byCpu) && byCpu.TryGetValue(cpu, out var map))
            map.Remove(address);
    }

    /// <summary>
    /// flush_tlb_range(vma, start, end) (arch/x86/mm/tlb.c): every CPU drops its translations of [start, end) of
    /// mm (the IPIs are waited for, so the flush is one step). A step that writes every CPU's TLB of the mm.
    /// </summary>
    internal void flush_tlb_range(MmStruct mm, long start, long end, string function)
    {
        var res = TlbAllRes(mm);
        Point(StepKind.Write, res);
        if (_tlbs.TryGetValue(mm, out var byCpu))
        {
            foreach (var map in byCpu.Values)
            {
                foreach (var addr in map.Keys.Where(a => a >= start && a < end).ToList())
                    map.Remove(addr);
            }
        }
        Record(StepKind.Write, function, res, new StepDetail(static (_, a, b) => $"flush [{a},{b})", start, end));
    }

    /// <summary>flush_tlb_page(vma, addr): <see cref="flush_tlb_range"/> of one page.</summary>
    internal void flush_tlb_page(MmStruct mm, long address, string function) => flush_tlb_range(mm, address, address + 1, function);

    /// <summary>flush_tlb_mm(mm): every CPU drops every translation of mm.</summary>
    internal void flush_tlb_mm(MmStruct mm, string function) => flush_tlb_range(mm, long.MinValue, long.MaxValue, function);

    /// <summary>
    /// ptep_clear_flush(vma, addr, ptep) (mm/pgtable-generic.c): clear the PTE and, if it was present (something a
    /// TLB may cache), flush that page, with the PTL held as every caller holds it. <paramref name="current"/> is
    /// the value the caller just read under that PTL (the model's PTE changes only under the PTL, except for the
    /// hardware's accessed/dirty bits).
    /// </summary>
    internal void ptep_clear_flush(MmStruct mm, long address, Pte current, string function)
    {
        mm.WritePte(address, Pte.None, function);
        if (pte_present(current))
            flush_tlb_page(mm, address, function);
    }
}
