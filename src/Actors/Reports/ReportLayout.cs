using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Reports;

/// <summary>The locks an actor holds while a step runs: page-table locks, mmap_sem (read or write), others.</summary>
internal sealed record HeldLocks(IReadOnlyList<string> Ptl, IReadOnlyList<string> MmapSemRead,
    IReadOnlyList<string> MmapSemWrite, IReadOnlyList<string> Other)
{
    public static readonly HeldLocks None = new([], [], [], []);

    public bool Any => Ptl.Count + MmapSemRead.Count + MmapSemWrite.Count + Other.Count > 0;

    public string Describe()
    {
        var parts = new List<string>();
        parts.AddRange(Ptl);
        parts.AddRange(MmapSemRead.Select(r => r + " (read)"));
        parts.AddRange(MmapSemWrite.Select(r => r + " (write)"));
        parts.AddRange(Other);
        return parts.Count == 0 ? "no locks held" : "holds " + string.Join(", ", parts);
    }
}

/// <summary>A row of the report: one step, or a fold standing for a block of steps that repeats.</summary>
internal abstract record ReportRow;

/// <summary>One step; <see cref="Held"/> is per lane (index = lane) and includes the lock a Lock/Unlock row takes
/// or drops, so an interval's shading covers its first and last step.</summary>
internal sealed record StepRow(int Index, StepRecord Step, int Lane, HeldLocks[] Held, bool Violating) : ReportRow;

/// <summary>Steps [FirstIndex, LastIndex] repeat the <see cref="Period"/> steps just above, <see cref="Times"/>
/// more times. <see cref="Held"/> is the lock state after the fold.</summary>
internal sealed record FoldRow(int FirstIndex, int LastIndex, int Period, int Times, HeldLocks[] Held,
    IReadOnlyList<StepRecord> Block) : ReportRow;

/// <summary>
/// Turns a <see cref="ReplayView"/> into what both reports draw: lanes, rows (with repeated blocks folded), the
/// locks each lane holds at each row, and which step the violation belongs to.
/// </summary>
internal sealed class ReportLayout
{
    /// <summary>Longest repeated block the layout folds: one round of the model's fault retry loop (fault,
    /// device_entry_fault, migrate_vma collect/unmap/restore, return) is about 50 steps.</summary>
    internal const int MaxFoldPeriod = 256;

    /// <summary>A block folds when it occurs at least this many times in a row.</summary>
    internal const int MinFoldRepeats = 3;

    public IReadOnlyList<string> Lanes { get; }

    private readonly Dictionary<string, int> _laneOf;

    /// <summary>Index of <paramref name="actor"/>'s lane.</summary>
    public int LaneOf(string actor) => _laneOf[actor];
    public IReadOnlyList<ReportRow> Rows { get; }

    /// <summary>Index into the view's steps of the violating step, or -1 (no violation, or none attributable).</summary>
    public int ViolatingIndex { get; }

    /// <summary>Steps per lane.</summary>
    public IReadOnlyList<int> LaneStepCounts { get; }

    private ReportLayout(IReadOnlyList<string> lanes, IReadOnlyList<ReportRow> rows, int violatingIndex,
        IReadOnlyList<int> laneStepCounts)
    {
        Lanes = lanes;
        _laneOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < lanes.Count; i++)
            _laneOf.TryAdd(lanes[i], i);
        Rows = rows;
        ViolatingIndex = violatingIndex;
        LaneStepCounts = laneStepCounts;
    }

    public static ReportLayout Build(ReplayView view, bool fold = true)
    {
        var steps = view.Steps;
        var lanes = OrderLanes(view);
        var laneOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < lanes.Count; i++)
            laneOf.TryAdd(lanes[i], i);

        var violating = FindViolatingIndex(view);
        var held = ComputeHeldLocks(steps, laneOf, lanes.Count);
        var counts = new int[lanes.Count];
        foreach (var s in steps)
            counts[laneOf[s.Actor]]++;

        var rows = new List<ReportRow>();
        var i0 = 0;
        while (i0 < steps.Count)
        {
            var (period, times) = fold ? FindRepeat(steps, i0, violating) : (0, 0);
            if (times >= MinFoldRepeats)
            {
                for (var k = 0; k < period; k++)
                    rows.Add(new StepRow(i0 + k, steps[i0 + k], laneOf[steps[i0 + k].Actor], held[i0 + k], i0 + k == violating));
                var first = i0 + period;
                var last = i0 + period * times - 1;
                rows.Add(new FoldRow(first, last, period, times - 1, held[last], steps.Skip(i0).Take(period).ToArray()));
                i0 = last + 1;
            }
            else
            {
                rows.Add(new StepRow(i0, steps[i0], laneOf[steps[i0].Actor], held[i0], i0 == violating));
                i0++;
            }
        }
        return new ReportLayout(lanes, rows, violating, counts);
    }

    /// <summary>Listed actors in the given order; an unlisted actor (setup, final...) whose first step comes before
    /// any listed actor's step goes to the left, any other to the right, each in order of first appearance.</summary>
    internal static IReadOnlyList<string> OrderLanes(ReplayView view)
    {
        var listed = view.Actors.Distinct(StringComparer.Ordinal).ToList();
        var listedSet = listed.ToHashSet(StringComparer.Ordinal);
        var left = new List<string>();
        var right = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var listedStarted = false;
        foreach (var s in view.Steps)
        {
            if (listedSet.Contains(s.Actor))
            {
                listedStarted = true;
                continue;
            }
            if (seen.Add(s.Actor))
                (listedStarted ? right : left).Add(s.Actor);
        }
        return [.. left, .. listed, .. right];
    }

    private static int FindViolatingIndex(ReplayView view)
    {
        var v = view.Violation;
        if (v is null)
            return -1;
        var steps = view.Steps;
        if (v.StepSeq is { } seq)
        {
            for (var i = 0; i < steps.Count; i++)
                if (steps[i].Seq == seq)
                    return i;
            return -1;
        }
        for (var i = steps.Count - 1; i >= 0; i--)
            if (steps[i].Actor == v.Actor && steps[i].Function == v.Function)
                return i;
        return -1;
    }

    /// <summary>The facts of a Lock or Unlock step (every one the model records carries them), else null.</summary>
    private static LockStep? LockOf(StepRecord s) => s.Value as LockStep;

    /// <summary>A Lock step that took the lock (not a <c>trylock failed</c>).</summary>
    private static bool Acquires(StepRecord s) => s.Kind == StepKind.Lock && LockOf(s) is { Acquired: true };

    /// <summary>Per step, per lane: the locks held. A Lock step's row already shows the lock, an Unlock step's row
    /// still shows it.</summary>
    private static HeldLocks[][] ComputeHeldLocks(IReadOnlyList<StepRecord> steps, Dictionary<string, int> laneOf, int laneCount)
    {
        var ptl = new List<string>[laneCount];
        var semRead = new List<string>[laneCount];
        var semWrite = new List<string>[laneCount];
        var other = new List<string>[laneCount];
        for (var l = 0; l < laneCount; l++)
        {
            ptl[l] = [];
            semRead[l] = [];
            semWrite[l] = [];
            other[l] = [];
        }

        var result = new HeldLocks[steps.Count][];
        HeldLocks[]? previous = null;
        for (var i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            var lane = laneOf[s.Actor];
            var acquires = Acquires(s);
            if (acquires)
                Target(s, lane).Add(s.Resource);
            var changed = previous is null || acquires || s.Kind == StepKind.Unlock;
            var row = changed ? Snapshot() : previous!;
            result[i] = row;
            previous = row;
            if (s.Kind == StepKind.Unlock)
            {
                // Release whichever mode the actor holds the lock in (an unlock step need not repeat the mode).
                if (!ptl[lane].Remove(s.Resource) && !semRead[lane].Remove(s.Resource)
                    && !semWrite[lane].Remove(s.Resource))
                    other[lane].Remove(s.Resource);
                previous = null;
            }
        }
        return result;

        List<string> Target(StepRecord s, int lane) => LockOf(s) switch
        {
            { Class: LockClass.PageTable } => ptl[lane],
            { Class: LockClass.MmapSem, ForWrite: true } => semWrite[lane],
            { Class: LockClass.MmapSem } => semRead[lane],
            _ => other[lane],
        };

        HeldLocks[] Snapshot()
        {
            var row = new HeldLocks[laneCount];
            for (var l = 0; l < laneCount; l++)
            {
                row[l] = ptl[l].Count + semRead[l].Count + semWrite[l].Count + other[l].Count == 0
                    ? HeldLocks.None
                    : new HeldLocks(ptl[l].ToArray(), semRead[l].ToArray(), semWrite[l].ToArray(), other[l].ToArray());
            }
            return row;
        }
    }

    /// <summary>The longest block (by steps covered) starting at <paramref name="start"/> that repeats back to back
    /// at least <see cref="MinFoldRepeats"/> times, never swallowing the violating step into the folded part.</summary>
    private static (int Period, int Times) FindRepeat(IReadOnlyList<StepRecord> steps, int start, int violating)
    {
        var best = (Period: 0, Times: 0);
        for (var p = 1; p <= MaxFoldPeriod && start + p * MinFoldRepeats <= steps.Count; p++)
        {
            var times = 1;
            while (start + (times + 1) * p <= steps.Count && SameBlock(steps, start, start + times * p, p))
                times++;
            // The violating step must stay visible: it may sit in the first block, not in the folded copies.
            if (violating >= start + p && violating < start + times * p)
                times = (violating - start) / p;
            if (times >= MinFoldRepeats && p * times > best.Period * best.Times)
                best = (p, times);
        }
        return best;
    }

    private static bool SameBlock(IReadOnlyList<StepRecord> steps, int a, int b, int length)
    {
        for (var k = 0; k < length; k++)
        {
            var x = steps[a + k];
            var y = steps[b + k];
            if (x.Actor != y.Actor || x.Function != y.Function || x.Kind != y.Kind || x.Resource != y.Resource
                || x.Detail != y.Detail)
                return false;
        }
        return true;
    }
}
