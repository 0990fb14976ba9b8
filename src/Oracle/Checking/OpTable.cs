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
        // empties its slot, and the empty slots are squeezed out at the end. A completion belongs to the pending
        // invocation of its process with its id (a process has at most one pending op: HistoryValidator).
        var n = 0;
        for (var pos = 0; pos < events.Count; pos++)
        {
            if (events[pos].Type == EventType.Invoke) n++;
        }
        var invokedAt = new int[n];
        var results = new OpResult?[n];
        var completions = new EventType[n];
        var call = new long[n];
        var ret = new long[n];
        var open = new Dictionary<int, int>();   // process -> slot of its pending invocation
        var processes = new HashSet<int>();
        var slot = 0;
        var failed = 0;
        for (var pos = 0; pos < events.Count; pos++)
        {
            var e = events[pos];
            processes.Add(e.Process);
            if (e.Type == EventType.Invoke)
            {
                open[e.Process] = slot;
                invokedAt[slot] = pos;
                call[slot] = pos;
                completions[slot] = EventType.Info;
                ret[slot] = Forever;
                slot++;
                continue;
            }
            if (!open.TryGetValue(e.Process, out var k) || events[invokedAt[k]].Id != e.Id) continue;
            open.Remove(e.Process);
            completions[k] = e.Type;
            switch (e.Type)
            {
                case EventType.Ok:
                    results[k] = e.Result;
                    ret[k] = pos;
                    break;
                case EventType.Fail:
                    failed++;
                    break;
            }
        }
        var ops = new OpRecord[n - failed];
        var kept = 0;
        for (var k = 0; k < n; k++)
        {
            if (completions[k] == EventType.Fail) continue;
            var inv = events[invokedAt[k]];
            ops[kept] = new OpRecord(inv.Id, inv.Process, inv.Op!, results[k], completions[k]);
            call[kept] = call[k];
            ret[kept] = ret[k];
            kept++;
        }
        return new OpTable
        {
            Ops = ops,
            Call = failed == 0 ? call : call[..kept],
            Return = failed == 0 ? ret : ret[..kept],
            Processes = processes.Count,
        };
    }
}
