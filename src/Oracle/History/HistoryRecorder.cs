using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// Records a history as it happens. Under Coyote execution is serialized, so the order of calls is an exact
/// real-time order (a logical clock). Calls from real threads (hmm-spec stress, another implementation's
/// harness) are serialized by a plain lock — this assembly is not rewritten, so the lock adds no Coyote
/// scheduling point — and a producer must call <see cref="Invoke"/> / <see cref="Complete"/> inside the
/// operation for the file order to be a real-time order.
/// </summary>
public sealed class HistoryRecorder(HistoryHeader header)
{
    private readonly List<HistoryEvent> _events = new();
    private readonly Dictionary<int, int> _processOf = new();
    private readonly object _gate = new();
    private int _nextId;

    public HistoryRecorder() : this(HistoryHeader.Empty) { }

    public HistoryHeader Header { get; } = header;
    /// <summary>The events so far (a snapshot).</summary>
    public IReadOnlyList<HistoryEvent> Events
    {
        get
        {
            lock (_gate) return _events.ToArray();
        }
    }

    /// <summary>Records an invocation by <paramref name="process"/>; returns the id to complete it with.</summary>
    public int Invoke(int process, Op op)
    {
        lock (_gate)
        {
            var id = _nextId++;
            _processOf[id] = process;
            _events.Add(new HistoryEvent(EventType.Invoke, process, id, op, null));
            return id;
        }
    }

    /// <summary>Records the completion of <paramref name="id"/>.</summary>
    public void Complete(int id, EventType type, OpResult? result)
    {
        if (type == EventType.Invoke) throw new ArgumentException("a completion cannot be an invocation", nameof(type));
        lock (_gate)
        {
            if (!_processOf.Remove(id, out var process))
                throw new InvalidOperationException($"id {id} is not pending");
            _events.Add(new HistoryEvent(type, process, id, null, result));
        }
    }

    /// <summary>Shorthand for an <see cref="EventType.Ok"/> completion.</summary>
    public void Ok(int id, OpResult result) => Complete(id, EventType.Ok, result);

    /// <summary>A snapshot of what was recorded so far (pending invocations stay pending).</summary>
    public History ToHistory()
    {
        lock (_gate) return new(Header, _events.ToArray());
    }
}
