using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// The obviously-correct, exponential checker the differential test compares against: tries every order of
/// the ops that real time allows (an op may come next only if no unplaced op returned before it was invoked),
/// lets indeterminate ops be placed or left out, and runs the reference model on sets of states. No memo, no
/// partitions, no linked lists.
/// </summary>
internal static class BruteForceChecker
{
    private sealed record Item(Op Op, OpResult? Result, long Call, long Return, bool Indeterminate);

    public static bool IsLinearizable(History.History h)
    {
        var items = new List<Item>();
        var open = new Dictionary<int, (Op Op, long Call)>();
        for (var pos = 0; pos < h.Events.Count; pos++)
        {
            var e = h.Events[pos];
            if (e.Type == EventType.Invoke) { open[e.Id] = (e.Op!, pos); continue; }
            var (op, call) = open[e.Id];
            open.Remove(e.Id);
            if (e.Type == EventType.Ok) Add(op, e.Result, call, pos, false);
            else if (e.Type == EventType.Info) Add(op, null, call, long.MaxValue, true);
        }
        foreach (var (op, call) in open.Values) Add(op, null, call, long.MaxValue, true);

        // Ops Linux performs page by page are one item per page (the checker's rule, Checking/PageByPage).
        void Add(Op op, OpResult? result, long call, long ret, bool indeterminate)
        {
            foreach (var (o, r) in PageByPage.Split(op, result, indeterminate) ?? [(op, result)])
                items.Add(new Item(o, r, call, ret, indeterminate));
        }

        var model = new ReferenceModel(ModelSetting.From(h.Header, h.Events.Select(e => e.Process).Distinct().Count()
                                                                    + items.Select(i => i.Op.Pages ?? 1).DefaultIfEmpty(1).Max())
            with { Truncations = ModelSetting.TruncationsOf(items.Select(i => i.Op)) });
        var initial = model.Initial(h.Header.Setup);
        return Search(model, items, new bool[items.Count], initial);
    }

    private static bool Search(ReferenceModel model, List<Item> items, bool[] placed, IReadOnlyList<RefState> states)
    {
        if (Enumerable.Range(0, items.Count).All(i => placed[i] || items[i].Indeterminate)) return true;
        var deadline = Enumerable.Range(0, items.Count).Where(i => !placed[i]).Min(i => items[i].Return);
        for (var i = 0; i < items.Count; i++)
        {
            if (placed[i] || items[i].Call > deadline) continue;
            var next = new List<RefState>();
            foreach (var s in states) model.Step(s, items[i].Op, items[i].Result, next);
            if (next.Count == 0) continue;
            placed[i] = true;
            var ok = Search(model, items, placed, StateSet.Distinct(next));
            placed[i] = false;
            if (ok) return true;
        }
        return false;
    }
}
