using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Checking;

/// <summary>
/// The operations of a history with their real-time intervals (event positions). <c>fail</c> completions
/// are dropped (the op certainly did not take effect); <c>info</c> and missing completions are indeterminate:
/// pending forever, result unknown.
/// </summary>
internal sealed class OpTable
{
    public const long Forever = long.MaxValue;

    public required OpRecord[] Ops { get; init; }
    public required long[] Call { get; init; }
    public required long[] Return { get; init; }
    public required int Processes { get; init; }

    public bool Indeterminate(int i) => Return[i] == Forever;

    public static OpTable From(IReadOnlyList<HistoryEvent> events)
    {
        // Each invocation gets the next slot, so slots are in call order without sorting; a fail completion
        // empties its slot, and the empty slots are squeezed out at the end.
        var open = new Dictionary<int, int>();   // id -> slot (at most one per process at a time)
        var invokes = new List<(int Pos, HistoryEvent Invoke)>(events.Count / 2 + 1);
        var results = new List<(OpResult? Result, EventType Completion, long Ret)>(events.Count / 2 + 1);
        var processes = new HashSet<int>();
        for (var pos = 0; pos < events.Count; pos++)
        {
            var e = events[pos];
            processes.Add(e.Process);
            if (e.Type == EventType.Invoke)
            {
                open[e.Id] = invokes.Count;
                invokes.Add((pos, e));
                results.Add((null, EventType.Info, Forever));
                continue;
            }
            if (!open.Remove(e.Id, out var slot)) continue;
            results[slot] = e.Type switch
            {
                EventType.Ok => (e.Result, EventType.Ok, pos),
                EventType.Info => (null, EventType.Info, Forever),
                _ => (null, EventType.Fail, -1),
            };
        }
        var ops = new List<OpRecord>(invokes.Count);
        var call = new List<long>(invokes.Count);
        var ret = new List<long>(invokes.Count);
        for (var k = 0; k < invokes.Count; k++)
        {
            var (result, completion, r) = results[k];
            if (completion == EventType.Fail) continue;
            var inv = invokes[k].Invoke;
            ops.Add(new OpRecord(inv.Id, inv.Process, inv.Op!, result, completion));
            call.Add(invokes[k].Pos);
            ret.Add(r);
        }
        return new OpTable
        {
            Ops = ops.ToArray(),
            Call = call.ToArray(),
            Return = ret.ToArray(),
            Processes = processes.Count,
        };
    }
}
