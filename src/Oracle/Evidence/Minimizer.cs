using System.Diagnostics;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Evidence;

/// <summary>
/// Shrinks a non-linearizable history to a small sub-history that is still not linearizable (Zeller and
/// Hildebrandt's delta debugging, ddmin): first whole processes are dropped, then operations (an invocation with
/// its completion, so the result is always a well-formed history), then setup ops. Every candidate is checked and
/// must fail the same way: not linearizable, stuck on the same operation for the same reason up to numbers
/// (otherwise ddmin happily trades the violation for a trivial one — drop the mmap and any read "should have
/// been SIGSEGV"; but "expected 473" may become "expected 0" as writes go). Before ddmin, two cheap guesses are
/// tried (and kept only if they still fail): drop every op invoked after the stuck op completed, then every op
/// that cannot touch the stuck op's page. A candidate whose
/// verdict is unknown counts as not failing, so the result is always a proven violation. Stops early when the
/// time budget runs out, with the smallest failing history found so far.
/// </summary>
public static partial class Minimizer
{
    public sealed record Outcome(History.History History, int Checks, bool Complete);

    public static Outcome Minimize(History.History history, CheckOptions? options = null, TimeSpan? budget = null)
    {
        options ??= CheckOptions.Default;
        var clock = Stopwatch.StartNew();
        var checks = 0;
        var outOfTime = false;

        (int? Id, string? Reason)? signature = null;

        bool Fails(IReadOnlyList<Op> setup, IReadOnlyCollection<int> processes, IReadOnlySet<int>? ids)
        {
            if (budget is { } b && clock.Elapsed > b)
            {
                outOfTime = true;
                return false;
            }
            checks++;
            var events = history.Events.Where(e => processes.Contains(e.Process) && (ids is null || ids.Contains(e.Id))).ToList();
            var candidate = new History.History(history.Header with { Setup = setup }, events);
            var result = LinearizabilityChecker.Check(candidate, options);
            if (result.Verdict != Verdict.NotLinearizable) return false;
            var failure = (result.FirstUnlinearizable?.Id, result.Reason is { } r ? Digits().Replace(r, "#") : null);
            signature ??= failure;
            return failure == signature;
        }

        var setup = history.Header.Setup.ToList();
        var processes = history.Events.Select(e => e.Process).Distinct().Order().ToList();
        if (!Fails(setup, processes, null))
            return new Outcome(history, checks, !outOfTime);

        var ids = history.Events.Where(e => e.Type == EventType.Invoke).Select(e => e.Id).ToList();
        var all = processes.ToHashSet();
        var ops = Operations.Of(history);
        if (signature?.Id is { } stuck && ops.TryGetValue(stuck, out var s))
        {
            var before = ids.Where(i => ops[i].Call < s.Return).ToList();
            if (before.Count < ids.Count && Fails(setup, all, before.ToHashSet())) ids = before;
            var near = ids.Where(i => s.Op.Page is not { } page || Touches(ops[i].Op, page)).ToList();
            if (near.Count < ids.Count && Fails(setup, all, near.ToHashSet())) ids = near;
        }
        var idsSoFar = ids.ToHashSet();
        processes = processes.Where(p => ops.Values.Any(o => o.Process == p && idsSoFar.Contains(o.Id))).ToList();
        processes = DdMin(processes, p => Fails(setup, p.ToHashSet(), idsSoFar));
        var procSet = processes.ToHashSet();
        ids = ids.Where(i => procSet.Contains(ops[i].Process)).ToList();
        ids = DdMin(ids, i => Fails(setup, procSet, i.ToHashSet()));
        var idSet = ids.ToHashSet();
        setup = DdMin(setup, s => Fails(s, procSet, idSet));

        var kept = history.Events.Where(e => procSet.Contains(e.Process) && idSet.Contains(e.Id)).ToList();
        return new Outcome(new History.History(history.Header with { Setup = setup }, kept), checks, !outOfTime);
    }

    private static bool Touches(Op o, int page) => o.Page is not { } start || (page >= start && page < start + (o.Pages ?? 1));

    [System.Text.RegularExpressions.GeneratedRegex(@"-?\d+")]
    private static partial System.Text.RegularExpressions.Regex Digits();

    /// <summary>
    /// ddmin: split into n chunks; keep a chunk alone, or drop one, whenever the rest still fails; refine the split
    /// when neither works. The result is 1-minimal (dropping any single unit makes it pass) unless time ran out.
    /// </summary>
    public static List<T> DdMin<T>(List<T> units, Func<List<T>, bool> fails)
    {
        var n = 2;
        while (units.Count >= 2)
        {
            var chunks = Split(units.Count, n);
            var reduced = false;
            foreach (var (from, to) in chunks)
            {
                var chunk = units.GetRange(from, to - from);
                if (chunk.Count < units.Count && fails(chunk))
                {
                    units = chunk;
                    n = 2;
                    reduced = true;
                    break;
                }
            }
            // With two chunks a complement is the other chunk, already tried.
            if (!reduced && chunks.Count > 2)
            {
                foreach (var (from, to) in chunks)
                {
                    var rest = units.GetRange(0, from);
                    rest.AddRange(units.GetRange(to, units.Count - to));
                    if (fails(rest))
                    {
                        units = rest;
                        n = Math.Max(n - 1, 2);
                        reduced = true;
                        break;
                    }
                }
            }
            if (reduced) continue;
            if (n >= units.Count) break;
            n = Math.Min(units.Count, 2 * n);
        }
        if (units.Count == 1 && fails([])) units = [];
        return units;
    }

    /// <summary>n nearly equal index ranges [from, to) covering [0, count).</summary>
    private static List<(int From, int To)> Split(int count, int n)
    {
        var chunks = new List<(int, int)>(n);
        for (var c = 0; c < n; c++)
        {
            var from = (int)((long)count * c / n);
            var to = (int)((long)count * (c + 1) / n);
            if (to > from) chunks.Add((from, to));
        }
        return chunks;
    }
}
