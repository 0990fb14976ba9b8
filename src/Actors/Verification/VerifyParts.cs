using System.Diagnostics;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;

namespace Hmm.Spec.Actors.Verification;

/// <summary>How one part's search of one level ended.</summary>
public enum VerifyPartEnd
{
    /// <summary>Every execution of the part's pieces at this level ran.</summary>
    Complete,
    /// <summary>The part found a bug (its first in search order) and stopped.</summary>
    Bug,
    /// <summary>
    /// An execution that every part runs and another part owns (the default execution, or the first execution of an
    /// alternative of a split subtree) is a bug: this part stopped without counting it.
    /// </summary>
    SharedBug,
    /// <summary>The part's share of the time budget ran out during this level.</summary>
    TimedOut,
}

/// <summary>What one part ran in one piece of the search (<see cref="PieceKey"/>).</summary>
public readonly record struct PieceCount(PieceKey Key, long Executions, long Pruned, long StepBound);

/// <summary>
/// One level of one part: the counts per piece (in search order), how it ended, and for a bug the piece it was
/// found in, the bug and its bundle text; for a shared bug the piece; for a time-out the alternatives left.
/// </summary>
public sealed record VerifyPartLevel(int Preemptions, IReadOnlyList<PieceCount> Pieces, VerifyPartEnd End, double Seconds)
{
    public PieceKey? BugKey { get; init; }
    public string? Category { get; init; }
    public string? Message { get; init; }
    public IReadOnlyList<int>? Schedule { get; init; }
    /// <summary>The bug's bundle (<see cref="TraceBundle.ToJson"/>), written only if the merge reports this bug.</summary>
    public string? BundleJson { get; init; }
    public long? PendingAtLeast { get; init; }
}

/// <summary>One part of a verify run (<see cref="ScheduleSearch"/>, "Parts"): its levels, K = 0, 1, ... until it stopped.</summary>
public sealed record VerifyPartResult(string Scenario, string Variant, int Bound, int Part, int Parts, IReadOnlyList<VerifyPartLevel> Levels);

/// <summary>
/// Bounded verification split into parts that run independently (scale-out), and their merge into exactly the
/// result of the whole search (<see cref="Verifier.Verify"/>): same verdict, same bug, same schedule, same counts.
/// </summary>
public static class VerifyParts
{
    /// <summary>
    /// The shape of a scenario's schedule tree at bound <c>o.Preemptions</c>, from its default execution alone (a few
    /// milliseconds): the decisions of that execution and its branching nodes. Used to hand out the costliest parts
    /// first (<see cref="PartCost"/>); it decides no result.
    /// </summary>
    public static VerifyShape Probe(ScenarioPlan plan, VerifyOptions o)
    {
        var search = new ScheduleSearch(o.Preemptions, o.Reduce);
        search.BeginExecution();
        VerifyExecution.Run(plan, search, o.MaxSteps);
        return search.DefaultPathShape;
    }

    /// <summary>
    /// An estimate of part <paramref name="part"/> of <paramref name="parts"/>'s executions at bound
    /// <paramref name="bound"/> K, times the default execution's decisions (comparable between scenarios). With b
    /// branching nodes on the default path, each alternative at the node of rank r leads to in the order of
    /// (b - r)^(K-1) executions when it costs a preemption, and (b - r)^K when it costs none; those are the split
    /// nodes, whose alternatives' executions are shared among the subtrees s = 0 .. b - r - 1 below in proportion to
    /// (b - r - s)^(K-1), and whose alternatives' first executions every part runs.
    /// </summary>
    public static double PartCost(VerifyShape shape, int bound, int part, int parts)
    {
        var b = shape.Branching.Count;
        double executions = 1; // the default execution, which every part runs
        for (var r = 0; r < b; r++)
        {
            var size = b - r;
            var node = shape.Branching[r];
            if (!node.Split)
            {
                if (PieceKey.Default.Then(r).Owner(parts) == part)
                    executions += node.Alternatives * Math.Pow(size, Math.Max(bound - 1, 0));
                continue;
            }
            var weights = Enumerable.Range(0, size).Select(s => Math.Pow(size - s, Math.Max(bound - 1, 0))).ToArray();
            var total = weights.Sum();
            for (var j = 0; j < node.Alternatives; j++)
            {
                executions += 1;
                for (var s = 0; s < size; s++)
                {
                    if (PieceKey.Default.Then(r, j, s).Owner(parts) == part)
                        executions += Math.Pow(size, bound) * weights[s] / total;
                }
            }
        }
        return executions * Math.Max(1, shape.Decisions);
    }

    /// <summary>
    /// Runs part <paramref name="part"/> of <paramref name="parts"/>: each level K = 0, 1, ... over the part's
    /// subtrees, deepest first as the whole search takes them, stopping like the whole search would (at a bug, or
    /// after a level with executions past the step bound). A time budget (<c>o.MaxTime</c>) is shared equally by
    /// the parts: each may spend <c>MaxTime / parts</c>.
    /// </summary>
    public static VerifyPartResult Run(ScenarioPlan plan, VerifyOptions o, int part, int parts) =>
        Run(plan.Scenario.Name, plan.Variant.Name, o, part, parts, search =>
        {
            var outcome = VerifyExecution.Run(plan, search, o.MaxSteps);
            return (outcome.End, outcome.Message);
        }, (k, schedule, category, message) => TraceBundle.CreateVerified(plan, k, schedule, category, message).ToJson());

    /// <summary>
    /// One part over any program: <paramref name="execute"/> runs one execution under the search (how it ended, and a
    /// bug's message); <paramref name="bundle"/> is a bug's bundle text from its bound, schedule, category and message.
    /// </summary>
    internal static VerifyPartResult Run(string scenario, string variant, VerifyOptions o, int part, int parts,
        Func<ScheduleSearch, (ExecutionEnd End, string? Message)> execute, Func<int, IReadOnlyList<int>, string, string, string> bundle)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(o.Preemptions);
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        if (part < 0 || part >= parts)
            throw new ArgumentOutOfRangeException(nameof(part));
        var budget = o.MaxTime is { } t ? t / parts : (TimeSpan?)null;
        var watch = Stopwatch.StartNew();
        var levels = new List<VerifyPartLevel>();
        for (var k = 0; k <= o.Preemptions; k++)
        {
            var levelStart = watch.Elapsed;
            var counts = new SortedDictionary<PieceKey, long[]>();
            long stepBound = 0;
            var search = new ScheduleSearch(k, o.Reduce, part, parts);
            VerifyPartLevel? stop = null;
            IReadOnlyList<PieceCount> Pieces() => counts.Select(c => new PieceCount(c.Key, c.Value[0], c.Value[1], c.Value[2])).ToArray();
            double Seconds() => (watch.Elapsed - levelStart).TotalSeconds;
            do
            {
                if (budget is { } max && watch.Elapsed > max)
                {
                    stop = new VerifyPartLevel(k, Pieces(), VerifyPartEnd.TimedOut, Seconds()) { PendingAtLeast = search.Pending + 1 };
                    break;
                }
                search.BeginExecution();
                var key = search.CurrentKey;
                var outcome = execute(search);
                if (key.Owner(parts) != part)
                {
                    // Every part runs the shared executions (to find the nodes below them); their owner counts them.
                    if (!key.IsShared)
                        throw new InvalidOperationException($"verify: part {part} of {parts} ran piece {key}, which it does not own");
                    if (outcome.End == ExecutionEnd.Bug)
                    {
                        stop = new VerifyPartLevel(k, Pieces(), VerifyPartEnd.SharedBug, Seconds()) { BugKey = key };
                        break;
                    }
                    if (outcome.End == ExecutionEnd.StepBound)
                        stepBound++; // not counted here, but the whole search stops after this level
                    continue;
                }
                if (!counts.TryGetValue(key, out var c))
                    counts[key] = c = new long[3];
                if (outcome.End == ExecutionEnd.Pruned)
                {
                    c[1]++;
                    continue;
                }
                c[0]++;
                if (outcome.End == ExecutionEnd.StepBound)
                {
                    c[2]++;
                    stepBound++;
                    continue;
                }
                if (outcome.End == ExecutionEnd.Bug)
                {
                    var message = BugCategory.Tagged(outcome.Message!);
                    var category = BugCategory.Of(message);
                    var schedule = search.Schedule;
                    stop = new VerifyPartLevel(k, Pieces(), VerifyPartEnd.Bug, Seconds())
                    {
                        BugKey = key,
                        Category = category,
                        Message = message,
                        Schedule = schedule,
                        BundleJson = bundle(k, schedule, category, message),
                    };
                    break;
                }
            }
            while (search.Backtrack());
            levels.Add(stop ?? new VerifyPartLevel(k, Pieces(), VerifyPartEnd.Complete, Seconds()));
            if (stop is not null || stepBound > 0)
                break;
        }
        return new VerifyPartResult(scenario, variant, o.Preemptions, part, parts, levels);
    }

    /// <summary>
    /// The result of the whole search from all of its parts (any order). The whole search reaches the bug that
    /// comes first in its order (<see cref="PieceKey.CompareTo"/>), and its counts are everything before that bug in
    /// that order: every piece before the bug's, and the bug's piece up to the bug (only its owner counts it); the
    /// bug's bundle text is returned beside the result. Parts that do not fit together (missing, or stopped
    /// inconsistently) are an <see cref="ArgumentException"/>.
    /// </summary>
    public static (VerifyResult Result, string? BundleJson) Merge(IReadOnlyList<VerifyPartResult> parts)
    {
        if (parts.Count == 0)
            throw new ArgumentException("no parts", nameof(parts));
        var first = parts[0];
        var count = first.Parts;
        if (parts.Count != count || parts.Select(p => p.Part).Distinct().Count() != count || parts.Any(p => p.Parts != count || p.Part < 0 || p.Part >= count))
            throw new ArgumentException($"{first.Scenario} on {first.Variant}: expected parts 0..{count - 1}, found {string.Join(", ", parts.Select(p => p.Part))}");
        var levels = new List<VerifyLevel>();
        long executions = 0, pruned = 0, stepBound = 0;
        double seconds = 0;
        VerifyResult Result(VerifyVerdict v) =>
            new(first.Scenario, first.Variant, first.Bound, v, levels, executions, pruned, seconds) { StepBoundHits = stepBound };

        for (var k = 0; k <= first.Bound; k++)
        {
            var level = parts.OrderBy(p => p.Part).Select(p => p.Levels.FirstOrDefault(l => l.Preemptions == k)
                ?? throw new ArgumentException($"{first.Scenario} on {first.Variant}: part {p.Part} stopped before K={k}, though no part stopped the search")).ToArray();
            seconds += level.Sum(l => l.Seconds);
            var timedOut = level.Where(l => l.End == VerifyPartEnd.TimedOut).ToArray();
            var bugs = level.Where(l => l.End == VerifyPartEnd.Bug).ToArray();
            var shared = level.Where(l => l.End == VerifyPartEnd.SharedBug).ToArray();
            if (bugs.Length > 0)
            {
                var win = bugs.MinBy(l => l.BugKey!)!;
                var winKey = win.BugKey!;
                if (timedOut.Length == 0 && shared.FirstOrDefault(l => l.BugKey!.CompareTo(winKey) < 0) is { } early)
                    throw new ArgumentException($"{first.Scenario} on {first.Variant}: a part stopped at a bug in the shared execution {early.BugKey} at K={k} that its owner did not report");
                // Only the owner of a piece counts in it, so this is every piece before the bug's and the bug's own.
                var before = level.SelectMany(l => l.Pieces).Where(c => c.Key.CompareTo(winKey) <= 0).ToArray();
                executions += before.Sum(c => c.Executions);
                pruned += before.Sum(c => c.Pruned);
                stepBound += before.Sum(c => c.StepBound);
                return (Result(VerifyVerdict.Bug) with
                {
                    Category = win.Category,
                    Message = win.Message,
                    BugPreemptions = k,
                    Schedule = win.Schedule,
                }, win.BundleJson);
            }
            var all = level.SelectMany(l => l.Pieces).ToArray();
            executions += all.Sum(c => c.Executions);
            pruned += all.Sum(c => c.Pruned);
            stepBound += all.Sum(c => c.StepBound);
            if (timedOut.Length > 0)
                return (Result(VerifyVerdict.Incomplete) with { LevelInProgress = k, PendingAtLeast = timedOut.Sum(l => l.PendingAtLeast ?? 0) }, null);
            if (shared.Length > 0)
                throw new ArgumentException($"{first.Scenario} on {first.Variant}: a part stopped at a bug in the shared execution {shared[0].BugKey} at K={k} that its owner did not report");
            levels.Add(new VerifyLevel(k, all.Sum(c => c.Executions), all.Sum(c => c.Pruned), level.Sum(l => l.Seconds)));
            if (stepBound > 0)
                return (Result(VerifyVerdict.Incomplete) with { LevelInProgress = k, PendingAtLeast = 0 }, null);
        }
        return (Result(VerifyVerdict.Verified), null);
    }
}
