using System.Globalization;
using Hmm.Spec.Actors.Replay;

namespace Hmm.Spec.Actors.Reports;

/// <summary>Turns a replay (<see cref="Replayer.Replay"/>) into the reports' view, so <c>hmm-spec replay --html</c>
/// and any text form draw the replayed iteration's own StepRecords.</summary>
public static class ReplayReport
{
    /// <summary>
    /// Scenario name and description, lanes in the scenario's actor order, the replayed variant, the bundle's
    /// seed (with strategy and iteration), the replayed steps, and the bug the replay hit (tied to the step the
    /// world recorded for it). A replay that did not reproduce is shown as a clean run.
    /// </summary>
    public static ReplayView ViewOf(ReplayResult replay)
    {
        ArgumentNullException.ThrowIfNull(replay);
        var bundle = replay.Bundle;
        var scenario = bundle.Scenario;
        var seed = string.Create(CultureInfo.InvariantCulture,
            $"{bundle.Options.Seed} ({bundle.Options.Strategy}, iteration {bundle.Iteration})");
        var violation = replay.Reproduced
            ? ReportViolation.FromMessage(replay.Category ?? bundle.Category, replay.Message ?? "", replay.Steps)
            : null;
        return new ReplayView(scenario.Name, replay.Variant,
            string.IsNullOrWhiteSpace(scenario.Description) ? null : scenario.Description,
            seed, scenario.Actors.Select(a => a.Name).ToArray(), replay.Steps, violation);
    }

    /// <summary>The HTML page of a replay.</summary>
    public static string Html(ReplayResult replay) => HtmlReport.Render(ViewOf(replay));
}
