using System.Collections;

namespace Hmm.Spec.Model;

/// <summary>
/// The world's step log. Appending stores the step's facts (details unformatted, see <see cref="StepDetail"/>);
/// reading a step formats its detail once and keeps the text. It also tracks where the trailing run of steps by
/// one actor began, so "did anyone else step since" is answered without scanning.
/// Every member takes a plain monitor: under Coyote one task runs at a time, so it is never contended and never held
/// across a scheduling point; in a stress run (real threads, <c>StressRunner</c>) appends from several actors at
/// once would otherwise tear entries and lose steps. The type is not rewritten, so the monitor stays the runtime's
/// (Model.Tests <c>RewritingSkipTests</c> allows exactly this use).
/// </summary>
[Microsoft.Coyote.Rewriting.SkipRewriting(NotRewritten.Reason)]
internal sealed class StepLog : IReadOnlyList<StepRecord>
{
    /// <summary>Steps per chunk: chunks are never copied when the log grows (a list would copy on every doubling).</summary>
    private const int ChunkSize = 256;

    private readonly object _gate = new();
    private readonly List<Entry[]> _chunks = [];
    private int _count;
    private long _bytes;
    private long _dropped;

    /// <summary>What one entry costs in the log besides its detail's text: the struct in its chunk (references, kind, detail fields).</summary>
    internal const int EntryBytes = 64;
    private int _runStart;
    private string? _lastActor;

    /// <summary>One logged step: its facts, the detail possibly still unformatted.</summary>
    internal struct Entry(string actor, string function, StepKind kind, string resource, StepDetail detail)
    {
        public string Actor = actor, Function = function, Resource = resource;
        public StepKind Kind = kind;
        public StepDetail Detail = detail;
    }

    public int Count
    {
        get
        {
            lock (_gate)
                return _count;
        }
    }

    /// <summary>Appends a step.</summary>
    public void Append(Entry entry)
    {
        lock (_gate)
        {
            var seq = _count;
            if (seq % ChunkSize == 0)
                _chunks.Add(new Entry[ChunkSize]);
            if (seq > 0 && !string.Equals(_lastActor, entry.Actor, StringComparison.Ordinal))
                _runStart = seq;
            _lastActor = entry.Actor;
            _chunks[seq / ChunkSize][seq % ChunkSize] = entry;
            _count++;
            _bytes += EntryBytes + 2L * entry.Detail.TextLength;
        }
    }

    /// <summary>
    /// Estimated bytes the log holds: <see cref="EntryBytes"/> per entry plus the UTF-16 text of details recorded
    /// as text (a deferred detail holds a few numbers and a shared formatter; its text is made only when read).
    /// </summary>
    public long ApproxBytes
    {
        get
        {
            lock (_gate)
                return _bytes;
        }
    }

    /// <summary>Counts a step that was not logged (the run passed its bound, <c>KernelWorld.Bound</c>).</summary>
    public void Drop()
    {
        lock (_gate)
            _dropped++;
    }

    /// <summary>Steps not logged because the run passed its bound.</summary>
    public long Dropped
    {
        get
        {
            lock (_gate)
                return _dropped;
        }
    }

    /// <summary>Whether an actor other than <paramref name="actor"/> recorded a step at or after <paramref name="mark"/>.</summary>
    public bool OthersSince(int mark, string actor)
    {
        lock (_gate)
        {
            if (mark >= _count)
                return false;
            // The last step is someone else's, or the trailing run of the actor's own steps began after the mark
            // (so the step just before that run, by someone else, is at or after the mark).
            return !string.Equals(_lastActor, actor, StringComparison.Ordinal) || _runStart > mark;
        }
    }

    public StepRecord this[int index]
    {
        get
        {
            lock (_gate)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
                ref var e = ref _chunks[index / ChunkSize][index % ChunkSize];
                var detail = e.Detail.Format();
                var value = e.Detail.Value;
                // Keep the text for the next reader; a value detail keeps its value (formatting it again is cheap).
                if (value is null)
                    e.Detail = new StepDetail(detail);
                return new StepRecord(index, e.Actor, e.Function, e.Kind, e.Resource, detail) { Value = value };
            }
        }
    }

    public IEnumerator<StepRecord> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
