using System.Diagnostics;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hmm.Spec.Actors.Stress;

/// <summary>
/// Stress testing, what people do without a model checker: the same scenario iteration as the explorer
/// (<see cref="ScenarioHarness.RunIterationAsync"/>, same world, checks and monitors), run many times on real
/// thread-pool threads with no Coyote <c>TestingEngine</c> attached. The rewritten assemblies then run
/// uncontrolled: <c>SchedulingPoint</c> calls return at once, <c>Task.Run</c>/<c>SemaphoreSlim</c> are the
/// real ones, and a monitor assertion throws instead of being reported to an engine (docs/bug-catalog.md,
/// "Stress testing"). The OS scheduler alone decides the interleaving.
/// </summary>
public sealed class StressRunner(ILogger? logger = null)
{
    private readonly ILogger log = logger ?? NullLogger.Instance;

    /// <summary>
    /// Default bound of one run's step log: a million steps or 256 MiB, far beyond any built-in scenario (the
    /// largest run a few thousand steps) and far below what one process can hold. Uncontrolled runs have no Coyote
    /// step bound, so a task that loops without end would otherwise grow the log until the process dies.
    /// </summary>
    public static readonly StepBound DefaultBound = new(1_000_000, 256L << 20);

    /// <summary>Default wall-clock bound of one run: a run still going after it is a <c>hang</c> (explore's default hang bound).</summary>
    public static readonly TimeSpan DefaultRunTimeout = TimeSpan.FromSeconds(ExploreOptions.DefaultHangTimeoutSeconds);

    /// <summary>The step-log bound of each run (docs/reliability.md, "Bounded stress runs").</summary>
    public StepBound Bound { get; init; } = DefaultBound;

    /// <summary>How long one run may take before it is reported as a <c>hang</c> and abandoned.</summary>
    public TimeSpan RunTimeout { get; init; } = DefaultRunTimeout;

    /// <summary>Runs until <paramref name="runs"/> iterations are done or <paramref name="maxSeconds"/> have passed.</summary>
    public StressResult Run(ScenarioPlan plan, int runs, double maxSeconds)
    {
        var bugs = new Dictionary<string, int>();
        string? first = null;
        var clean = 0;
        var done = 0;
        var watch = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        while (done < runs && watch.Elapsed.TotalSeconds < maxSeconds)
        {
            var message = RunOnce(plan, Bound, RunTimeout);
            done++;
            if (message is null)
            {
                clean++;
            }
            else
            {
                var category = BugCategory.Of(message);
                bugs[category] = bugs.GetValueOrDefault(category) + 1;
                first ??= message;
            }
            if (watch.Elapsed - lastLog >= TimeSpan.FromSeconds(5))
            {
                lastLog = watch.Elapsed;
                log.LogInformation("stress {Scenario} on {Variant}: {Done}/{Runs} runs, {Bugs} bug(s), {Elapsed:F1} s",
                    plan.Scenario.Name, plan.Variant.Name, done, runs, done - clean, watch.Elapsed.TotalSeconds);
            }
        }
        watch.Stop();
        return new StressResult(plan.Scenario.Name, plan.Variant.Name, done, clean, bugs, watch.ElapsedMilliseconds, first);
    }

    /// <summary>One uncontrolled iteration under the default bounds; the first bug's message, or null when it ran clean.</summary>
    public static string? RunOnce(ScenarioPlan plan) => RunOnce(plan, DefaultBound, DefaultRunTimeout);

    /// <summary>
    /// One uncontrolled iteration; the first bug's message, or null when it ran clean. A run whose step log passes
    /// <paramref name="bound"/> is a <c>livelock</c> (its tasks stop at their next scheduling point); one still
    /// going after <paramref name="timeout"/> (a task blocked for good, which logs nothing) is a <c>hang</c>, and
    /// is abandoned: its blocked pool threads cannot be stopped, but they hold no growing state.
    /// </summary>
    public static string? RunOnce(ScenarioPlan plan, StepBound bound, TimeSpan timeout) => RunOnce(plan, bound, timeout, new IterationCapture());

    internal static string? RunOnce(ScenarioPlan plan, StepBound bound, TimeSpan timeout, IterationCapture capture)
    {
        try
        {
            // The actors are Task.Run bodies on the thread pool; block this (non-pool) caller until they finish.
            var run = Task.Run(() => ScenarioHarness.RunIterationAsync(plan, capture, bound: bound));
            if (!run.Wait(timeout))
            {
                return capture.World?.FirstViolation?.Message
                    ?? $"[{BugCategory.Hang}] the stress run did not finish within {timeout.TotalSeconds:F0} s " +
                       $"({capture.World?.Steps.Count ?? 0} steps logged): a task waits for something that never happens";
            }
            run.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            // A monitor assertion (a violation, an unmet expectation, a non-linearizable history) surfaces as an
            // exception outside the engine; a violation the world recorded first is the more precise report.
            return capture.World?.FirstViolation?.Message ?? Innermost(e).Message;
        }
        if (capture.World?.FirstViolation is { } v)
            return v.Message;
        // Outside an engine Specification.Monitor is a no-op, so the harness's expectation and linearizability
        // verdicts never surface: re-check them from the op outcomes the step log carries and the recorded history.
        if (UnmetExpectation(capture) is { } unmet)
            return unmet;
        try
        {
            return capture.History?.Check();
        }
        catch (Exception e)
        {
            // The history recorder is written for Coyote's one-task-at-a-time execution; fed from real threads at
            // once it can be torn. That is an artifact of this run, counted as such, not a crash.
            return $"[{BugCategory.Exception}] the history recorder raced outside Coyote: {Innermost(e).Message}";
        }
    }

    /// <summary>
    /// The first op (in step-log order) whose outcome does not satisfy its <c>expect</c>, as the safety monitor
    /// would have reported it. The outcomes are the <c>result</c> notes' values (<see cref="OpOutcome"/>), so no
    /// text is parsed and no pairing of steps is needed; the log's appends are safe on real threads.
    /// </summary>
    internal static string? UnmetExpectation(IterationCapture capture)
    {
        foreach (var step in capture.World?.Steps ?? [])
        {
            if (step.Value is OpOutcome { Op.Expect: { } expect } o && !o.Result.Satisfies(expect))
                return SafetyMonitor.ExpectationMessage(step.Actor, o.Op, o.Result);
        }
        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } a)
            e = a.InnerExceptions[0];
        return e.InnerException is { } inner && e is System.Reflection.TargetInvocationException ? inner : e;
    }
}
