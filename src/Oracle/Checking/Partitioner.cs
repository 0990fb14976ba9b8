using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Checking;

/// <summary>
/// P-compositionality: splits a history into sub-histories that touch disjoint parts of the reference state,
/// so each can be checked alone. The state is a product over (address-space family, page) — a family being
/// the address spaces linked by fork — plus the device (residency, removal) and the iomem resource map.
/// An op's footprint is the set of parts it reads or writes; partitions are the connected components.
/// The rules (docs/reference-model.md, "Partitioning"):
/// <list type="bullet">
/// <item>fork, exit and smaps touch every page of the family; so do mmap, munmap, mprotect and madvise unless
/// the family is stable (no fork or exit among the events, every address space its events name live in every
/// initial state): then an address space's existence never changes and those four touch only their range;</item>
/// <item>the device is a part only when the events contain <c>device_remove</c> (the only op that changes it; the
/// reference has no device capacity): then device accesses, migrations and every op of a family that may hold
/// device pages join it, and removal joins iomem. Otherwise the device is a constant every partition sees;</item>
/// <item>a migration or range op joins the pages of its range (it is atomic over them); the table holds the
/// sub-ops of ops checked page by page (<see cref="PageByPage"/>), each joining only its own pages;</item>
/// <item>a memfd file is one more part: an mmap of it joins its family to the file, and ftruncate touches the
/// file (so every family that maps it, in the setup or later).</item>
/// </list>
/// </summary>
internal static class Partitioner
{
    /// <summary>
    /// One partition: its ops, and the part of the state they can see: per family, the page indexes they
    /// touch, or null for the whole family; a null <see cref="Visible"/> sees the whole state.
    /// </summary>
    internal sealed record Partition(int[] Ops, Dictionary<string, HashSet<int>?>? Visible)
    {
        /// <summary>Every op in one partition that sees everything: the unpartitioned search.</summary>
        public static List<Partition> Whole(OpTable table) => [new Partition(Enumerable.Range(0, table.Ops.Length).ToArray(), null)];
    }

    private const int Whole = -1;

    /// <summary>The partitions of <paramref name="table"/>'s ops; <paramref name="liveEverywhere"/> tells whether an
    /// address space is live in every initial state (after <paramref name="setup"/>).</summary>
    public static (List<Partition> Partitions, Func<string, string> FamilyOf) Split(OpTable table, IReadOnlyList<Op> setup,
        Func<string, bool> liveEverywhere)
    {
        var families = new UnionFind<string>();
        foreach (var op in setup)
        {
            if (op.Kind == OpKind.Fork) families.Union(op.Mm!, op.Child!);
        }
        foreach (var rec in table.Ops)
        {
            if (rec.Op.Kind == OpKind.Fork) families.Union(rec.Op.Mm!, rec.Op.Child!);
        }
        // The device changes only by device_remove. With one among the events, families whose pages may be
        // device-resident depend on it; without one, device state is the same constant in every partition.
        var removal = table.Ops.Any(o => o.Op.Kind == OpKind.DeviceRemove);
        var deviceFamilies = new HashSet<string>();
        // Families whose address spaces may appear, exit or be forked during the history.
        var unstable = new HashSet<string>();
        foreach (var op in setup)
        {
            if (removal && op.Kind == OpKind.MigrateToDevice) deviceFamilies.Add(families.Find(op.Mm!));
        }
        var live = new Dictionary<string, bool>();
        foreach (var rec in table.Ops)
        {
            var op = rec.Op;
            if (removal && op.Kind == OpKind.MigrateToDevice) deviceFamilies.Add(families.Find(op.Mm!));
            if (op.Mm is null) continue;
            if (!live.TryGetValue(op.Mm, out var isLive)) live[op.Mm] = isLive = liveEverywhere(op.Mm);
            if (op.Kind is OpKind.Fork or OpKind.Exit || !isLive) unstable.Add(families.Find(op.Mm));
        }

        // Keys are small integers: 0 = device, 1 = iomem, then one per (family, page) and per (family, whole).
        // Looked up per family, then per page: ops come in long runs on one family, so the family's page map
        // is found by reference and only an int is hashed per op.
        var keysByFamily = new Dictionary<string, Dictionary<int, int>>();
        var parts = new List<(string Family, int Page)> { ("", 0), ("", 0) };
        string? lastFamily = null;
        Dictionary<int, int>? lastKeys = null;
        int Key(string family, int page)
        {
            if (!ReferenceEquals(family, lastFamily))
            {
                if (!keysByFamily.TryGetValue(family, out lastKeys)) keysByFamily[family] = lastKeys = new Dictionary<int, int>();
                lastFamily = family;
            }
            if (!lastKeys!.TryGetValue(page, out var k))
            {
                lastKeys[page] = k = parts.Count;
                parts.Add((family, page));
            }
            return k;
        }
        bool TryKey(string family, int page, out int k)
        {
            k = 0;
            return keysByFamily.TryGetValue(family, out var keys) && keys.TryGetValue(page, out k);
        }
        const int device = 0, iomem = 1;
        // A file's part: a pseudo-family no address-space name can equal.
        int FileKey(string file) => Key("\0file:" + file, Whole);

        var uf = new IntUnionFind();
        var firstKey = new int[table.Ops.Length];
        var familyCache = new Dictionary<string, string>();
        string? lastMm = null, lastMmFamily = null;
        var lastOnDevice = false;
        string FamilyOf(string mm)
        {
            if (ReferenceEquals(mm, lastMm)) return lastMmFamily!;
            if (!familyCache.TryGetValue(mm, out var f)) familyCache[mm] = f = families.Find(mm);
            lastMm = mm;
            lastMmFamily = f;
            lastOnDevice = deviceFamilies.Contains(f);
            return f;
        }
        bool OnDevice(string family) => ReferenceEquals(family, lastMmFamily) ? lastOnDevice : deviceFamilies.Contains(family);

        foreach (var op in setup)
        {
            if (op.Kind == OpKind.Mmap && op.File is not null) uf.Union(Key(FamilyOf(op.Mm!), Whole), FileKey(op.File));
        }
        for (var i = 0; i < table.Ops.Length; i++)
        {
            var op = table.Ops[i].Op;
            int first;
            switch (op.Kind)
            {
                case OpKind.Ftruncate:
                    first = FileKey(op.File!);
                    break;
                case OpKind.DeviceRemove:
                    first = device;
                    uf.Union(device, iomem);
                    break;
                case OpKind.HotplugAdd:
                    first = iomem;
                    break;
                case OpKind.Read or OpKind.Write or OpKind.Pagemap or OpKind.MemRead:
                {
                    var f = FamilyOf(op.Mm!);
                    first = Key(f, op.Page!.Value);
                    if (OnDevice(f)) uf.Union(first, device);
                    break;
                }
                case OpKind.DeviceRead or OpKind.DeviceWrite:
                    first = Key(FamilyOf(op.Mm!), op.Page!.Value);
                    if (removal) uf.Union(first, device);
                    break;
                case OpKind.MigrateToDevice or OpKind.MigrateToSystem:
                {
                    var f = FamilyOf(op.Mm!);
                    first = Key(f, op.Page!.Value);
                    for (var p = op.Page.Value + 1; p < op.Page.Value + (op.Pages ?? 1); p++) uf.Union(Key(f, p), first);
                    if (removal) uf.Union(first, device);
                    break;
                }
                case OpKind.Mmap or OpKind.Munmap or OpKind.Mprotect or OpKind.MadviseDontneed
                    when op.File is null && !unstable.Contains(FamilyOf(op.Mm!)):
                {
                    var f = FamilyOf(op.Mm!);
                    first = Key(f, op.Page!.Value);
                    for (var p = op.Page.Value + 1; p < op.Page.Value + (op.Pages ?? 1); p++) uf.Union(Key(f, p), first);
                    if (OnDevice(f)) uf.Union(first, device);
                    break;
                }
                default:
                {
                    var f = FamilyOf(op.Mm!);
                    first = Key(f, Whole);
                    if (OnDevice(f)) uf.Union(first, device);
                    if (op.Kind == OpKind.MmapPfn) uf.Union(first, iomem);
                    if (op.File is not null) uf.Union(first, FileKey(op.File));
                    break;
                }
            }
            firstKey[i] = first;
        }
        // A whole-family key joins every page key of its family.
        for (var k = 2; k < parts.Count; k++)
        {
            var (family, page) = parts[k];
            if (page != Whole && TryKey(family, Whole, out var whole)) uf.Union(k, whole);
        }

        var groups = new Dictionary<int, List<int>>();
        for (var i = 0; i < table.Ops.Length; i++)
        {
            var root = uf.Find(firstKey[i]);
            if (!groups.TryGetValue(root, out var g)) groups[root] = g = new List<int>();
            g.Add(i);
        }
        var visible = new Dictionary<int, Dictionary<string, HashSet<int>?>>();
        for (var k = 2; k < parts.Count; k++)
        {
            var (family, page) = parts[k];
            var root = uf.Find(k);
            if (!visible.TryGetValue(root, out var v)) visible[root] = v = new Dictionary<string, HashSet<int>?>();
            if (page == Whole) v[family] = null;
            else if (!v.TryGetValue(family, out var set)) v[family] = new HashSet<int> { page };
            else set?.Add(page);
        }
        var partitions = groups
            .Select(g => new Partition(g.Value.ToArray(), visible.TryGetValue(g.Key, out var v) ? v : new Dictionary<string, HashSet<int>?>()))
            .OrderByDescending(p => p.Ops.Length)
            .ToList();
        return (partitions, families.Find);
    }
}

/// <summary>Disjoint sets over names, with path compression.</summary>
internal sealed class UnionFind<T> where T : notnull
{
    private readonly Dictionary<T, T> _parent = new();

    public T Find(T x)
    {
        if (!_parent.ContainsKey(x))
        {
            _parent[x] = x;
            return x;
        }
        var root = x;
        while (!EqualityComparer<T>.Default.Equals(_parent[root], root)) root = _parent[root];
        while (!EqualityComparer<T>.Default.Equals(x, root))
        {
            var next = _parent[x];
            _parent[x] = root;
            x = next;
        }
        return root;
    }

    public void Union(T a, T b)
    {
        var ra = Find(a);
        var rb = Find(b);
        if (!EqualityComparer<T>.Default.Equals(ra, rb)) _parent[ra] = rb;
    }
}

/// <summary>Disjoint sets over 0..n, growing on demand.</summary>
internal sealed class IntUnionFind
{
    private int[] _parent = new int[64];
    private int _count;

    private void Ensure(int x)
    {
        if (x >= _parent.Length) Array.Resize(ref _parent, Math.Max(_parent.Length * 2, x + 1));
        while (_count <= x)
        {
            _parent[_count] = _count;
            _count++;
        }
    }

    public int Find(int x)
    {
        Ensure(x);
        var root = x;
        while (_parent[root] != root) root = _parent[root];
        while (_parent[x] != root)
        {
            var next = _parent[x];
            _parent[x] = root;
            x = next;
        }
        return root;
    }

    public void Union(int a, int b)
    {
        var ra = Find(a);
        var rb = Find(b);
        if (ra != rb) _parent[ra] = rb;
    }
}
