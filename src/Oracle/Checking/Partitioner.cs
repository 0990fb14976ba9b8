using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Checking;

/// <summary>
/// P-compositionality: splits a history into sub-histories that touch disjoint parts of the reference state,
/// so each can be checked alone. The state is a product over (address-space family, page) — a family being
/// the address spaces linked by fork — plus the device (residency, removal) and the iomem resource map.
/// An op's footprint is the set of parts it reads or writes; partitions are the connected components.
/// </summary>
internal static class Partitioner
{
    public static List<int[]> Split(OpTable table, IReadOnlyList<Op> setup)
    {
        var families = new UnionFind<string>();
        foreach (var op in setup.Concat(table.Ops.Select(o => o.Op)))
        {
            if (op.Kind == OpKind.Fork) families.Union(op.Mm!, op.Child!);
        }
        // Families whose pages may be device-resident: their accesses also depend on device_remove.
        var deviceFamilies = new HashSet<string>();
        foreach (var op in setup.Concat(table.Ops.Select(o => o.Op)))
        {
            if (op.Kind == OpKind.MigrateToDevice) deviceFamilies.Add(families.Find(op.Mm!));
        }

        var keys = new UnionFind<string>();
        var firstKey = new string[table.Ops.Length];
        var wholeFamilies = new HashSet<string>();
        var pageKeys = new Dictionary<string, List<string>>();
        for (var i = 0; i < table.Ops.Length; i++)
        {
            var op = table.Ops[i].Op;
            var footprint = Footprint(op, families, deviceFamilies, wholeFamilies, pageKeys);
            firstKey[i] = footprint[0];
            foreach (var k in footprint.Skip(1)) keys.Union(footprint[0], k);
            keys.Find(footprint[0]);
        }
        foreach (var family in wholeFamilies)
        {
            if (!pageKeys.TryGetValue(family, out var list)) continue;
            foreach (var k in list) keys.Union(WholeKey(family), k);
        }

        var groups = new Dictionary<string, List<int>>();
        for (var i = 0; i < table.Ops.Length; i++)
        {
            var root = keys.Find(firstKey[i]);
            if (!groups.TryGetValue(root, out var g)) groups[root] = g = new List<int>();
            g.Add(i);
        }
        return groups.Values.Select(g => g.ToArray()).OrderByDescending(g => g.Length).ToList();
    }

    private static string WholeKey(string family) => $"mm {family}/*";

    private static List<string> Footprint(Op op, UnionFind<string> families, HashSet<string> deviceFamilies,
        HashSet<string> wholeFamilies, Dictionary<string, List<string>> pageKeys)
    {
        var keys = new List<string>(4);
        string Page(string family, int page)
        {
            var k = $"mm {family}/{page}";
            if (!pageKeys.TryGetValue(family, out var list)) pageKeys[family] = list = new List<string>();
            list.Add(k);
            return k;
        }

        switch (op.Kind)
        {
            case OpKind.DeviceRemove:
                keys.Add("device");
                keys.Add("iomem");
                return keys;
            case OpKind.HotplugAdd:
                keys.Add("iomem");
                return keys;
        }

        var f = families.Find(op.Mm!);
        switch (op.Kind)
        {
            case OpKind.Read or OpKind.Write or OpKind.Pagemap:
                keys.Add(Page(f, op.Page!.Value));
                if (deviceFamilies.Contains(f)) keys.Add("device");
                break;
            case OpKind.DeviceRead or OpKind.DeviceWrite:
                keys.Add(Page(f, op.Page!.Value));
                keys.Add("device");
                break;
            case OpKind.MigrateToDevice or OpKind.MigrateToSystem:
                for (var p = op.Page!.Value; p < op.Page.Value + (op.Pages ?? 1); p++) keys.Add(Page(f, p));
                keys.Add("device");
                break;
            default:
                wholeFamilies.Add(f);
                keys.Add(WholeKey(f));
                if (deviceFamilies.Contains(f)) keys.Add("device");
                if (op.Kind == OpKind.MmapPfn) keys.Add("iomem");
                break;
        }
        return keys;
    }
}

/// <summary>Disjoint sets with path halving.</summary>
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
