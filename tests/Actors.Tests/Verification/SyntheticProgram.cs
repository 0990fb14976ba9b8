using Hmm.Spec.Actors.Verification;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Tests.Verification;

/// <summary>
/// A small concurrent program for the soundness tests: actors read and write shared cells, take and drop locks,
/// and spin on a cell (refaulting until it is set), all through the verify scheduler's seam, as the model does.
/// An execution's outcome is the final cells, every value each actor read, and how it ended (a deadlock too).
/// </summary>
internal sealed record SyntheticProgram(string Name, int Cells, int Locks, IReadOnlyList<IReadOnlyList<SyntheticOp>> Actors)
{
    public override string ToString() => $"{Name}: " + string.Join(" || ", Actors.Select(a => string.Join(" ", a)));

    /// <summary>A random program (fixed by <paramref name="seed"/>): 2 or 3 actors, 2 to 4 blocks each, balanced locks.</summary>
    public static SyntheticProgram Random(int seed)
    {
        var rng = new System.Random(seed);
        var actors = new List<IReadOnlyList<SyntheticOp>>();
        var count = rng.Next(2, 4);
        for (var a = 0; a < count; a++)
        {
            var ops = new List<SyntheticOp>();
            // Blocks (an op, a locked op, a nested-lock op) rather than ops, so that every program stays small
            // enough for the unreduced search at K=3.
            var blocks = rng.Next(2, count == 3 ? 3 : 5);
            for (var b = 0; b < blocks; b++)
            {
                var cell = rng.Next(3);
                switch (rng.Next(10))
                {
                    case < 3:
                        ops.Add(new SyntheticOp(SyntheticOpKind.Read, cell));
                        break;
                    case < 6:
                        ops.Add(new SyntheticOp(SyntheticOpKind.Write, cell));
                        break;
                    case < 8:
                        var l = rng.Next(2);
                        ops.Add(new SyntheticOp(SyntheticOpKind.Lock, l));
                        ops.Add(new SyntheticOp(rng.Next(2) == 0 ? SyntheticOpKind.Read : SyntheticOpKind.Write, cell));
                        ops.Add(new SyntheticOp(SyntheticOpKind.Unlock, l));
                        break;
                    case 8:
                        // Nested locks in either order: two actors taking them in opposite orders can deadlock.
                        var outer = rng.Next(2);
                        ops.Add(new SyntheticOp(SyntheticOpKind.Lock, outer));
                        ops.Add(new SyntheticOp(SyntheticOpKind.Lock, 1 - outer));
                        ops.Add(new SyntheticOp(SyntheticOpKind.Write, cell));
                        ops.Add(new SyntheticOp(SyntheticOpKind.Unlock, 1 - outer));
                        ops.Add(new SyntheticOp(SyntheticOpKind.Unlock, outer));
                        break;
                    default:
                        ops.Add(new SyntheticOp(SyntheticOpKind.Spin, cell));
                        break;
                }
            }
            actors.Add(ops);
        }
        return new SyntheticProgram($"random-{seed}", 3, 2, actors);
    }

    /// <summary>
    /// One execution for verify's searches (<see cref="Verifier"/>, <see cref="VerifyParts"/>): pruned when the search
    /// abandoned it, else what <paramref name="classify"/> calls its outcome (a bug's message is "[synthetic] outcome").
    /// </summary>
    public (ExecutionEnd End, string? Message) Execute(IScheduleChooser chooser, Func<string, ExecutionEnd> classify)
    {
        if (Run(chooser) is not { } outcome)
            return (ExecutionEnd.Pruned, null);
        var end = classify(outcome);
        return (end, end == ExecutionEnd.Bug ? $"[synthetic] {outcome}" : null);
    }

    /// <summary>Runs one execution under <paramref name="chooser"/>; null when the chooser abandoned it.</summary>
    public string? Run(IScheduleChooser chooser)
    {
        var scheduler = new ControlledScheduler(chooser, maxSteps: 10_000);
        var cells = new int[Cells];
        var locks = Enumerable.Range(0, Locks).Select(i => scheduler.CreateSemaphore(1, $"lock {i}")).ToArray();
        var seen = Actors.Select(_ => new List<int>()).ToArray();
        var bodies = Actors.Select((ops, a) => ($"t{a}", (Action)(() =>
        {
            var local = 0;
            foreach (var op in ops)
            {
                var res = $"cell {op.Target}";
                switch (op.Kind)
                {
                    case SyntheticOpKind.Read:
                        scheduler.Access(StepKind.Read, res);
                        local = cells[op.Target];
                        seen[a].Add(local);
                        break;
                    case SyntheticOpKind.Write:
                        scheduler.Access(StepKind.Write, res);
                        cells[op.Target] = local * 10 + a + 1;
                        break;
                    case SyntheticOpKind.Lock:
                        locks[op.Target].Wait();
                        break;
                    case SyntheticOpKind.Unlock:
                        locks[op.Target].Release();
                        break;
                    case SyntheticOpKind.Spin:
                        // Refault until the cell is set, at most three times (a CPU retrying a fault).
                        for (var tries = 0; ; tries++)
                        {
                            scheduler.Access(StepKind.Read, res);
                            if (cells[op.Target] != 0 || tries == 3)
                                break;
                            scheduler.Retry("spin");
                        }
                        seen[a].Add(cells[op.Target]);
                        break;
                }
            }
        }))).ToArray();
        scheduler.Run(bodies);
        if (scheduler.Pruned)
            return null;
        var end = scheduler.StopReason is { } stop ? stop.Split(':')[0] : "done";
        return $"{end} cells=[{string.Join(",", cells)}] seen=[{string.Join(" | ", seen.Select(s => string.Join(",", s)))}]";
    }

    /// <summary>Every outcome of the schedules with at most <paramref name="bound"/> preemptions, and the search's counts.</summary>
    public (HashSet<string> Outcomes, long Executions, long Pruned) Explore(int bound, bool reduce)
    {
        var outcomes = new HashSet<string>(StringComparer.Ordinal);
        var search = new ScheduleSearch(bound, reduce);
        long executions = 0;
        do
        {
            search.BeginExecution();
            if (Run(search) is { } outcome)
            {
                executions++;
                outcomes.Add(outcome);
            }
        }
        while (search.Backtrack());
        return (outcomes, executions, search.Pruned);
    }
}

internal enum SyntheticOpKind { Read, Write, Lock, Unlock, Spin }

internal sealed record SyntheticOp(SyntheticOpKind Kind, int Target)
{
    public override string ToString() => Kind switch
    {
        SyntheticOpKind.Lock => $"lock{Target}",
        SyntheticOpKind.Unlock => $"unlock{Target}",
        _ => $"{Kind.ToString().ToLowerInvariant()}{Target}",
    };
}
