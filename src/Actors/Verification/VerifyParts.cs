using System.Diagnostics;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;

namespace Hmm.Spec.Actors.Verification;

/// <summary>How one part's search of one level ended.</summary>
public enum VerifyPartEnd
{
    /// <summary>Every execution of the part's subtrees at this level ran.</summary>
    Complete,
    /// <summary>The part found a bug (its first in search order) and stopped.</summary>
    Bug,
    /// <summary>The default execution, which part 0 owns, is a bug: this part stopped without counting anything.</summary>
    DefaultBug,
    /// <summary>The part's share of the time budget ran out during this level.</summary>
    TimedOut,
}

/// <summary>What one part ran in one subtree (rank -1: the default execution, part 0's).</summary>
public readonly record struct RankCount(int Rank, long Executions, long Pruned, long StepBound);

/// <summary>
/// One level of one part: the counts per subtree (ascending rank), how it ended, and for a bug the subtree it was
/// found in, the bug and its bundle text; for a time-out the alternatives left.
/// </summary>
public sealed record VerifyPartLevel(int Preemptions, IReadOnlyList<RankCount> Ranks, VerifyPartEnd End, double Seconds)
{
    public int? BugRank { get; init; }
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
    public static (int Decisions, int Branching) Probe(ScenarioPlan plan, VerifyOptions o)
    {
        var search = new ScheduleSearch(o.Preemptions, o.Reduce);
        search.BeginExecution();
        VerifyExecution.Run(plan, search, o.MaxSteps);
        return search.DefaultPathShape;
    }

    /// <summary>
    /// An estimate of part <paramref name="part"/> of <paramref name="parts"/>'s cost, comparable between scenarios:
    /// the subtree of the branching node of rank r (of <paramref name="branching"/>) holds in the order of
    /// (branching - r)^K executions at bound K, each about <paramref name="decisions"/> decisions long.
    /// </summary>
    public static double PartCost(int decisions, int branching, int bound, int part, int parts)
    {
        double executions = 1; // the default execution, which every part runs
        for (var r = part; r < branching; r += parts)
            executions += Math.Pow(branching - r, bound);
        return executions * Math.Max(1, decisions);
    }

    /// <summary>
    /// Runs part <paramref name="part"/> of <paramref name="parts"/>: each level K = 0, 1, ... over the part's
    /// subtrees, deepest first as the whole search takes them, stopping like the whole search would (at a bug, or
    /// after a level with executions past the step bound). A time budget (<c>o.MaxTime</c>) is shared equally by
    /// the parts: each may spend <c>MaxTime / parts</c>.
    /// </summary>
    public static VerifyPartResult Run(ScenarioPlan plan, VerifyOptions o, int part, int parts)
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
            var counts = new SortedDictionary<int, long[]>();
            long stepBound = 0;
            var search = new ScheduleSearch(k, o.Reduce, part, parts);
            VerifyPartLevel? stop = null;
            IReadOnlyList<RankCount> Ranks() => counts.Select(c => new RankCount(c.Key, c.Value[0], c.Value[1], c.Value[2])).ToArray();
            double Seconds() => (watch.Elapsed - levelStart).TotalSeconds;
            do
            {
                if (budget is { } max && watch.Elapsed > max)
                {
                    stop = new VerifyPartLevel(k, Ranks(), VerifyPartEnd.TimedOut, Seconds()) { PendingAtLeast = search.Pending + 1 };
                    break;
                }
                search.BeginExecution();
                var rank = search.CurrentRank;
                var outcome = VerifyExecution.Run(plan, search, o.MaxSteps);
                if (rank < 0 && part != 0)
                {
                    // Every part runs the default execution to find the default path; part 0 counts it.
                    if (outcome.End == ExecutionEnd.Bug)
                    {
                        stop = new VerifyPartLevel(k, Ranks(), VerifyPartEnd.DefaultBug, Seconds());
                        break;
                    }
                    continue;
                }
                if (!counts.TryGetValue(rank, out var c))
                    counts[rank] = c = new long[3];
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
                    stop = new VerifyPartLevel(k, Ranks(), VerifyPartEnd.Bug, Seconds())
                    {
                        BugRank = rank,
                        Category = category,
                        Message = message,
                        Schedule = schedule,
                        BundleJson = TraceBundle.CreateVerified(plan, k, schedule, category, message).ToJson(),
                    };
                    break;
                }
            }
            while (search.Backtrack());
            levels.Add(stop ?? new VerifyPartLevel(k, Ranks(), VerifyPartEnd.Complete, Seconds()));
            if (stop is not null || stepBound > 0)
                break;
        }
        return new VerifyPartResult(plan.Scenario.Name, plan.Variant.Name, o.Preemptions, part, parts, levels);
    }

    /// <summary>
    /// The result of the whole search from all of its parts (any order). The whole search reaches the bug that
    /// comes first in its order: the default execution's, else the one in the deepest subtree (highest rank),
    /// and its counts are everything before that bug in that order; the bug's bundle text is returned beside the
    /// result. Parts that do not fit together (missing, or stopped inconsistently) are an <see cref="ArgumentException"/>.
    /// </summary>
    public static (VerifyResult Result, string? BundleJson) Merge(IReadOnlyList<VerifyPartResult> parts)
    {
        if (parts.Count == 0)
            throw new ArgumentException("no parts", nameof(parts));
        var first = parts[0];
        var count = first.Parts;
        if (parts.Count != count || parts.Select(p => p.Part).Distinct().Count() != count)
            throw new ArgumentException($"{first.Scenario} on {first.Variant}: expected parts 0..{count - 1}, found {string.Join(", ", parts.Select(p => p.Part))}");
        var levels = new List<VerifyLevel>();
        long executions = 0, pruned = 0, stepBound = 0;
        double seconds = 0;
        VerifyResult Result(VerifyVerdict v) =>
            new(first.Scenario, first.Variant, first.Bound, v, levels, executions, pruned, seconds) { StepBoundHits = stepBound };

        for (var k = 0; k <= first.Bound; k++)
        {
            var level = parts.Select(p => p.Levels.FirstOrDefault(l => l.Preemptions == k)
                ?? throw new ArgumentException($"{first.Scenario} on {first.Variant}: part {p.Part} stopped before K={k}, though no part stopped the search")).ToArray();
            seconds += level.Sum(l => l.Seconds);
            var bugs = level.Where(l => l.End == VerifyPartEnd.Bug).ToArray();
            if (bugs.Length > 0)
            {
                // Default execution first (rank -1), then the deepest subtree.
                var win = bugs.MaxBy(l => l.BugRank < 0 ? int.MaxValue : l.BugRank!.Value)!;
                var winRank = win.BugRank!.Value;
                var before = level.SelectMany(l => l.Ranks)
                    .Where(r => r.Rank < 0 || (winRank >= 0 && r.Rank > winRank))
                    .Concat(win.Ranks.Where(r => r.Rank == winRank && winRank >= 0))
                    .ToArray();
                executions += before.Sum(r => r.Executions);
                pruned += before.Sum(r => r.Pruned);
                stepBound += before.Sum(r => r.StepBound);
                return (Result(VerifyVerdict.Bug) with
                {
                    Category = win.Category,
                    Message = win.Message,
                    BugPreemptions = k,
                    Schedule = win.Schedule,
                }, win.BundleJson);
            }
            var all = level.SelectMany(l => l.Ranks).ToArray();
            executions += all.Sum(r => r.Executions);
            pruned += all.Sum(r => r.Pruned);
            stepBound += all.Sum(r => r.StepBound);
            var timedOut = level.Where(l => l.End == VerifyPartEnd.TimedOut).ToArray();
            if (timedOut.Length > 0)
                return (Result(VerifyVerdict.Incomplete) with { LevelInProgress = k, PendingAtLeast = timedOut.Sum(l => l.PendingAtLeast ?? 0) }, null);
            if (level.Any(l => l.End == VerifyPartEnd.DefaultBug))
                throw new ArgumentException($"{first.Scenario} on {first.Variant}: a part stopped at a default-execution bug at K={k} that part 0 did not report");
            levels.Add(new VerifyLevel(k, all.Sum(r => r.Executions), all.Sum(r => r.Pruned), level.Sum(l => l.Seconds)));
            if (stepBound > 0)
                return (Result(VerifyVerdict.Incomplete) with { LevelInProgress = k, PendingAtLeast = 0 }, null);
        }
        return (Result(VerifyVerdict.Verified), null);
    }
}
