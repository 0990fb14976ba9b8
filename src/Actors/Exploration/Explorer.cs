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
/// as a trace bundle that <c>Replayer</c> re-runs deterministically.
/// </summary>
public sealed class Explorer(ILogger? logger = null)
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
            .WithMaxSchedulingSteps((uint)o.MaxSteps)
            // FaultLivenessMonitor: a CPU access in flight for half the step budget is a liveness bug.
            .WithLivenessTemperatureThreshold((uint)Math.Max(1, o.MaxSteps / 2));
        if (o.RunToCompletion)
            c = c.WithTestIterationsRunToCompletion(true);
        return ExplorationStrategy.Apply(c, o.Strategy);
    }

    public ExploreResult Explore(ScenarioPlan plan, ExploreOptions o)
    {
        ExplorationStrategy.Validate(o.Strategy);
        var name = plan.Scenario.Name;
        var capture = new IterationCapture();
        var watch = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        var iterations = 0;

        using var engine = CoyoteEngine.Create(CreateConfiguration(o), () => ScenarioHarness.RunIterationAsync(plan, capture));
        engine.RegisterStartIterationCallBack(i =>
        {
            iterations = (int)i + 1;
            if (watch.Elapsed - lastLog >= o.ProgressInterval)
            {
                lastLog = watch.Elapsed;
                log.LogInformation("{Scenario} on {Variant}: iteration {Iteration}/{Budget}, {Elapsed:F1} s",
                    name, plan.Variant.Name, iterations, o.Iterations, watch.Elapsed.TotalSeconds);
            }
        });
        engine.Run();
        watch.Stop();

        var report = engine.TestReport;
        var steps = (long)report.TotalExploredFairSteps + report.TotalExploredUnfairSteps;
        if (report.NumOfFoundBugs == 0)
        {
            log.LogInformation("{Scenario} on {Variant}: no bug in {Iterations} iterations ({Elapsed} ms)",
                name, plan.Variant.Name, iterations, watch.ElapsedMilliseconds);
            return new ExploreResult(name, plan.Variant.Name, o.Strategy, o.Seed, false, null, null, iterations,
                watch.ElapsedMilliseconds, null, steps);
        }

        var message = report.BugReports.First();
        var category = BugCategory.Of(message);
        string? path = null;
        if (o.OutDir is not null)
        {
            var bundle = TraceBundle.Create(plan, o, engine.ReproducibleTrace, category, message, iterations);
            path = bundle.WriteTo(o.OutDir);
        }
        log.LogWarning("{Scenario} on {Variant}: {Category} after {Iterations} iterations ({Elapsed} ms): {Message}",
            name, plan.Variant.Name, category, iterations, watch.ElapsedMilliseconds, message);
        return new ExploreResult(name, plan.Variant.Name, o.Strategy, o.Seed, true, category, message, iterations,
            watch.ElapsedMilliseconds, path, steps);
    }
}
