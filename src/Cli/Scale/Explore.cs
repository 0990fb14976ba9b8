using System.Text.Json;
using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Cli.Commands;

namespace Hmm.Spec.Cli.Scale;

/// <summary>
/// <c>explore</c>'s units: one per scenario (and variant, strategy and seed), each the whole iteration budget from
/// the seed, exactly the exploration a single run makes (Coyote draws every iteration's schedule from one random
/// sequence that starts at the seed, so iterations cannot be split without changing which schedules run).
/// </summary>
internal sealed class ExploreWork(IReadOnlyList<ScenarioPlan> plans, ExploreOptions options) : Work
{
    private IReadOnlyList<WorkUnit>? _units;

    public override string Command => "explore";

    /// <summary>
    /// Where the model's worlds log their steps (<c>--verbose</c>); null, the default, gives them none, so the world's
    /// per-step log check stays the no-op logger's. Not part of the definition: it changes no result.
    /// </summary>
    public Microsoft.Extensions.Logging.ILogger? ModelLogger { get; init; }

    public override IReadOnlyList<WorkUnit> Units => _units ??= plans.Select((p, i) => new WorkUnit(i,
        $"explore/{p.Scenario.Name}/{p.Variant.Name}/{options.Strategy}/s{options.Seed}+{options.Iterations}",
        $"explore/{p.Scenario.Name}",
        $"{p.Variant.Name}/{options.Strategy}/seed {options.Seed}, {options.Iterations} iterations",
        new JsonObject { ["plan"] = i })).ToArray();

    protected override JsonObject Options() => new()
    {
        ["strategy"] = options.Strategy,
        ["iterations"] = options.Iterations,
        ["seed"] = options.Seed,
        ["max_steps"] = options.MaxSteps,
        ["hang_timeout_seconds"] = options.HangTimeoutSeconds,
        ["ignore"] = new JsonArray(options.IgnoreCategories.Order(StringComparer.Ordinal).Select(c => (JsonNode)c).ToArray()),
        ["scenarios"] = new JsonArray(plans.Select(p => (JsonNode)ScenarioRef(p)).ToArray()),
    };

    /// <summary>
    /// The iteration budget times the scenario's size (<see cref="UnitCost.Size"/>): an iteration runs every op of the
    /// scenario. A scenario that finds its bug early costs less than this says, which only moves it earlier.
    /// </summary>
    public override double Cost(WorkUnit unit) => (double)options.Iterations * UnitCost.Size(plans[Json.Int(unit.Spec, "plan")].Scenario);

    public override UnitOutcome Run(WorkUnit unit) => Timed(unit, () =>
    {
        var plan = plans[Json.Int(unit.Spec, "plan")];
        var r = new Explorer(UnitLogger, ModelLogger).Explore(plan, options with { OutDir = null });
        var outcome = new UnitOutcome
        {
            Index = unit.Index,
            Key = unit.Key,
            Status = r.BugFound ? UnitStatus.Bug : UnitStatus.Pass,
            Result = new JsonObject
            {
                ["scenario"] = r.Scenario,
                ["variant"] = r.Variant,
                ["strategy"] = r.Strategy,
                ["seed"] = r.Seed,
                ["bug_found"] = r.BugFound,
                ["category"] = r.Category,
                ["message"] = r.Message,
                ["iterations"] = r.Iterations,
                ["scheduling_steps"] = r.SchedulingSteps,
                ["ignored"] = new JsonArray(r.Ignored.Select(m => (JsonNode)m).ToArray()),
                ["step_bound_hits"] = r.StepBoundHits,
                ["undecided_checks"] = r.UndecidedChecks,
            },
            Measured = new JsonObject { ["elapsed_ms"] = r.ElapsedMs },
        };
        if (r.BugFound)
            outcome.Bugs.Add(UnitBug.WithBundle(r.Category!, r.Message!, r.Bundle?.FileNameInDirectory, r.Bundle?.ToJson()));
        return outcome;
    });
}

/// <summary>explore's output from its units: one result per scenario, in order, the bundles written to <c>--out</c>.</summary>
internal sealed class ExploreReducer : IReducer
{
    public string Comparable(UnitOutcome outcome) => Reducers.Deterministic(outcome);

    public Summary Reduce(JsonObject definition, IReadOnlyList<WorkUnit> units, IReadOnlyList<UnitOutcome> outcomes, ReduceSettings settings)
    {
        var scenarios = Json.Arr(Json.Obj(definition, "options"), "scenarios");
        var items = new List<(ExploreResult? Result, string Scenario, string Variant, string? Error)>();
        foreach (var (unit, outcome) in units.Zip(outcomes))
        {
            var scenario = (JsonObject)scenarios[Json.Int(unit.Spec, "plan")]!;
            if (outcome.Status == UnitStatus.Error)
            {
                items.Add((null, Json.Str(scenario, "name"), Json.Str(scenario, "variant"), outcome.Error));
                continue;
            }
            var r = outcome.Result;
            string? path = null, bundleError = null, bundleJson = null;
            if (outcome.Bugs.FirstOrDefault() is { BundleText: not null } bug && settings.OutDir is not null)
            {
                (path, bundleError, bundleJson) = TraceBundle.TryWrite(settings.OutDir, bug.BundleFile!, bug.BundleText);
                bug.BundlePath = path;
            }
            items.Add((new ExploreResult(
                Json.Str(r, "scenario"), Json.Str(r, "variant"), Json.Str(r, "strategy"), (uint)Json.Long(r, "seed"),
                Json.Bool(r, "bug_found"), Json.OptStr(r, "category"), Json.OptStr(r, "message"), Json.Int(r, "iterations"),
                Json.Long(outcome.Measured, "elapsed_ms"), path, Json.Long(r, "scheduling_steps"))
            {
                Ignored = Json.Strs(r, "ignored").ToArray(),
                BundleError = bundleError,
                BundleJson = bundleJson,
                StepBoundHits = Json.Int(r, "step_bound_hits"),
                UndecidedChecks = Json.Int(r, "undecided_checks"),
            }, Json.Str(scenario, "name"), Json.Str(scenario, "variant"), null));
        }
        var text = new StringWriter();
        WriteText(items, text);
        var json = new StringWriter();
        WriteJson(items, json);
        var exit = items.Any(i => i.Result?.BugFound == true) ? Cli.ExitBug
            : items.Any(i => i.Error is not null) ? Cli.ExitIncomplete
            : Cli.ExitOk;
        return new Summary(text.ToString(), json.ToString(), exit);
    }

    private static void WriteText(IEnumerable<(ExploreResult? Result, string Scenario, string Variant, string? Error)> items, TextWriter w)
    {
        foreach (var (result, scenario, variant, error) in items)
        {
            if (result is not { } r)
            {
                w.WriteLine($"{scenario} [{variant}]: ERROR {error}");
                continue;
            }
            if (r.BugFound)
            {
                w.WriteLine($"{r.Scenario} [{r.Variant}]: BUG {r.Category} after {r.Iterations} iteration(s), {r.ElapsedMs} ms");
                w.WriteLine($"  {r.Message}");
                if (r.BundlePath is not null)
                    w.WriteLine($"  bundle: {r.BundlePath}  (hmm-spec replay {r.BundlePath})");
                if (r.BundleError is not null)
                {
                    // Never lose a found bug: the bundle goes to the output whole, to be saved and replayed.
                    w.WriteLine($"  bundle NOT written: {r.BundleError}");
                    w.WriteLine("  the bundle follows in full; save it as NAME.hmmtrace.json and run hmm-spec replay on it:");
                    w.WriteLine(r.BundleJson);
                }
            }
            else
            {
                w.WriteLine($"{r.Scenario} [{r.Variant}]: no bug in {r.Iterations} iteration(s), {r.ElapsedMs} ms");
            }
            foreach (var m in r.Ignored)
                w.WriteLine($"  ignored: {m}");
            if (r.StepBoundHits > 0)
                w.WriteLine($"  note: {r.StepBoundHits} iteration(s) stopped at the step bound before their end checks (raise --max-steps)");
            if (r.UndecidedChecks > 0)
                w.WriteLine($"  undecided: the history check of {r.UndecidedChecks} iteration(s) ran out of its budget (counted as no finding)");
        }
    }

    private static void WriteJson(IEnumerable<(ExploreResult? Result, string Scenario, string Variant, string? Error)> items, TextWriter w)
    {
        var list = items.Select(i => i.Result is not { } r
            ? new Dictionary<string, object?> { ["scenario"] = i.Scenario, ["variant"] = i.Variant, ["error"] = i.Error }
            : new Dictionary<string, object?>
            {
                ["scenario"] = r.Scenario,
                ["variant"] = r.Variant,
                ["strategy"] = r.Strategy,
                ["seed"] = r.Seed,
                ["bugFound"] = r.BugFound,
                ["category"] = r.Category,
                ["message"] = r.Message,
                ["iterations"] = r.Iterations,
                ["elapsedMs"] = r.ElapsedMs,
                ["bundle"] = r.BundlePath,
                ["bundleError"] = r.BundleError,
                ["bundleJson"] = r.BundleJson,
                ["ignored"] = r.Ignored,
                ["stepBoundHits"] = r.StepBoundHits,
                ["undecidedChecks"] = r.UndecidedChecks,
            });
        w.WriteLine(JsonSerializer.Serialize(list, JsonOutput.Options));
    }
}
