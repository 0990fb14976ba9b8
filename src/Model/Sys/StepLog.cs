using System.Collections;
using System.Runtime.InteropServices;

namespace Hmm.Spec.Model;

/// <summary>
/// The world's step log. Appending stores the step's facts (details unformatted, see <see cref="StepDetail"/>);
/// reading a step formats its detail once and keeps the text. It also tracks where the trailing run of steps by
/// one actor began, so "did anyone else step since" is answered without scanning.
/// </summary>
internal sealed class StepLog : IReadOnlyList<StepRecord>
{
    private readonly List<Entry> _entries = [];
    private int _runStart;

    private record struct Entry(string Actor, string Function, StepKind Kind, string Resource, StepDetail Detail);

    public int Count => _entries.Count;

    /// <summary>Appends a step; returns its sequence number.</summary>
    public int Add(string actor, string function, StepKind kind, string resource, StepDetail detail)
    {
        var seq = _entries.Count;
        if (seq > 0 && !string.Equals(_entries[seq - 1].Actor, actor, StringComparison.Ordinal))
            _runStart = seq;
        _entries.Add(new Entry(actor, function, kind, resource, detail));
        return seq;
    }

    /// <summary>Whether an actor other than <paramref name="actor"/> recorded a step at or after <paramref name="mark"/>.</summary>
    public bool OthersSince(int mark, string actor)
    {
        var n = _entries.Count;
        if (mark >= n)
            return false;
        // The last step is someone else's, or the trailing run of the actor's own steps began after the mark
        // (so the step just before that run, by someone else, is at or after the mark).
        return !string.Equals(_entries[n - 1].Actor, actor, StringComparison.Ordinal) || _runStart > mark;
    }

    public StepRecord this[int index]
    {
        get
        {
            ref var e = ref CollectionsMarshal.AsSpan(_entries)[index];
            var detail = e.Detail.Format();
            e.Detail = StepDetail.Text(detail);
            return new StepRecord(index, e.Actor, e.Function, e.Kind, e.Resource, detail);
        }
    }

    public IEnumerator<StepRecord> GetEnumerator()
    {
        for (var i = 0; i < _entries.Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
