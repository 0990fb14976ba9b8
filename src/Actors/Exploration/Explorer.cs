using System.Diagnostics;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Harness;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hmm.Spec.Actors.Exploration;

/// <summary>
/// Explores a scenario's interleavings with Coyote's TestingEngine: each iteration runs
/// <see cref="ScenarioHarness.RunIterationAsync"/> on a fresh world; the first bug stops the run and is written
/// as a trace bundle that <c>Replayer</c> re-runs deterministically. <paramref name="logger"/> gets progress and
/// bugs; <paramref name="modelLogger"/> (null: none, the default) is handed to every iteration's world, which logs
/// each model step at Trace and each violation at Debug (<c>explore --verbose</c>).
/// </summary>
public sealed class Explorer(ILogger? logger = null, ILogger? modelLogger = null)
{
    private readonly ILogger log = logger ?? NullLogger.Instance;

    /// <summary>The Coyote configuration of a run; replay adds the reproducible trace to the same settings.</summary>
    public static Configuration CreateConfiguration(ExploreOptions o)
    {
        var c = Configuration.Create()
            .WithTelemetryEnabled(false)
            // Coyote's own console log would mix with --json output; our logger reports progress and bugs.
            .WithVerbosityEnabled(Microsoft.Coyote.Logging.VerbosityLevel.None)
            .WithConsoleLoggingEnabled(false)
            .WithTestingIterations((uint)o.Iterations)
            .WithRandomGeneratorSeed(o.Seed)
            // Unfair steps; Coyote allows 10x as many fair steps, and its liveness check (FaultLivenessMonitor hot
            // past half the fair bound) applies only to fair executions: a retrying fault that merely starves
            // another actor under an unfair prefix is not reported by the monitor.
            .WithMaxSchedulingSteps((uint)o.MaxSteps)
            // Wall time, not steps: a replay takes it from the trace's settings, so it reproduces with the same bound.
            .WithDeadlockTimeout(checked((uint)o.HangTimeoutSeconds * 1000u));
        if (o.RunToCompletion)
            c = c.WithTestIterationsRunToCompletion(true);
        return ExplorationStrategy.Apply(c, o.Strategy);
    }

    /// <summary>
    /// Explores up to <c>o.Iterations</c> iterations and stops at the first bug. A bug whose category is in
    /// <c>o.IgnoreCategories</c> is noted and exploration goes on with the next seed (seed + 1, ...) for the rest
    /// of the budget, so a known bug does not hide another one.
    /// </summary>
    public ExploreResult Explore(ScenarioPlan plan, ExploreOptions o)
    {
        ExplorationStrategy.Validate(o.Strategy);
        var name = plan.Scenario.Name;
        var watch = Stopwatch.StartNew();
        var ignored = new List<string>();
        var total = 0;
        long steps = 0;
        var boundHits = 0;
        var undecided = 0;
        var seed = o.Seed;
        while (total < o.Iterations)
        {
            var run = o with { Seed = seed, Iterations = o.Iterations - total };
            var (iterations, report, trace, undecidedChecks) = RunEngine(plan, run, total, watch);
            total += iterations;
            undecided += undecidedChecks;
            steps += (long)report.TotalExploredFairSteps + report.TotalExploredUnfairSteps;
            boundHits += report.MaxFairStepsHitInFairTests + report.MaxUnfairStepsHitInUnfairTests;
            if (report.NumOfFoundBugs == 0)
                break;

            var message = BugCategory.Tagged(report.BugReports.First());
            var category = BugCategory.Of(message);
            if (o.IgnoreCategories.Contains(category))
            {
                log.LogInformation("{Scenario} on {Variant}: ignoring {Category} at iteration {Iteration} (seed {Seed}): {Message}",
                    name, plan.Variant.Name, category, total, seed, message);
                ignored.Add(message);
                seed++;
                continue;
            }

            string? path = null, bundleError = null, bundleJson = null;
            var bundle = TraceBundle.Create(plan, run, trace, category, message, iterations);
            if (o.OutDir is not null)
            {
                (path, bundleError, bundleJson) = bundle.TryWriteTo(o.OutDir);
                if (bundleError is not null)
                    log.LogError("{Scenario} on {Variant}: the bundle could not be written to {Dir}: {Error}", name, plan.Variant.Name, o.OutDir, bundleError);
            }
            log.LogWarning("{Scenario} on {Variant}: {Category} after {Iterations} iterations ({Elapsed} ms): {Message}",
                name, plan.Variant.Name, category, total, watch.ElapsedMilliseconds, message);
            return new ExploreResult(name, plan.Variant.Name, o.Strategy, seed, true, category, message, total,
                watch.ElapsedMilliseconds, path, steps)
            {
                Ignored = ignored, BundleError = bundleError, BundleJson = bundleJson, StepBoundHits = boundHits, UndecidedChecks = undecided, Bundle = bundle,
            };
        }
        log.LogInformation("{Scenario} on {Variant}: no bug in {Iterations} iterations ({Elapsed} ms)",
            name, plan.Variant.Name, total, watch.ElapsedMilliseconds);
        return new ExploreResult(name, plan.Variant.Name, o.Strategy, o.Seed, false, null, null, total,
            watch.ElapsedMilliseconds, null, steps) { Ignored = ignored, StepBoundHits = boundHits, UndecidedChecks = undecided };
    }

    /// <summary>One TestingEngine run; returns the iterations it ran, its report, its reproducible trace and its undecided checks.</summary>
    private (int Iterations, TestReport Report, string Trace, int Undecided) RunEngine(ScenarioPlan plan, ExploreOptions o, int before, Stopwatch watch)
    {
        var capture = new IterationCapture();
        var lastLog = watch.Elapsed;
        var iterations = 0;
        using var engine = CoyoteEngine.Create(CreateConfiguration(o), () => ScenarioHarness.RunIterationAsync(plan, capture, modelLogger));
        engine.RegisterStartIterationCallBack(i =>
        {
            iterations = (int)i + 1;
            if (watch.Elapsed - lastLog >= o.ProgressInterval)
            {
                lastLog = watch.Elapsed;
                log.LogInformation("{Scenario} on {Variant}: iteration {Iteration}, {Elapsed:F1} s",
                    plan.Scenario.Name, plan.Variant.Name, before + iterations, watch.Elapsed.TotalSeconds);
            }
        });
        engine.Run();
        return (iterations, engine.TestReport, engine.TestReport.NumOfFoundBugs > 0 ? engine.ReproducibleTrace : "", capture.UndecidedChecks);
    }
}
