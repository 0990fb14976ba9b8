using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// Records a history as it happens. Not thread-safe on purpose: under Coyote execution is serialized, so
/// the order of calls is an exact real-time order (a logical clock). A producer on real threads must
/// serialize calls itself and call <see cref="Invoke"/> / <see cref="Complete"/> inside the operation.
/// </summary>
public sealed class HistoryRecorder(HistoryHeader header)
{
    private readonly List<HistoryEvent> _events = new();
    private readonly Dictionary<int, int> _processOf = new();
    private int _nextId;

    public HistoryRecorder() : this(HistoryHeader.Empty) { }

    public HistoryHeader Header { get; } = header;
    public IReadOnlyList<HistoryEvent> Events => _events;

    /// <summary>Records an invocation by <paramref name="process"/>; returns the id to complete it with.</summary>
    public int Invoke(int process, Op op)
    {
        var id = _nextId++;
        _processOf[id] = process;
        _events.Add(new HistoryEvent(EventType.Invoke, process, id, op, null));
        return id;
    }

    /// <summary>Records the completion of <paramref name="id"/>.</summary>
    public void Complete(int id, EventType type, OpResult? result)
    {
        if (type == EventType.Invoke) throw new ArgumentException("a completion cannot be an invocation", nameof(type));
        if (!_processOf.Remove(id, out var process))
            throw new InvalidOperationException($"id {id} is not pending");
        _events.Add(new HistoryEvent(type, process, id, null, result));
    }

    /// <summary>Shorthand for an <see cref="EventType.Ok"/> completion.</summary>
    public void Ok(int id, OpResult result) => Complete(id, EventType.Ok, result);

    /// <summary>A snapshot of what was recorded so far (pending invocations stay pending).</summary>
    public History ToHistory() => new(Header, _events.ToArray());
}
