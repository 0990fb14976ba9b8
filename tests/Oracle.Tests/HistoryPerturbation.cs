using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// The differential tests' way to make a wrong history: half the time, one completed op's result is replaced by
/// a wrong one that is still well-formed for that op (a result of another op's shape is malformed, not wrong).
/// </summary>
internal static class HistoryPerturbation
{
    public static History.History MaybePerturbOne(History.History h, Random rng, Func<OpKind, OpResult, OpResult> wrong)
    {
        if (rng.Next(2) == 0) return h;
        var events = h.Events.ToList();
        var completions = Enumerable.Range(0, events.Count).Where(i => events[i].Type == EventType.Ok).ToList();
        if (completions.Count == 0) return h;
        var at = completions[rng.Next(completions.Count)];
        var kind = events.First(e => e.Type == EventType.Invoke && e.Id == events[at].Id).Op!.Kind;
        events[at] = events[at] with { Result = wrong(kind, events[at].Result!) };
        return new History.History(h.Header, events);
    }
}
