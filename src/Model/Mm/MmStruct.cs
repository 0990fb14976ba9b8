using Hmm.Spec.Model.Locking;

namespace Hmm.Spec.Model;

/// <summary>
/// struct mm_struct: VMAs, a one-level page table (page index -> pte_t), the page-table lock (one per mm; the
/// kernel's split PTL is per page-table page, which only narrows contention), mmap_sem and the rss counters.
/// PTE reads and writes are steps; a PTE write without the PTL is a <c>lock-discipline</c> violation.
/// </summary>
[Microsoft.Coyote.Rewriting.SkipRewriting(NotRewritten.Reason)]
internal sealed class MmStruct
{
    private readonly KernelWorld _w;
    private readonly List<Vma> _vmas = [];
    private readonly SortedDictionary<long, Pte> _pageTable = [];
    private readonly long[] _rss = new long[4];
    private readonly string?[] _rssNames = new string?[4];

    internal MmStruct(KernelWorld world, string name)
    {
        _w = world;
        Name = name;
        Ptl = new KernelSpinLock(world, $"ptl {name}", LockClass.PageTable);
        MmapSem = new RwSemaphore(world, $"mmap_sem {name}", LockClass.MmapSem);
    }

    public string Name { get; }
    /// <summary>The page-table lock (pte_lockptr).</summary>
    public KernelSpinLock Ptl { get; }
    public RwSemaphore MmapSem { get; }
    /// <summary>Set by exit_mmap: the address space is gone.</summary>
    public bool Exited { get; internal set; }

    /// <summary>False while a fork is still building this mm: the child exists only once fork returns.</summary>
    public bool Born { get; internal set; } = true;

    public IReadOnlyList<Vma> Vmas => _vmas;

    /// <summary>find_vma(mm, addr) restricted to a VMA containing addr (the callers check vm_start &lt;= addr).</summary>
    public Vma? find_vma(long address)
    {
        foreach (var v in _vmas)
        {
            if (v.Contains(address))
                return v;
        }
        return null;
    }

    internal void InsertVma(Vma vma)
    {
        _vmas.Add(vma);
        _vmas.Sort((a, b) => a.Start.CompareTo(b.Start));
    }

    internal void RemoveVma(Vma vma) => _vmas.Remove(vma);

    // ---------------- page table ----------------

    /// <summary>PTE resource names by address, built once per iteration (see <see cref="ResourceNames"/>).</summary>
    private readonly Dictionary<long, string> _pteNames = [];

    /// <summary>The VMA list (<c>vmas {mm}</c>), as the syscalls that change it record it.</summary>
    internal string VmasRes => _vmasName ??= $"vmas {Name}";
    private string? _vmasName;

    /// <summary>Every PTE of this mm (a page-table walk's footprint, see <see cref="KernelWorld.Touch"/>).</summary>
    internal string PteTableRes => _pteTableName ??= $"pte {Name}:*";
    private string? _pteTableName;

    internal string PteRes(long address)
    {
        if (!_pteNames.TryGetValue(address, out var name))
            _pteNames[address] = name = $"pte {Name}:{address}";
        return name;
    }

    /// <summary>*pte: a load of the PTE (lockless unless the caller holds the PTL).</summary>
    public Pte ReadPte(long address, string function)
    {
        var res = PteRes(address);
        _w.Point(StepKind.Read, res);
        var pte = _pageTable.GetValueOrDefault(address);
        _w.Record(StepKind.Read, function, res,
            new StepDetail(static (mm, a, _) => ((MmStruct)mm!).Describe(new Pte((ulong)a)), (long)pte.Raw, state: this));
        return pte;
    }

    /// <summary>set_pte_at / pte_clear: a store to the PTE; the PTL must be held.</summary>
    public void WritePte(long address, Pte pte, string function)
    {
        // Checked first so the message is built only for the violation.
        if (!Ptl.HeldByCurrent)
            Ptl.AssertHeld(function, $"store to {PteRes(address)}");
        var res = PteRes(address);
        _w.Point(StepKind.Write, res);
        var old = _pageTable.GetValueOrDefault(address);
        if (pte.IsNone)
            _pageTable.Remove(address);
        else
            _pageTable[address] = pte;
        _w.Record(StepKind.Write, function, res, new StepDetail(
            static (mm, a, b) => $"{((MmStruct)mm!).Describe(new Pte((ulong)a))} -> {((MmStruct)mm!).Describe(new Pte((ulong)b))}",
            (long)old.Raw, (long)pte.Raw, this));
    }

    /// <summary>The MMU setting accessed/dirty bits (part of the atomic hardware-access step; no PTL).</summary>
    internal void HardwareSetPte(long address, Pte pte) => _pageTable[address] = pte;

    /// <summary>The raw page table, for invariants and walkers at quiescent points (no steps).</summary>
    public IReadOnlyDictionary<long, Pte> PageTableRaw => _pageTable;

    /// <summary>A PTE in words: none, present pfn, or the swap entry's kind.</summary>
    public string Describe(Pte pte)
    {
        if (pte.IsNone) return "none";
        if (pte.IsPresent) return pte.ToString();
        var e = SwapEntry.swp_entry(pte.ArchSwapType, pte.ArchSwapOffset);
        return _w.Swp.Describe(e) + (pte.Has(Pte._PAGE_SWP_SOFT_DIRTY) ? " SD" : "");
    }

    // ---------------- rss counters ----------------

    /// <summary>add_mm_counter (atomic).</summary>
    public void add_mm_counter(MmCounter member, long value, string function)
    {
        var res = RssRes(member);
        _w.Point(StepKind.Write, res);
        var old = _rss[(int)member];
        _rss[(int)member] = old + value;
        _w.Record(StepKind.Write, function, res, new StepDetail(CountText.Rss, old, old + value));
    }

    /// <summary>get_mm_counter.</summary>
    public long get_mm_counter(MmCounter member, string function)
    {
        var res = RssRes(member);
        _w.Point(StepKind.Read, res);
        var v = _rss[(int)member];
        _w.Record(StepKind.Read, function, res, new StepDetail(static (_, a, _) => a.ToString(), v));
        return v;
    }

    public long RssRaw(MmCounter member) => _rss[(int)member];

    private string RssRes(MmCounter member) => _rssNames[(int)member] ??= $"rss {Name} {member}";

    public override string ToString() => $"mm {Name}";
}
