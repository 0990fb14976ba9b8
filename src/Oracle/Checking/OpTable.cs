using Hmm.Spec.Oracle.History;

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
        var open = new Dictionary<int, (int Pos, HistoryEvent Invoke)>();
        var records = new List<(OpRecord Rec, long Call, long Ret)>();
        var processes = new HashSet<int>();
        for (var pos = 0; pos < events.Count; pos++)
        {
            var e = events[pos];
            processes.Add(e.Process);
            if (e.Type == EventType.Invoke)
            {
                open[e.Id] = (pos, e);
                continue;
            }
            if (!open.Remove(e.Id, out var inv)) continue;
            switch (e.Type)
            {
                case EventType.Ok:
                    records.Add((new OpRecord(e.Id, e.Process, inv.Invoke.Op!, e.Result, EventType.Ok), inv.Pos, pos));
                    break;
                case EventType.Info:
                    records.Add((new OpRecord(e.Id, e.Process, inv.Invoke.Op!, null, EventType.Info), inv.Pos, Forever));
                    break;
            }
        }
        foreach (var (pos, inv) in open.Values)
            records.Add((new OpRecord(inv.Id, inv.Process, inv.Op!, null, EventType.Info), pos, Forever));
        records.Sort((a, b) => a.Call.CompareTo(b.Call));
        return new OpTable
        {
            Ops = records.Select(r => r.Rec).ToArray(),
            Call = records.Select(r => r.Call).ToArray(),
            Return = records.Select(r => r.Ret).ToArray(),
            Processes = processes.Count,
        };
    }
}
