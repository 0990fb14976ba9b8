using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Coyote.SystematicTesting;

namespace Hmm.Spec.Actors.Replay;

/// <summary>
/// Re-runs a bundle's iteration with Coyote's reproducible trace (same scenario, variant, settings), so the
/// same interleaving happens again and its steps can be printed.
/// </summary>
public static class Replayer
{
    /// <param name="bundle">The bundle to replay.</param>
    /// <param name="variantOverride">Replay on another variant (e.g. the one with the fix) to see the bug go away.</param>
    public static ReplayResult Replay(TraceBundle bundle, string? variantOverride = null)
    {
        var plan = ScenarioPlan.Create(bundle.Scenario, variantOverride ?? bundle.Variant);
        if (variantOverride is null)
        {
            foreach (var (symbol, on) in bundle.Config)
            {
                if (plan.ConfigSymbols[symbol] != on)
                    throw new InputError($"config.{symbol}", "the bundle's config disagrees with its embedded scenario");
            }
        }

        var config = Explorer.CreateConfiguration(bundle.Options with { Iterations = 1 })
            .WithReproducibleTrace(bundle.CoyoteTrace);
        var capture = new IterationCapture();
        string? divergence = null;
        TestReport report;
        using (var engine = CoyoteEngine.Create(config, () => ScenarioHarness.RunIterationAsync(plan, capture)))
        {
            engine.Run();
            report = engine.TestReport;
            if (report.InternalErrors.Count > 0)
                divergence = report.InternalErrors.First();
        }

        var steps = capture.World?.Steps.ToArray() ?? [];
        if (report.NumOfFoundBugs == 0)
            return new ReplayResult(bundle, plan.Variant.Name, false, null, null, steps, divergence);
        var message = report.BugReports.First();
        return new ReplayResult(bundle, plan.Variant.Name, true, BugCategory.Of(message), message, steps, divergence);
    }
}
