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
    // Per process (by a slot given on its first event): whether an op is pending, its id and kind, and whether it
    // crashed. Plain arrays and one Dictionary<int, int> (precompiled in the framework) rather than tables keyed
    // by tuples of this assembly's types, which only the JIT can compile (docs/performance.md, "Oracle").
    private readonly Dictionary<int, int> _slotOfProcess = new();
    private bool[] _pending = new bool[8];
    private int[] _pendingId = new int[8];
    private OpKind[] _pendingKind = new OpKind[8];
    private bool[] _crashed = new bool[8];
    // With a table builder (the reader's): per process slot, the table slot of its pending op; and the position of
    // the next event.
    private int[] _pendingTableSlot = new int[8];
    private int _position;
    // id -> process, for every invocation seen; the process's complement (negative) once the id has completed. Ids
    // below the expected event count (a reader's, whose ids usually count up from 0) are looked up in arrays by id;
    // any other id in a dictionary.
    private readonly int[] _processOfId;
    private readonly bool[] _idSeen;
    private readonly Dictionary<int, int> _processById;

    /// <param name="expectedEvents">About how many events will come (the tables are sized once, not regrown).</param>
    public HistoryValidator(int expectedEvents = 0)
    {
        _processOfId = new int[Math.Max(0, expectedEvents)];
        _idSeen = new bool[_processOfId.Length];
        _processById = new Dictionary<int, int>();
    }

    private bool TryGetProcess(int id, out int process)
    {
        if ((uint)id < (uint)_idSeen.Length)
        {
            process = _processOfId[id];
            return _idSeen[id];
        }
        return _processById.TryGetValue(id, out process);
    }

    private void SetProcess(int id, int process)
    {
        if ((uint)id < (uint)_idSeen.Length)
        {
            _processOfId[id] = process;
            _idSeen[id] = true;
        }
        else _processById[id] = process;
    }

    /// <summary>
    /// When set, every accepted event is recorded in it too, so a reader gets the checker's op table in the same
    /// pass as validation (the table needs exactly what this pairs up: which invocation a completion completes).
    /// </summary>
    internal Checking.OpTable.Builder? Table { get; init; }

    /// <summary>The number of distinct processes among the accepted events.</summary>
    internal int Processes => _slotOfProcess.Count;

    /// <summary>Checks one event in order; returns the problem, or null when the event is acceptable.</summary>
    public string? Accept(HistoryEvent e)
    {
        if (e.Type == EventType.Invoke)
        {
            if (e.Op is null) return "an invocation needs \"op\"";
            if (OpShape.Problem(e.Op) is { } shape) return shape;
            if (e.Result is not null) return "an invocation must not carry \"result\"";
            if (TryGetProcess(e.Id, out _)) return $"duplicate id {e.Id}";
            var slot = SlotOf(e.Process);
            if (_crashed[slot])
                return $"process {e.Process} invokes again after an \"info\" completion (a crashed process never returns)";
            if (_pending[slot])
                return $"process {e.Process} invokes id {e.Id} while id {_pendingId[slot]} is still pending";
            SetProcess(e.Id, e.Process);
            _pending[slot] = true;
            _pendingId[slot] = e.Id;
            _pendingKind[slot] = e.Op.Kind;
            if (Table is { } table) _pendingTableSlot[slot] = table.Invoke(_position);
            _position++;
            return null;
        }

        if (e.Op is not null) return $"a completion must not carry \"op\"";
        if (e.Type == EventType.Ok && e.Result is null) return "an \"ok\" completion needs \"result\"";
        if (!TryGetProcess(e.Id, out var process))
            return $"completion of id {e.Id}, which was never invoked";
        if (process < 0) return $"second completion of id {e.Id}";
        if (process != e.Process)
            return $"completion of id {e.Id} on process {e.Process}, but it was invoked on process {process}";
        // The id is invoked, not completed and on this process: it is the process's pending op.
        var at = _slotOfProcess[e.Process];
        var kind = _pendingKind[at];
        if (e.Result is { } result)
        {
            if (ResultShape.Problem(kind, result) is { } shape) return shape;
            if (e.Type != EventType.Ok) NoteIgnoredResult(e);
        }
        SetProcess(e.Id, ~process);
        _pending[at] = false;
        if (e.Type == EventType.Info) _crashed[at] = true;
        Table?.Complete(_pendingTableSlot[at], _position, e.Type, e.Result);
        _position++;
        return null;
    }

    /// <summary>The slot of <paramref name="process"/>, given on its first event (nothing pending, not crashed).</summary>
    private int SlotOf(int process)
    {
        if (_slotOfProcess.TryGetValue(process, out var slot)) return slot;
        slot = _slotOfProcess.Count;
        if (slot == _pendingId.Length)
        {
            Array.Resize(ref _pending, slot * 2);
            Array.Resize(ref _pendingId, slot * 2);
            Array.Resize(ref _pendingKind, slot * 2);
            Array.Resize(ref _crashed, slot * 2);
            Array.Resize(ref _pendingTableSlot, slot * 2);
        }
        _slotOfProcess[process] = slot;
        return slot;
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
