using System.Diagnostics;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hmm.Spec.Actors.Verification;

/// <summary>
/// Bounded verification of a scenario (docs/verification.md): iterative deepening over the preemption bound
/// K = 0, 1, ... (CHESS's iterative context bounding), each level a complete <see cref="ScheduleSearch"/>. A bug
/// stops the run at the first level that reaches it, which is therefore the smallest number of preemptions
/// that does; its schedule goes into a bundle that <c>hmm-spec replay</c> re-runs.
/// </summary>
public sealed class Verifier(ILogger? logger = null)
{
    private readonly ILogger log = logger ?? NullLogger.Instance;

    public VerifyResult Verify(ScenarioPlan plan, VerifyOptions o) =>
        Search(plan.Scenario.Name, plan.Variant.Name, o, search =>
        {
            var outcome = VerifyExecution.Run(plan, search, o.MaxSteps);
            return (outcome.End, outcome.Message);
        }, (search, message, partial) => Bug(plan, o, search, message, partial));

    /// <summary>
    /// The search itself over any program: <paramref name="execute"/> runs one execution under the search (how it
    /// ended, and a bug's message); <paramref name="bug"/> completes the result of a bug (its bundle).
    /// </summary>
    internal VerifyResult Search(string name, string variant, VerifyOptions o,
        Func<ScheduleSearch, (ExecutionEnd End, string? Message)> execute, Func<ScheduleSearch, string, VerifyResult, VerifyResult> bug)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(o.Preemptions);
        var watch = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        var levels = new List<VerifyLevel>();
        long executions = 0, pruned = 0, stepBound = 0;
        VerifyResult Result(VerifyVerdict v) =>
            new(name, variant, o.Preemptions, v, levels, executions, pruned, watch.Elapsed.TotalSeconds) { StepBoundHits = stepBound };

        for (var k = 0; k <= o.Preemptions; k++)
        {
            var levelStart = watch.Elapsed;
            long levelExecutions = 0, levelPrunedBefore = pruned;
            var search = new ScheduleSearch(k, o.Reduce);
            do
            {
                if (o.MaxTime is { } max && watch.Elapsed > max)
                {
                    log.LogWarning("{Scenario} on {Variant}: time budget spent at K={K} after {Executions} executions", name, variant, k, executions);
                    return Result(VerifyVerdict.Incomplete) with { LevelInProgress = k, PendingAtLeast = search.Pending + 1 };
                }
                search.BeginExecution();
                var outcome = execute(search);
                if (outcome.End == ExecutionEnd.Pruned)
                {
                    pruned++;
                    continue;
                }
                executions++;
                levelExecutions++;
                if (outcome.End == ExecutionEnd.StepBound)
                {
                    stepBound++;
                    continue;
                }
                if (outcome.End == ExecutionEnd.Bug)
                    return bug(search, outcome.Message!, Result(VerifyVerdict.Bug));
                if (watch.Elapsed - lastLog >= o.ProgressInterval)
                {
                    lastLog = watch.Elapsed;
                    log.LogInformation("{Scenario} on {Variant}: K={K}, {Executions} executions, {Pruned} pruned, at least {Pending} left at this level, {Elapsed:F0} s",
                        name, variant, k, executions, pruned, search.Pending, watch.Elapsed.TotalSeconds);
                }
            }
            while (search.Backtrack());
            levels.Add(new VerifyLevel(k, levelExecutions, pruned - levelPrunedBefore, (watch.Elapsed - levelStart).TotalSeconds));
            log.LogInformation("{Scenario} on {Variant}: K={K} complete: {Executions} executions, {Pruned} pruned, {Seconds:F1} s",
                name, variant, k, levelExecutions, pruned - levelPrunedBefore, (watch.Elapsed - levelStart).TotalSeconds);
            if (stepBound > 0)
                return Result(VerifyVerdict.Incomplete) with { LevelInProgress = k, PendingAtLeast = 0 };
        }
        return Result(VerifyVerdict.Verified);
    }

    private VerifyResult Bug(ScenarioPlan plan, VerifyOptions o, ScheduleSearch search, string bugMessage, VerifyResult partial)
    {
        var message = BugCategory.Tagged(bugMessage);
        var category = BugCategory.Of(message);
        var schedule = search.Schedule;
        string? path = null, bundleError = null, bundleJson = null;
        if (o.OutDir is not null)
        {
            (path, bundleError, bundleJson) = Bundles.TraceBundle.CreateVerified(plan, search.Bound, schedule, category, message).TryWriteTo(o.OutDir);
            if (bundleError is not null)
                log.LogError("{Scenario} on {Variant}: the bundle could not be written to {Dir}: {Error}", plan.Scenario.Name, plan.Variant.Name, o.OutDir, bundleError);
        }
        log.LogWarning("{Scenario} on {Variant}: {Category} at K={K} ({Preemptions} preemptions): {Message}",
            plan.Scenario.Name, plan.Variant.Name, category, search.Bound, search.Preemptions, message);
        return partial with
        {
            Category = category,
            Message = message,
            BugPreemptions = search.Bound,
            Schedule = schedule,
            BundlePath = path,
            BundleError = bundleError,
            BundleJson = bundleJson,
        };
    }
}
