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
        // A completion belongs to the pending invocation of its process with its id (a process has at most one
        // pending op: HistoryValidator).
        var n = 0;
        for (var pos = 0; pos < events.Count; pos++)
        {
            if (events[pos].Type == EventType.Invoke) n++;
        }
        var builder = new Builder(n);
        var open = new Dictionary<int, int>();   // process -> slot of its pending invocation
        var processes = new HashSet<int>();
        for (var pos = 0; pos < events.Count; pos++)
        {
            var e = events[pos];
            processes.Add(e.Process);
            if (e.Type == EventType.Invoke)
            {
                open[e.Process] = builder.Invoke(pos);
                continue;
            }
            if (!open.TryGetValue(e.Process, out var k) || events[builder.InvokedAt(k)].Id != e.Id) continue;
            open.Remove(e.Process);
            builder.Complete(k, pos, e.Type, e.Result);
        }
        return builder.Build(events, processes.Count);
    }

    /// <summary>
    /// Builds a table event by event, told which invocation each completion completes: <see cref="From"/> finds
    /// that itself; <see cref="HistoryValidator"/> knows it already while it checks a history line by line, so the
    /// reader gets the table in the same pass (docs/performance.md, "Oracle").
    /// </summary>
    internal sealed class Builder
    {
        // Per invocation in event order (its slot): its event position, how it completed, and its result and return.
        // Each invocation gets the next slot, so slots are in call order without sorting; a fail completion empties
        // its slot, and the empty slots are squeezed out at the end.
        private int[] _invokedAt;
        private OpResult?[] _results;
        private EventType[] _completions;
        private long[] _call, _ret;
        private int _n, _failed;

        /// <param name="capacity">About how many invocations will come (the arrays grow past it).</param>
        public Builder(int capacity)
        {
            capacity = Math.Max(capacity, 4);
            _invokedAt = new int[capacity];
            _results = new OpResult?[capacity];
            _completions = new EventType[capacity];
            _call = new long[capacity];
            _ret = new long[capacity];
        }

        /// <summary>The invocation at event position <paramref name="pos"/>; returns its slot.</summary>
        public int Invoke(int pos)
        {
            if (_n == _call.Length)
            {
                var size = _n * 2;
                Array.Resize(ref _invokedAt, size);
                Array.Resize(ref _results, size);
                Array.Resize(ref _completions, size);
                Array.Resize(ref _call, size);
                Array.Resize(ref _ret, size);
            }
            _invokedAt[_n] = pos;
            _call[_n] = pos;
            _completions[_n] = EventType.Info;   // until a completion says otherwise: pending forever
            _ret[_n] = Forever;
            return _n++;
        }

        /// <summary>The event position of the invocation in <paramref name="slot"/>.</summary>
        public int InvokedAt(int slot) => _invokedAt[slot];

        /// <summary>The completion at <paramref name="pos"/> of the invocation in <paramref name="slot"/>.</summary>
        public void Complete(int slot, int pos, EventType type, OpResult? result)
        {
            _completions[slot] = type;
            switch (type)
            {
                case EventType.Ok:
                    _results[slot] = result;
                    _ret[slot] = pos;
                    break;
                case EventType.Fail:
                    _failed++;
                    break;
            }
        }

        /// <summary>The table: fail completions' ops dropped (the slots are in call order, so no sorting).</summary>
        public OpTable Build(IReadOnlyList<HistoryEvent> events, int processes)
        {
            var n = _n;
            var ops = new OpRecord[n - _failed];
            var call = _call;
            var ret = _ret;
            var kept = 0;
            for (var k = 0; k < n; k++)
            {
                if (_completions[k] == EventType.Fail) continue;
                var inv = events[_invokedAt[k]];
                ops[kept] = new OpRecord(inv.Id, inv.Process, inv.Op!, _results[k], _completions[k]);
                call[kept] = call[k];
                ret[kept] = ret[k];
                kept++;
            }
            return new OpTable
            {
                Ops = ops,
                Call = kept == call.Length ? call : call[..kept],
                Return = kept == ret.Length ? ret : ret[..kept],
                Processes = processes,
            };
        }
    }
}
