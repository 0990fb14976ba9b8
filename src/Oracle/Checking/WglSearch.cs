using System.Diagnostics;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Checking;

/// <summary>
/// Wing &amp; Gong's linearizability search with Lowe's memoization, over one partition:
/// a doubly linked list of call/return entries in real-time order (held in index arrays: entry 2k is op k's
/// call, 2k+1 its return, <see cref="Head"/> the list's head); at each step the earliest pending calls
/// are tried in order, a linearized op's entries are lifted out of the list, and reaching a return entry means
/// backtracking. The memo cache holds (linearized set, state set) pairs already explored. Explicit stack, no
/// recursion. Indeterminate ops have their return at the end of time and may be left out altogether.
/// </summary>
internal sealed class WglSearch
{
    /// <summary>A linearization, as an immutable list (cheap snapshots of the deepest point reached).</summary>
    private sealed record Cons(int Op, Cons? Prev);

    /// <summary>The memo key: linearized set in compact form (all determinate ops below Low, plus extras) and the state set.</summary>
    private readonly struct MemoKey(int low, int[] extras, StateSet state) : IEquatable<MemoKey>
    {
        private readonly int _hash = Hash(low, extras, state);

        public bool Equals(MemoKey o) =>
            o._hash == _hash && o.Low == Low && o.Extras.AsSpan().SequenceEqual(Extras) && o.State.Equals(State);

        public override bool Equals(object? obj) => obj is MemoKey k && Equals(k);
        public override int GetHashCode() => _hash;

        public int Low { get; } = low;
        public int[] Extras { get; } = extras;
        public StateSet State { get; } = state;

        private static int Hash(int low, int[] extras, StateSet state)
        {
            var h = new HashCode();
            h.Add(low);
            foreach (var e in extras) h.Add(e);
            h.Add(state.GetHashCode());
            return h.ToHashCode();
        }
    }

    /// <summary>
    /// The memo cache: a set of <see cref="MemoKey"/> (chained hashing in arrays). Written out here rather than
    /// <c>HashSet&lt;MemoKey&gt;</c>: a framework collection over a struct of this assembly cannot be precompiled
    /// with it (ReadyToRun stays inside its version bubble), so it ran as unoptimized first-tier JIT code through
    /// most of a short check (docs/performance.md, "Oracle").
    /// </summary>
    private sealed class Memo
    {
        private int[] _buckets;   // per bucket, 1 + the index of its first entry (0: empty)
        private MemoKey[] _keys;
        private int[] _next;      // per entry, the next entry of its bucket or -1
        private int _count;

        public Memo(int capacity)
        {
            var size = 4;
            while (size < capacity && size < 1 << 30) size <<= 1;
            _buckets = new int[size];
            _keys = new MemoKey[size];
            _next = new int[size];
        }

        /// <summary>Adds <paramref name="key"/>; false if an equal key is there already.</summary>
        public bool Add(in MemoKey key)
        {
            var hash = key.GetHashCode();
            for (var i = _buckets[hash & (_buckets.Length - 1)] - 1; i >= 0; i = _next[i])
            {
                if (_keys[i].Equals(key)) return false;
            }
            if (_count == _keys.Length) Grow();
            ref var bucket = ref _buckets[hash & (_buckets.Length - 1)];
            _keys[_count] = key;
            _next[_count] = bucket - 1;
            bucket = ++_count;
            return true;
        }

        private void Grow()
        {
            var size = _keys.Length * 2;
            Array.Resize(ref _keys, size);
            _next = new int[size];
            _buckets = new int[size];
            for (var i = 0; i < _count; i++)
            {
                ref var bucket = ref _buckets[_keys[i].GetHashCode() & (size - 1)];
                _next[i] = bucket - 1;
                bucket = i + 1;
            }
        }
    }

    /// <summary>The search's explicit stack: per linearized op, its call entry, and the state and path before it.</summary>
    private sealed class Trail
    {
        private int[] _calls = new int[64];
        private StateSet[] _states = new StateSet[64];
        private Cons?[] _paths = new Cons?[64];

        public int Count { get; private set; }

        public void Push(int call, StateSet state, Cons? path)
        {
            if (Count == _calls.Length)
            {
                Array.Resize(ref _calls, Count * 2);
                Array.Resize(ref _states, Count * 2);
                Array.Resize(ref _paths, Count * 2);
            }
            _calls[Count] = call;
            _states[Count] = state;
            _paths[Count] = path;
            Count++;
        }

        public int Pop(out StateSet state, out Cons? path)
        {
            Count--;
            state = _states[Count];
            path = _paths[Count];
            _states[Count] = null!;
            _paths[Count] = null;
            return _calls[Count];
        }
    }

    public enum Outcome { Linearizable, NotLinearizable, OutOfBudget }

    /// <summary>The search looks at its budget once every this many steps (a power of two).</summary>
    public const int BudgetCheckInterval = 1024;

    private readonly ReferenceModel _model;
    private readonly OpRecord[] _ops;       // determinate ops first (by call), then indeterminate ones
    private readonly int _determinate;
    private readonly int[] _next, _prev;   // per entry, plus the head at the end; End marks the list's end
    private int Head => _next.Length - 1;
    private const int End = -1;
    private readonly ulong[] _bits;
    private int _low, _linearizedDeterminate;

    public long StatesExplored { get; private set; }
    public IReadOnlyList<OpRecord> Ops => _ops;

    // The deepest point reached: the linearization there, the state, and the op whose return blocked it.
    private int _bestDepth = -1;
    private Cons? _bestPath;
    private StateSet? _bestState;
    private int _bestBlocked = -1;

    public WglSearch(ReferenceModel model, OpTable table, int[] partition)
    {
        _model = model;
        // Partition ops are table indexes, and the table is in call order: sorting the indexes orders by call.
        var sorted = (int[])partition.Clone();
        Array.Sort(sorted);
        var order = new int[sorted.Length];
        var n = 0;
        foreach (var i in sorted)
        {
            if (!table.Indeterminate(i)) order[n++] = i;
        }
        _determinate = n;
        foreach (var i in sorted)
        {
            if (table.Indeterminate(i)) order[n++] = i;
        }
        _ops = new OpRecord[order.Length];
        for (var k = 0; k < order.Length; k++) _ops[k] = table.Ops[order[k]];
        _bits = new ulong[(order.Length + 63) / 64];

        // Entries in real-time order: calls and determinate returns by event position (all distinct), then the
        // indeterminate returns after everything, in call order.
        _next = new int[order.Length * 2 + 1];
        _prev = new int[order.Length * 2 + 1];
        var keys = new long[_determinate * 2 + (order.Length - _determinate)];   // event position << 32 | entry
        var filled = 0;
        for (var k = 0; k < order.Length; k++)
        {
            var i = order[k];
            keys[filled++] = table.Call[i] << 32 | (uint)(2 * k);
            if (k < _determinate) keys[filled++] = table.Return[i] << 32 | (uint)(2 * k + 1);
        }
        LongSort.Sort(keys);
        var prev = Head;
        foreach (var entryKey in keys) prev = Append(prev, (int)(entryKey & uint.MaxValue));
        for (var k = _determinate; k < order.Length; k++) prev = Append(prev, 2 * k + 1);
        _next[prev] = End;
    }

    private int Append(int prev, int e)
    {
        _next[prev] = e;
        _prev[e] = prev;
        return e;
    }

    public Outcome Run(IReadOnlyList<RefState> initial, SearchBudget budget, CancellationToken cancel)
    {
        // About one memo entry per op when ops overlap little (the common case); the table grows past it when they do.
        var cache = new Memo((int)Math.Min(_ops.Length, budget.MaxStates));
        var stack = new Trail();
        var state = new StateSet(initial);
        Cons? path = null;
        var entry = _next[Head];
        var successors = new List<RefState>();
        var step = new StepContext(null, successors);
        var iterations = 0;

        while (entry != End)
        {
            if ((++iterations & (BudgetCheckInterval - 1)) == 0 && budget.Exhausted(cancel))
            {
                NoteDepth(stack.Count, path, state, FirstReturn());
                return Outcome.OutOfBudget;
            }
            var opIndex = entry >> 1;
            var op = _ops[opIndex];
            if ((entry & 1) == 0)
            {
                successors.Clear();
                step.For(op.Result);
                foreach (var s in state.States) _model.Step(s, op.Op, step);
                if (successors.Count > 0)
                {
                    // A step that left the only state as it was (most reads) keeps the set it had.
                    var next = successors.Count == 1 && state.Count == 1 && ReferenceEquals(successors[0], state.States[0])
                        ? state
                        : new StateSet(successors);
                    Set(opIndex, true);
                    var extras = Extras();
                    if (cache.Add(new MemoKey(_low, extras, next)))
                    {
                        StatesExplored++;
                        budget.Spend(SearchBudget.EntryBytes(extras.Length, ReferenceEquals(next, state) ? null : next));
                        stack.Push(entry, state, path);
                        state = next;
                        path = new Cons(opIndex, path);
                        Lift(entry);
                        entry = _next[Head];
                        continue;
                    }
                    Set(opIndex, false);
                }
                entry = _next[entry];
                continue;
            }

            // A return entry: its op was not linearized before it returned.
            if (opIndex >= _determinate) return Outcome.Linearizable;  // only indeterminate ops remain
            NoteDepth(stack.Count, path, state, opIndex);
            if (stack.Count == 0) return Outcome.NotLinearizable;
            var call = stack.Pop(out var previous, out var previousPath);
            Set(call >> 1, false);
            state = previous;
            path = previousPath;
            Unlift(call);
            entry = _next[call];
        }
        return Outcome.Linearizable;
    }

    private void NoteDepth(int depth, Cons? path, StateSet state, int blocked)
    {
        if (depth <= _bestDepth) return;
        _bestDepth = depth;
        _bestPath = path;
        _bestState = state;
        _bestBlocked = blocked;
    }

    /// <summary>The op of the earliest return entry still in the list (the next deadline), or -1.</summary>
    private int FirstReturn()
    {
        for (var e = _next[Head]; e != End; e = _next[e])
        {
            if ((e & 1) == 1) return e >> 1 < _determinate ? e >> 1 : -1;
        }
        return -1;
    }

    /// <summary>
    /// The deepest point reached: the partial linearization there, the op whose return blocked it (null if
    /// none), and the model's reason for refusing that op there.
    /// </summary>
    public PartialLinearization Evidence()
    {
        var longest = new List<OpRecord>();
        for (var c = _bestPath; c is not null; c = c.Prev) longest.Add(_ops[c.Op]);
        longest.Reverse();
        if (_bestBlocked < 0 || _bestState is null) return new PartialLinearization(longest, null, null);
        var blocked = _ops[_bestBlocked];
        return new PartialLinearization(longest, blocked, _model.Explain(_bestState.States, blocked.Op, blocked.Result))
        {
            After = (_model, _bestState.States),
        };
    }

    private void Set(int op, bool on)
    {
        if (on) _bits[op >> 6] |= 1UL << op;
        else _bits[op >> 6] &= ~(1UL << op);
        if (op >= _determinate) return;
        if (on)
        {
            _linearizedDeterminate++;
            while (_low < _determinate && (_bits[_low >> 6] & (1UL << _low)) != 0) _low++;
        }
        else
        {
            _linearizedDeterminate--;
            if (op < _low) _low = op;
        }
    }

    /// <summary>Linearized ops not covered by the prefix [0, low): determinate ones above low, and indeterminate ones.</summary>
    private int[] Extras()
    {
        var wanted = _linearizedDeterminate - _low;
        var indeterminate = 0;
        for (var i = _determinate; i < _ops.Length; i++)
        {
            if ((_bits[i >> 6] & (1UL << i)) != 0) indeterminate++;
        }
        if (wanted + indeterminate == 0) return [];
        var extras = new int[wanted + indeterminate];
        var n = 0;
        for (var i = _low + 1; n < wanted && i < _determinate; i++)
        {
            if ((_bits[i >> 6] & (1UL << i)) != 0) extras[n++] = i;
        }
        for (var i = _determinate; i < _ops.Length; i++)
        {
            if ((_bits[i >> 6] & (1UL << i)) != 0) extras[n++] = i;
        }
        return extras;
    }

    /// <summary>Takes a call entry and its return out of the list (their own links are kept for <see cref="Unlift"/>).</summary>
    private void Lift(int call)
    {
        _next[_prev[call]] = _next[call];
        _prev[_next[call]] = _prev[call];   // a call is never last: its return follows it
        var ret = call + 1;
        _next[_prev[ret]] = _next[ret];
        if (_next[ret] != End) _prev[_next[ret]] = _prev[ret];
    }

    private void Unlift(int call)
    {
        var ret = call + 1;
        _next[_prev[ret]] = ret;
        if (_next[ret] != End) _prev[_next[ret]] = ret;
        _next[_prev[call]] = call;
        _prev[_next[call]] = call;
    }
}
