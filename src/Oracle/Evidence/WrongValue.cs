using System.Text.RegularExpressions;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Evidence;

/// <summary>
/// For a read that returned a wrong value: which value(s) the reference expected at the deepest partial
/// linearization, which write produced each (or that it is a page's initial zero), which write produced the
/// value that was read, and which operations overlapped the read and the expected value's write in real time.
/// That is usually the whole story of a lost or stale write.
/// </summary>
public static partial class WrongValue
{
    public sealed record Report(TimedOp Read, IReadOnlyList<long> Expected, IReadOnlyList<(long Value, string Source)> Sources,
        string? ObservedSource, IReadOnlyList<TimedOp> OverlappingRead, IReadOnlyList<TimedOp> OverlappingWrite)
    {
        /// <summary>A few lines for the text report.</summary>
        public IReadOnlyList<string> Lines()
        {
            var lines = new List<string>
            {
                $"wrong value: {Read.Describe()}; the reference expected {string.Join(" or ", Expected)}",
            };
            foreach (var (value, source) in Sources) lines.Add($"  expected {value}: {source}");
            if (ObservedSource is not null) lines.Add($"  returned {Read.Result!.Value}: {ObservedSource}");
            lines.Add($"  overlapping the read: {List(OverlappingRead)}");
            if (OverlappingWrite.Count > 0) lines.Add($"  overlapping that write: {List(OverlappingWrite)}");
            return lines;
        }

        private static string List(IReadOnlyList<TimedOp> ops) =>
            ops.Count == 0 ? "nothing" : string.Join("; ", ops.Take(8).Select(o => o.Describe())) + (ops.Count > 8 ? $"; and {ops.Count - 8} more" : "");
    }

    /// <summary>The report, or null when the failing op is not a value-returning read or the reference expected no value.</summary>
    public static Report? Explain(History.History history, CheckResult result)
    {
        if (result.Verdict != Verdict.NotLinearizable || result.FirstUnlinearizable is not { } failing) return null;
        if (failing.Op.Kind is not (OpKind.Read or OpKind.DeviceRead) || failing.Result?.Value is not { } observed) return null;
        var ops = Operations.Of(history);
        if (!ops.TryGetValue(failing.Id, out var read)) return null;

        // The states the search stood in after its deepest partial linearization; replayed only when it did not keep them.
        var (model, states) = result.Deepest?.After ?? Replayed(history, result);
        var expected = ExpectedValues(model, states, read.Op);
        if (expected.Count == 0) return null;

        var writes = ops.Values.Where(o => o.Op.Kind is OpKind.Write or OpKind.DeviceWrite && o.Op.Page == read.Op.Page)
            .OrderBy(o => o.Call).ToList();
        var sources = expected.Select(v => (v, SourceOf(history, writes, read, v))).ToList();
        var producer = expected.Count == 1 ? writes.FirstOrDefault(w => w.Op.Value == expected[0] && w.Id != read.Id) : null;
        return new Report(read, expected, sources, SourceOf(history, writes, read, observed),
            Overlapping(ops, read), producer is null ? [] : Overlapping(ops, producer).Where(o => o.Id != read.Id).ToList());
    }

    private static (ReferenceModel, IReadOnlyList<RefState>) Replayed(History.History history, CheckResult result)
    {
        var model = SearchEvidence.ModelFor(history);
        return (model, SearchEvidence.StatesAfter(history, model, SearchEvidence.Of(result)));
    }

    /// <summary>The values the reference allows the read to return from any of the states (its offers, parsed).</summary>
    private static List<long> ExpectedValues(ReferenceModel model, IReadOnlyList<RefState> states, Op read)
    {
        var allowed = new List<string>();
        var sink = new List<RefState>();
        foreach (var s in states) model.Step(s, read, new StepContext(null, sink, allowed));
        return allowed.Select(a => ValueOffer().Match(a)).Where(m => m.Success)
            .Select(m => long.Parse(m.Groups[1].Value)).Distinct().Order().ToList();
    }

    [GeneratedRegex("""^\{"value":(-?\d+)\}$""")]
    private static partial Regex ValueOffer();

    /// <summary>Where a value on the read's page came from: a write of it (unique values name one), the setup, or a never-written page.</summary>
    private static string SourceOf(History.History history, List<TimedOp> writes, TimedOp read, long value)
    {
        var by = writes.Where(w => w.Op.Value == value).ToList();
        if (by.Count > 0)
            return $"written by {by[0].Describe()}{(by.Count > 1 ? $" (and {by.Count - 1} other write(s) of the same value: make written values unique to tell them apart)" : "")}";
        for (var i = 0; i < history.Header.Setup.Count; i++)
        {
            var s = history.Header.Setup[i];
            if (s.Kind is OpKind.Write or OpKind.DeviceWrite && s.Page == read.Op.Page && s.Value == value)
                return $"written by setup[{i}] {ReferenceModel.Describe(s)} = {value}";
        }
        return value == 0
            ? "the contents of a page never written (or whose contents were discarded: madvise_dontneed, munmap, exit, ftruncate)"
            : "no write in the history or its setup wrote this value to this page";
    }

    /// <summary>Ops whose intervals overlap <paramref name="op"/>'s and that can touch its page (or its whole address space).</summary>
    private static List<TimedOp> Overlapping(Dictionary<int, TimedOp> ops, TimedOp op) =>
        ops.Values.Where(o => o.Id != op.Id && o.Completion != History.EventType.Fail && o.Overlaps(op) && Touches(o.Op, op.Op.Page!.Value))
            .OrderBy(o => o.Call).ToList();

    private static bool Touches(Op o, int page) => o.Page is not { } start || (page >= start && page < start + (o.Pages ?? 1));
}
