using System.Diagnostics;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Checking;

/// <summary>
/// Decides whether a history could have happened in some sequential order of its operations that respects
/// real time, against the reference model (docs/reference-model.md). Independent partitions are checked
/// separately (in parallel unless <see cref="CheckOptions.Parallel"/> is false). Never throws on bad input:
/// an ill-formed history is <see cref="Verdict.Malformed"/>.
/// </summary>
public static class LinearizabilityChecker
{
    /// <summary>States the search may spend on evidence for a violation the register fast path found.</summary>
    private const long EvidenceStates = 2_000;

    public static CheckResult Check(History.History history, CheckOptions? options = null)
    {
        options ??= CheckOptions.Default;
        var clock = Stopwatch.StartNew();
        try
        {
            // The reader has validated already; histories built in memory have not. Validation checks every
            // invocation's op with OpShape, so its fields and numbers (HistoryLimits) too.
            if (!history.Validated) HistoryValidator.Validate(history.Events);
        }
        catch (InputError e)
        {
            return new CheckResult(Verdict.Malformed, 0, 0, 0, clock.Elapsed, Message: e.Message);
        }

        // The setup's ops likewise (the reader checks them; callers building a header in code may not have),
        // before anything that grows with a page count is built.
        for (var i = 0; i < history.Header.Setup.Count; i++)
        {
            if (OpShape.Problem(history.Header.Setup[i]) is { } problem)
                return new CheckResult(Verdict.Malformed, 0, 0, 0, clock.Elapsed, Message: $"setup[{i}]: {problem}");
        }
        var budget = new SearchBudget(options, clock);
        var recorded = history.Table ?? OpTable.From(history.Events);
        // One pass over the ops for what the model's setting needs: the widest range, whether any op spans pages, and
        // the truncations (ftruncate is never split, so the table before splitting has the same ones).
        var maxPages = 1;
        var ranges = false;
        List<Op>? truncations = null;
        foreach (var o in recorded.Ops)
        {
            if (o.Op.Pages is > 1 and var pages)
            {
                ranges = true;
                maxPages = Math.Max(maxPages, pages);
            }
            if (o.Op.Kind == OpKind.Ftruncate) (truncations ??= []).Add(o.Op);
        }
        // Page ranges Linux does not handle atomically become one sub-op per page (docs/reference-model.md); without a
        // range there is nothing to split.
        var table = ranges ? PageByPage.Apply(recorded) : recorded;
        var model = new ReferenceModel(ModelSetting.From(history.Header, table.Processes + maxPages)
            with { Truncations = ModelSetting.TruncationsOf(truncations ?? []) });
        var initial = model.Initial(history.Header.Setup);
        if (budget.Exhausted(CancellationToken.None)) return Undecided(recorded, 0, budget, clock, null);
        var (partitions, familyOf) = options.Partition
            ? Partitioner.Split(table, history.Header.Setup, mm => initial.All(s => s.TryGetLive(mm, out _)))
            : (Partitioner.Partition.Whole(table), mm => mm);
        var outcomes = new (WglSearch.Outcome Outcome, Func<PartialLinearization> Evidence)?[partitions.Count];
        using var stop = new CancellationTokenSource();

        void Run(int p)
        {
            // Every phase honours the budget: a partition not started when it ran out stays undecided.
            if (budget.Exhausted(stop.Token)) return;
            var part = partitions[p];
            // Each partition sees only its part of the state: smaller states, cheaper steps and memo.
            var visible = part.Visible is not { } seen ? initial
                : StateSet.Distinct(initial.Select(s => s.Project(mm => seen.TryGetValue(familyOf(mm), out var pages) ? (true, pages) : (false, null))).ToList());
            WglSearch search;
            if (options.RegisterFastPath && !RegisterCheck.SearchIsCheap(table, part.Ops)
                && RegisterCheck.TryDecide(model, table, part.Ops, visible) is { } decided)
            {
                if (decided.Linearizable)
                {
                    outcomes[p] = (WglSearch.Outcome.Linearizable, () => new PartialLinearization([], null, null));
                    return;
                }
                stop.Cancel();
                // The search's evidence reads best (the op a sequential run first refuses); it is affordable
                // when the violation is found quickly, and the zones' own evidence stands in otherwise. The search
                // cannot conclude before it has gone as deep as the zones' partial linearization (a valid path for
                // it, each op of it one memo entry more), and it looks at its budget every BudgetCheckInterval
                // steps: past that depth it would run out for certain, so it is not started.
                if (decided.Evidence!.Ops.Count <= EvidenceStates + WglSearch.BudgetCheckInterval)
                {
                    search = new WglSearch(model, table, part.Ops);
                    var evidenceBudget = new SearchBudget(options with { MaxStates = EvidenceStates }, clock);
                    var found = search.Run(visible, evidenceBudget, CancellationToken.None);
                    budget.AddStates(evidenceBudget.States);
                    if (found == WglSearch.Outcome.NotLinearizable)
                    {
                        outcomes[p] = (found, search.Evidence);
                        return;
                    }
                }
                outcomes[p] = (WglSearch.Outcome.NotLinearizable, () => decided.Evidence!);
                return;
            }
            search = new WglSearch(model, table, part.Ops);
            var outcome = search.Run(visible, budget, stop.Token);
            outcomes[p] = (outcome, search.Evidence);
            if (outcome == WglSearch.Outcome.NotLinearizable) stop.Cancel();
        }

        if (options.Parallel && partitions.Count > 1)
        {
            Parallel.For(0, partitions.Count, new ParallelOptions { CancellationToken = CancellationToken.None }, (p, loop) =>
            {
                if (stop.IsCancellationRequested) { loop.Stop(); return; }
                Run(p);
            });
        }
        else
        {
            for (var p = 0; p < partitions.Count && !stop.IsCancellationRequested; p++) Run(p);
        }

        var failed = outcomes.FirstOrDefault(o => o?.Outcome == WglSearch.Outcome.NotLinearizable);
        if (failed is { } f)
        {
            var deepest = f.Evidence();
            return new CheckResult(Verdict.NotLinearizable, recorded.Ops.Length, partitions.Count, budget.States, clock.Elapsed,
                FirstUnlinearizable: deepest.StuckOn, Reason: deepest.Reason, LastLinearized: deepest.Ops.LastOrDefault(),
                LongestPartial: deepest.Ops.Select(o => o.Id).ToArray(), Deepest: deepest);
        }
        if (outcomes.Any(o => o is null || o.Value.Outcome == WglSearch.Outcome.OutOfBudget))
        {
            var deepest = outcomes.FirstOrDefault(o => o?.Outcome == WglSearch.Outcome.OutOfBudget)?.Evidence();
            return Undecided(recorded, partitions.Count, budget, clock, deepest);
        }
        return new CheckResult(Verdict.Linearizable, recorded.Ops.Length, partitions.Count, budget.States, clock.Elapsed);
    }

    private static CheckResult Undecided(OpTable table, int partitions, SearchBudget budget, Stopwatch clock, PartialLinearization? deepest) =>
        new(Verdict.Unknown, table.Ops.Length, partitions, budget.States, clock.Elapsed, Message: budget.Why(),
            LongestPartial: deepest?.Ops.Select(o => o.Id).ToArray(), Deepest: deepest);
}
