using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Evidence;

/// <summary>
/// The seam between the checker's result and the evidence built from it (wrong-value explanation, HTML view):
/// the deepest partial linearization the search reached, as event ids in linearization order, and the reference
/// states after it. It reads <see cref="CheckResult.LongestPartial"/>; when the checker's result carries its
/// deepest point for every verdict (a <c>CheckResult.Deepest</c>), only <see cref="Of"/> changes.
/// </summary>
public static class SearchEvidence
{
    /// <summary>Event ids of the deepest partial linearization, or empty when the result has none.</summary>
    public static IReadOnlyList<int> Of(CheckResult result) => result.LongestPartial ?? [];

    /// <summary>
    /// The reference model the checker used for <paramref name="history"/>: machine and Kconfig from the header,
    /// the same out-of-memory slack (processes plus the largest op range) and the history's truncations.
    /// </summary>
    public static ReferenceModel ModelFor(History.History history)
    {
        var ops = history.Events.Where(e => e.Op is not null).Select(e => e.Op!).ToList();
        var processes = history.Events.Select(e => e.Process).Distinct().Count();
        var maxPages = ops.Count == 0 ? 1 : Math.Max(1, ops.Max(o => o.Pages ?? 1));
        return new ReferenceModel(ModelSetting.From(history.Header, processes + maxPages)
            with { Truncations = ModelSetting.TruncationsOf(ops) });
    }

    /// <summary>
    /// The reference states after the setup and then <paramref name="ids"/> in order, each with its recorded
    /// result (unknown for indeterminate ops). Ops of other partitions are independent of these, so replaying one
    /// partition's linearization on the whole state gives that partition's states. Empty if the replay fails.
    /// </summary>
    public static IReadOnlyList<RefState> StatesAfter(History.History history, ReferenceModel model, IReadOnlyList<int> ids)
    {
        var ops = Operations.Of(history);
        IReadOnlyList<RefState> states = model.Initial(history.Header.Setup);
        foreach (var id in ids)
        {
            if (!ops.TryGetValue(id, out var o)) return [];
            var next = new List<RefState>();
            foreach (var s in states) model.Step(s, o.Op, o.Result, next);
            states = StateSet.Distinct(next);
            if (states.Count == 0) return [];
        }
        return states;
    }
}

/// <summary>One operation of a history with its real-time interval: positions (0-based) of its events.</summary>
public sealed record TimedOp(int Id, int Process, Op Op, OpResult? Result, EventType Completion, int Call, int Return)
{
    /// <summary>Whether the two intervals overlap (a pending op's interval runs to the end of the history).</summary>
    public bool Overlaps(TimedOp o) => Call < o.Return && o.Call < Return;

    public string Describe() =>
        $"#{Id} p{Process} {ReferenceModel.Describe(Op)}{(Op.Value is { } v ? $" = {v}" : "")} -> " +
        $"{(Result is null ? Completion.ToString().ToLowerInvariant() : Result.ToString())} (events {Call + 1}-{(Return == int.MaxValue ? "end" : (Return + 1).ToString())})";
}

/// <summary>The operations of a history by id (fail completions included: the reader shows them too).</summary>
public static class Operations
{
    public static Dictionary<int, TimedOp> Of(History.History history)
    {
        // The completion of each invocation first (by id; the last one counts), then one TimedOp per op, in invocation order.
        var events = history.Events;
        var completion = new Dictionary<int, int>(events.Count / 2);   // id -> position of its completion
        var invocations = 0;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Type == EventType.Invoke) invocations++;
            else completion[events[i].Id] = i;
        }
        var ops = new Dictionary<int, TimedOp>(invocations);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Type != EventType.Invoke) continue;
            ops[e.Id] = completion.TryGetValue(e.Id, out var at) && at > i && events[at] is var c
                ? new TimedOp(e.Id, e.Process, e.Op!, c.Type == EventType.Ok ? c.Result : null, c.Type, i, c.Type == EventType.Info ? int.MaxValue : at)
                : new TimedOp(e.Id, e.Process, e.Op!, null, EventType.Info, i, int.MaxValue);
        }
        return ops;
    }
}
