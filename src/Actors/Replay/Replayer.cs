using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Input;
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
                    throw new InputError($"{bundle.FilePath ?? "bundle"}: config.{symbol}", "the bundle's config disagrees with its embedded scenario");
            }
        }

        if (bundle.VerifySchedule is { } schedule)
            return VerifyReplay.Replay(bundle, plan, schedule, variantOverride is not null);

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
            // Coyote stops following a trace silently when the program asks for a decision the trace does not
            // have: compare how far the replay got with the number of recorded decisions.
            var executed = Math.Max(report.MaxExploredFairSteps, report.MaxExploredUnfairSteps);
            var recorded = RecordedDecisions(bundle.CoyoteTrace);
            if (report.NumOfFoundBugs == 0 && executed < recorded)
                divergence ??= $"the replay followed {executed} of the trace's {recorded} scheduling decisions, then the run no longer matched it";
            // Past the trace's last decision Coyote goes on scheduling by itself. The recorded run ended at its bug
            // with its last decision, so a run that outlasts the trace is not the recorded one: steps are missing.
            if (report.NumOfFoundBugs == 0 && executed > recorded)
                divergence ??= $"the trace ends after {recorded} scheduling decisions but the run went on for {executed}: the trace lost its last steps (cut or edited)";
        }

        var steps = capture.World?.Steps.ToArray() ?? [];
        if (report.NumOfFoundBugs == 0 && divergence is not null && variantOverride is null)
        {
            // Same scenario, variant and model version, yet the schedule no longer fits: the model changed its
            // scheduling points without a model-version bump, or the bundle was edited. Say so; do not guess.
            throw new InputError($"{bundle.FilePath ?? "bundle"}: coyote_trace",
                bundle.TraceVerified
                    ? $"incompatible bundle: {divergence} (model version {ModelInfo.ModelVersion}; was the model changed without bumping HmmModelVersion?)"
                    : $"damaged or incompatible bundle: {divergence} (the bundle has no trace checksum, so an edit cannot be told from a model change)");
        }
        if (report.NumOfFoundBugs == 0)
            return new ReplayResult(bundle, plan.Variant.Name, false, null, null, steps, divergence);
        var message = BugCategory.Tagged(report.BugReports.First());
        return new ReplayResult(bundle, plan.Variant.Name, true, BugCategory.Of(message), message, steps, divergence);
    }

    /// <summary>How many scheduling decisions Coyote's reproducible trace holds.</summary>
    private static int RecordedDecisions(string trace)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(trace);
        return doc.RootElement.TryGetProperty("Steps", out var steps) && steps.ValueKind == System.Text.Json.JsonValueKind.Array
            ? steps.GetArrayLength()
            : 0;
    }
}
