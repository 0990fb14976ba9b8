using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Checking;

/// <summary>
/// The register fast path: decides a partition of plain reads and writes of one page of one address space,
/// whose writes all carry distinct values, in O(n log n) without the exponential search. Each read then names
/// the write it read from (the read-mapping), and linearizability of a read-mapped register is the zone
/// condition of Gibbons and Korach ("Testing shared memories", SIAM J. Computing 26(4), 1997; in the form of
/// Golab, Li and Shah, "Analyzing consistency properties for fun and profit", PODC 2011): group each write
/// with its reads (a cluster); with f the earliest return and s the latest call in a cluster, its zone is
/// forward [f, s] when f &lt; s, else backward [s, f]. The history is linearizable iff no read returns
/// before its write is invoked, no two forward zones overlap, and no backward zone lies inside a forward one.
/// The initial value is a write that completed before everything.
/// <para>
/// A linearizable answer is certified: a linearization is built from the zones and run through the reference
/// model (and checked against real time); should that ever fail, the caller falls back to the search. What it
/// does not take (null from <see cref="TryDecide"/>, the search decides): ops other than read and write, more
/// than one address space or page, a result other than a value (read) or ok (write), two writes of the same
/// value or a write of the page's initial value, more than one initial state, and a page that is not an
/// anonymous (private or shared) read-write mapping in the initial state.
/// </para>
/// </summary>
internal static class RegisterCheck
{
    private const long Before = -1;
    private const int CheapOverlap = 4;   // the initial value's pseudo-write: called and returned before any event

    /// <summary>A write and the reads that read its value; <see cref="Write"/> is -1 for the initial value.</summary>
    private sealed class Cluster(int write, long call, long ret)
    {
        public int Write { get; } = write;
        private static readonly List<int> None = [];
        private List<int>? _reads;
        /// <summary>The reads of the write's value (most writes have few or none: the list is made on the first).</summary>
        public List<int> Reads => _reads ?? None;
        public void AddRead(int r) => (_reads ??= []).Add(r);
        public long MinReturn { get; set; } = ret;
        public long MaxCall { get; set; } = call;
        public bool Forward => MinReturn < MaxCall;
        /// <summary>Where the cluster goes in the witness order (twice the event position, +1 for between positions).</summary>
        public long Anchor { get; set; }
    }

    public sealed record Decision(bool Linearizable, PartialLinearization? Evidence);

    /// <summary>Why no linearization exists: the op that cannot be placed, from which event position on, and the zones' reason.</summary>
    private sealed record Violation(int Stuck, long At, string Reason);

    /// <summary>
    /// Whether the search is the cheaper way: with at most <see cref="CheapOverlap"/> ops pending at any time it
    /// has that few candidates at each step, and its per-op cost is below the zones' bookkeeping (about 20-30% less
    /// CPU on the partitions of a 100k-op, 64-page history). Contended partitions go to the zones.
    /// </summary>
    public static bool SearchIsCheap(OpTable table, int[] ops)
    {
        if (ops.Length <= CheapOverlap) return true;
        var returns = new long[ops.Length];
        for (var k = 0; k < ops.Length; k++) returns[k] = table.Return[ops[k]];
        LongSort.Sort(returns);
        // Calls are ascending (table order); count the ops called but not yet returned at each call.
        var returned = 0;
        for (var k = 0; k < ops.Length; k++)
        {
            var call = table.Call[ops[k]];
            while (returned < returns.Length && returns[returned] < call) returned++;
            if (k + 1 - returned > CheapOverlap) return false;
        }
        return true;
    }

    public static Decision? TryDecide(ReferenceModel model, OpTable table, int[] ops, IReadOnlyList<RefState> initial)
    {
        if (ops.Length == 0 || initial.Count != 1) return null;
        var first = table.Ops[ops[0]].Op;
        if (InitialValue(initial[0], first.Mm!, first.Page ?? -1) is not { } v0) return null;
        var values = new HashSet<long>();
        foreach (var i in ops)
        {
            var rec = table.Ops[i];
            var op = rec.Op;
            if (op.Kind is not (OpKind.Read or OpKind.Write) || op.Mm != first.Mm || op.Page != first.Page) return null;
            if (op.Kind == OpKind.Read)
            {
                if (rec.Result is not null && (rec.Result.Value is not { } rv || !rec.Result.IsValue(rv))) return null;
                continue;
            }
            if (rec.Result is not null && rec.Result != OpResult.Success) return null;
            if (op.Value == v0 || !values.Add(op.Value!.Value)) return null;
        }

        var (order, violation) = Analyze(table, ops, v0);
        if (violation is null)
            return Replay(model, table, ops, initial, order!).Length == order!.Count ? new Decision(true, null) : null;

        // Evidence: a linearization of what completed before the stuck op was invoked (all of it must come first),
        // with the writes those reads read (they come first too), from the zones of that sub-history; when it has a
        // violation of its own, that one is earlier: start over from it.
        var writeOf = new Dictionary<long, int>();
        foreach (var i in ops)
        {
            if (table.Ops[i].Op.Kind == OpKind.Write) writeOf[table.Ops[i].Op.Value!.Value] = i;
        }
        var sub = ops;
        for (var tries = 0; tries < 8; tries++)
        {
            var at = violation.At;
            var stuck = violation.Stuck;
            var done = sub.Where(i => i != stuck && table.Return[i] < at).ToHashSet();
            foreach (var i in done.ToArray())
            {
                if (table.Ops[i].Result?.Value is { } v && writeOf.TryGetValue(v, out var w) && w != stuck) done.Add(w);
            }
            sub = done.Order().ToArray();
            (order, var earlier) = Analyze(table, sub, v0);
            if (earlier is null) break;
            violation = earlier;
            order = [];
        }
        var (length, states) = Replay(model, table, ops, initial, order ?? []);
        var blocked = table.Ops[violation.Stuck];
        var reason = violation.Reason;
        return new Decision(false, new PartialLinearization((order ?? []).Take(length).Select(i => table.Ops[i]).ToArray(), blocked,
            $"{model.Explain(states, blocked.Op, blocked.Result)}; {reason}") { After = (model, states) });
    }

    /// <summary>The zone condition over <paramref name="ops"/> (all reads and writes of the page): a witness order, or why there is none.</summary>
    private static (List<int>? Order, Violation? Violation) Analyze(OpTable table, int[] ops, long v0)
    {
        var byValue = new Dictionary<long, Cluster>(ops.Length / 2);
        foreach (var i in ops)
        {
            if (table.Ops[i].Op.Kind == OpKind.Write) byValue[table.Ops[i].Op.Value!.Value] = new Cluster(i, table.Call[i], table.Return[i]);
        }
        var initialCluster = new Cluster(-1, Before, Before);
        foreach (var r in ops)
        {
            var rec = table.Ops[r];
            if (rec.Op.Kind != OpKind.Read || rec.Result is null) continue;   // an indeterminate read constrains nothing
            var value = rec.Result.Value!.Value;
            var c = value == v0 ? initialCluster : byValue.GetValueOrDefault(value);
            if (c is null)
                return (null, new Violation(r, table.Call[r], $"{Describe(table, r)} returned a value no write of this page wrote (the initial value is {v0})"));
            if (c.Write >= 0 && table.Return[r] < table.Call[c.Write])
                return (null, new Violation(r, table.Call[r], $"{Describe(table, r)} returned before the write of its value ({Describe(table, c.Write)}) was invoked"));
            c.AddRead(r);
            c.MinReturn = Math.Min(c.MinReturn, table.Return[r]);
            c.MaxCall = Math.Max(c.MaxCall, table.Call[r]);
        }
        // An indeterminate write nobody read may be left out: it only adds constraints.
        var clusters = new List<Cluster>(byValue.Count + 1) { initialCluster };
        foreach (var c in byValue.Values)
        {
            if (!table.Indeterminate(c.Write) || c.Reads.Count > 0) clusters.Add(c);
        }

        var forward = clusters.Where(c => c.Forward).ToArray();
        var starts = forward.Select(c => c.MinReturn).ToArray();
        Array.Sort(starts, forward);
        for (var k = 1; k < forward.Length; k++)
        {
            var (a, b) = (forward[k - 1], forward[k]);
            if (b.MinReturn < a.MaxCall)
            {
                var stuck = Latest(table, b);
                return (null, new Violation(stuck, table.Call[stuck],
                    $"{Name(table, a)} and {Name(table, b)} must each span positions [{a.MinReturn}, {a.MaxCall}] and [{b.MinReturn}, {b.MaxCall}] " +
                    "of the history (one of their ops returns before another is invoked), and these overlap"));
            }
        }
        foreach (var c in forward) c.Anchor = 2 * c.MinReturn;
        foreach (var c in clusters)
        {
            if (c.Forward) continue;
            // The whole cluster fits at one instant after its last call: the first such instant outside every forward zone.
            var k = Array.BinarySearch(starts, c.MaxCall);
            k = k >= 0 ? k : ~k - 1;
            if (k < 0 || forward[k].MaxCall < c.MaxCall)
            {
                c.Anchor = 2 * c.MaxCall + 1;
                continue;
            }
            var z = forward[k];
            if (z.MaxCall > c.MinReturn)
            {
                var stuck = Latest(table, c);
                return (null, new Violation(stuck, table.Call[stuck],
                    $"{Name(table, c)} must happen between positions {c.MaxCall} and {c.MinReturn}, all inside the span " +
                    $"[{z.MinReturn}, {z.MaxCall}] that {Name(table, z)} must cover"));
            }
            c.Anchor = 2 * z.MaxCall + 1;
        }
        return (Witness(table, clusters), null);
    }

    /// <summary>The page's value in <paramref name="s"/>, or null when it is not a plain read-write anonymous page.</summary>
    private static long? InitialValue(RefState s, string mm, int page)
    {
        if (!s.TryGetLive(mm, out var m) || !m.Pages.TryGetValue(page, out var pm) || pm.Prot != Prot.ReadWrite) return null;
        if (pm.Kind == MapKind.Private && pm.ShmKey == 0)
            return pm.Slot > 0 ? s.Frames[pm.Slot].Value : 0;
        if (pm.Kind != MapKind.Shared) return null;
        foreach (var (_, f) in s.Files)
        {
            if (f.Object == pm.ShmKey >> 32) return null;
        }
        return s.Shm.TryGetValue(pm.ShmKey, out var v) ? v : 0;
    }

    /// <summary>Clusters by anchor; in each, the write, then its reads by return.</summary>
    private static List<int> Witness(OpTable table, IEnumerable<Cluster> clusters)
    {
        var sorted = clusters.ToArray();
        Array.Sort(sorted.Select(c => c.Anchor).ToArray(), sorted);
        var order = new List<int>(sorted.Length * 2);
        foreach (var c in sorted)
        {
            if (c.Write >= 0) order.Add(c.Write);
            if (c.Reads.Count > 1) c.Reads.Sort((a, b) => table.Return[a].CompareTo(table.Return[b]));
            order.AddRange(c.Reads);
        }
        return order;
    }

    /// <summary>
    /// How long a prefix of <paramref name="order"/> is a partial linearization: the reference model accepts it
    /// step by step, and at each step every op that returned before the latest call so far is already placed
    /// (so the order respects real time and nothing that had to come first is missing).
    /// </summary>
    private static (int Length, IReadOnlyList<RefState> States) Replay(ReferenceModel model, OpTable table, int[] ops,
        IReadOnlyList<RefState> initial, List<int> order)
    {
        // Partition ops are table indexes in ascending order: a binary search gives each a local slot.
        var byReturn = ops.Where(i => !table.Indeterminate(i)).ToArray();
        var returns = byReturn.Select(i => table.Return[i]).ToArray();
        Array.Sort(returns, byReturn);
        var placed = new bool[ops.Length];
        var pointer = 0;
        var maxCall = long.MinValue;
        IReadOnlyList<RefState> states = initial;
        var next = new List<RefState>();
        var step = new StepContext(null, next);
        for (var k = 0; k < order.Count; k++)
        {
            var i = order[k];
            next.Clear();
            step.For(table.Ops[i].Result);
            foreach (var s in states) model.Step(s, table.Ops[i].Op, step);
            if (next.Count == 0) return (k, states);
            placed[Array.BinarySearch(ops, i)] = true;
            maxCall = Math.Max(maxCall, table.Call[i]);
            while (pointer < byReturn.Length && placed[Array.BinarySearch(ops, byReturn[pointer])]) pointer++;
            if (pointer < byReturn.Length && returns[pointer] < maxCall) return (k, states);
            // One successor that is the state itself (most reads) keeps the list as it is.
            if (next.Count != 1 || states.Count != 1 || !ReferenceEquals(next[0], states[0]))
                states = next.Count == 1 ? [next[0]] : StateSet.Distinct(next.ToArray());
        }
        return (order.Count, states);
    }

    private static int Latest(OpTable table, Cluster c) =>
        c.Reads.Append(c.Write).Where(i => i >= 0).MaxBy(i => table.Call[i]);

    private static string Describe(OpTable table, int i)
    {
        var r = table.Ops[i];
        return r.Op.Kind == OpKind.Write ? $"write #{r.Id} of {r.Op.Value}" : $"read #{r.Id}";
    }

    private static string Name(OpTable table, Cluster c) => c.Write < 0
        ? $"the reads of the initial value ({c.Reads.Count})"
        : $"{Describe(table, c.Write)} with its {c.Reads.Count} read(s)";
}
