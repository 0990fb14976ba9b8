using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// The well-formedness rules of a history (docs/history-format.md): every completion follows its own
/// invocation on the same process; a process has at most one pending invocation; a process whose op ended
/// in <c>info</c> (crashed, indeterminate) never invokes again; ids are unique. Used incrementally by the
/// reader (so errors name the line) and by the checker on in-memory histories.
/// </summary>
public sealed class HistoryValidator
{
    private readonly Dictionary<int, (int Id, OpKind Kind)> _pendingByProcess = new();   // process -> pending id and its op
    // id -> process, for every invocation seen; the process's complement (negative) once the id has completed.
    private readonly Dictionary<int, int> _processById;
    private readonly HashSet<int> _crashed = new();

    /// <param name="expectedEvents">About how many events will come (the tables are sized once, not regrown).</param>
    public HistoryValidator(int expectedEvents = 0)
    {
        _processById = new Dictionary<int, int>(expectedEvents / 2);
    }

    /// <summary>Checks one event in order; returns the problem, or null when the event is acceptable.</summary>
    public string? Accept(HistoryEvent e)
    {
        if (e.Type == EventType.Invoke)
        {
            if (e.Op is null) return "an invocation needs \"op\"";
            if (OpShape.Problem(e.Op) is { } shape) return shape;
            if (e.Result is not null) return "an invocation must not carry \"result\"";
            if (_processById.ContainsKey(e.Id)) return $"duplicate id {e.Id}";
            if (_crashed.Contains(e.Process))
                return $"process {e.Process} invokes again after an \"info\" completion (a crashed process never returns)";
            if (_pendingByProcess.TryGetValue(e.Process, out var pending))
                return $"process {e.Process} invokes id {e.Id} while id {pending.Id} is still pending";
            _processById[e.Id] = e.Process;
            _pendingByProcess[e.Process] = (e.Id, e.Op.Kind);
            return null;
        }

        if (e.Op is not null) return $"a completion must not carry \"op\"";
        if (e.Type == EventType.Ok && e.Result is null) return "an \"ok\" completion needs \"result\"";
        if (!_processById.TryGetValue(e.Id, out var process))
            return $"completion of id {e.Id}, which was never invoked";
        if (process < 0) return $"second completion of id {e.Id}";
        if (process != e.Process)
            return $"completion of id {e.Id} on process {e.Process}, but it was invoked on process {process}";
        // The id is invoked, not completed and on this process: it is the process's pending op.
        var kind = _pendingByProcess[e.Process].Kind;
        if (e.Result is { } result)
        {
            if (ResultShape.Problem(kind, result) is { } shape) return shape;
            if (e.Type != EventType.Ok) NoteIgnoredResult(e);
        }
        _processById[e.Id] = ~process;
        _pendingByProcess.Remove(e.Process);
        if (e.Type == EventType.Info) _crashed.Add(e.Process);
        return null;
    }

    /// <summary>How many fail/info completions carried a result (which the checker ignores), and the first one's id.</summary>
    public int IgnoredResults { get; private set; }
    public int FirstIgnoredResultId { get; private set; } = -1;

    private void NoteIgnoredResult(HistoryEvent e)
    {
        if (IgnoredResults++ == 0) FirstIgnoredResultId = e.Id;
    }

    /// <summary>
    /// The warning for <see cref="IgnoredResults"/>, or null. A result on a fail or info completion has a
    /// documented meaning (information for people; the checker ignores it), but it is often a producer's
    /// mistake: an op that returned an errno took effect as far as the caller can tell and is an "ok" completion.
    /// </summary>
    public string? IgnoredResultsWarning => IgnoredResults == 0 ? null :
        $"warning: {IgnoredResults} fail/info completion(s) carry a result, which the checker ignores (first: id {FirstIgnoredResultId}); " +
        "an op that returned an error is an \"ok\" completion with {\"error\": ...}";

    /// <summary>Validates a whole event list; throws <see cref="InputError"/> naming the event index.</summary>
    public static void Validate(IReadOnlyList<HistoryEvent> events)
    {
        var v = new HistoryValidator();
        for (var i = 0; i < events.Count; i++)
        {
            var problem = v.Accept(events[i]);
            if (problem is not null) throw new InputError($"event {i}", problem);
        }
    }
}
