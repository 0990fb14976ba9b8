using System.Text.Json;
using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Catalog;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Verification;
using Hmm.Spec.Cli.Commands;
using Hmm.Spec.Input;

namespace Hmm.Spec.Cli.Scale;

/// <summary>
/// <c>verify</c>'s units: each scenario and variant in <c>parts</c> parts, part <c>p</c> searching the pieces of the
/// schedule tree that it owns (<see cref="PieceKey.Owner"/>, <see cref="VerifyParts"/>). The merge of a scenario's
/// parts is exactly the whole search's result, whatever the number of parts.
/// </summary>
internal sealed class VerifyWork(IReadOnlyList<(ScenarioPlan Plan, string? Entry)> plans, VerifyOptions options, int parts, bool catalog) : Work
{
    private IReadOnlyList<WorkUnit>? _units;

    public override string Command => "verify";

    public override IReadOnlyList<WorkUnit> Units => _units ??= plans
        .SelectMany((p, i) => Enumerable.Range(0, parts).Select(part => (Index: i, Part: part, p.Plan)))
        .Select((u, index) => new WorkUnit(index,
            $"verify/{u.Plan.Scenario.Name}/{u.Plan.Variant.Name}/k{options.Preemptions}/part {u.Part}/{parts}",
            $"verify/{u.Plan.Scenario.Name}",
            $"{u.Plan.Variant.Name}/K<={options.Preemptions}/part {u.Part} of {parts}",
            new JsonObject { ["plan"] = u.Index, ["part"] = u.Part }))
        .ToArray();

    protected override JsonObject Options() => new()
    {
        ["preemptions"] = options.Preemptions,
        ["reduction"] = options.Reduce,
        ["max_seconds"] = options.MaxTime?.TotalSeconds,
        ["max_steps"] = options.MaxSteps,
        ["parts"] = parts,
        ["catalog"] = catalog,
        ["scenarios"] = new JsonArray(plans.Select(p =>
        {
            var o = ScenarioRef(p.Plan);
            o["entry"] = p.Entry;
            return (JsonNode)o;
        }).ToArray()),
    };

    private readonly Dictionary<int, VerifyShape> _shapes = [];

    /// <summary>
    /// <see cref="VerifyParts.PartCost"/> from the scenario's default execution (<see cref="VerifyParts.Probe"/>, run
    /// once per scenario when the order is decided): the big scenarios' parts, and those owning the biggest pieces, go first.
    /// </summary>
    public override double Cost(WorkUnit unit)
    {
        var index = Json.Int(unit.Spec, "plan");
        if (!_shapes.TryGetValue(index, out var shape))
            _shapes[index] = shape = VerifyParts.Probe(plans[index].Plan, options);
        return VerifyParts.PartCost(shape, options.Preemptions, Json.Int(unit.Spec, "part"), parts);
    }

    public override UnitOutcome Run(WorkUnit unit) => Timed(unit, () =>
    {
        var plan = plans[Json.Int(unit.Spec, "plan")].Plan;
        var part = Json.Int(unit.Spec, "part");
        var r = VerifyParts.Run(plan, options with { OutDir = null }, part, parts);
        var levels = new JsonArray();
        var seconds = new JsonArray();
        var outcome = new UnitOutcome { Index = unit.Index, Key = unit.Key, Status = UnitStatus.Pass };
        foreach (var l in r.Levels)
        {
            levels.Add(new JsonObject
            {
                ["preemptions"] = l.Preemptions,
                ["end"] = l.End.ToString().ToLowerInvariant(),
                ["pieces"] = new JsonArray(l.Pieces.Select(c => (JsonNode)new JsonArray(KeyJson(c.Key), c.Executions, c.Pruned, c.StepBound)).ToArray()),
                ["bug_key"] = l.BugKey is { } key ? KeyJson(key) : null,
                ["category"] = l.Category,
                ["message"] = l.Message,
                ["schedule"] = l.Schedule is null ? null : new JsonArray(l.Schedule.Select(a => (JsonNode)a).ToArray()),
                ["pending_at_least"] = l.PendingAtLeast,
            });
            seconds.Add(Math.Round(l.Seconds, 3));
            if (l.End == VerifyPartEnd.Bug)
            {
                outcome.Status = UnitStatus.Bug;
                outcome.Bugs.Add(UnitBug.WithBundle(l.Category!, l.Message!,
                    TraceBundle.VerifyFileName(plan.Scenario.Name, plan.Variant.Name, l.Preemptions), l.BundleJson));
            }
            else if (l.End == VerifyPartEnd.TimedOut || l.Pieces.Any(c => c.StepBound > 0))
            {
                outcome.Status = UnitStatus.Incomplete;
            }
        }
        outcome.Result["levels"] = levels;
        outcome.Measured["seconds"] = seconds;
        return outcome;
    });

    private static JsonArray KeyJson(PieceKey key) => new(key.Path.Select(x => (JsonNode)x).ToArray());

    private static PieceKey KeyOf(JsonNode? node) => node is JsonArray a
        ? PieceKey.FromPath(a.Select(x => x!.GetValue<int>()).ToArray())
        : throw new FormatException("a verify piece key is not an array");

    /// <summary>A part's result read back from its outcome (the inverse of <see cref="Run"/>).</summary>
    public static VerifyPartResult PartOf(string scenario, string variant, int bound, int part, int parts, UnitOutcome outcome)
    {
        var seconds = Json.Arr(outcome.Measured, "seconds");
        var bug = outcome.Bugs.FirstOrDefault();
        var levels = Json.Arr(outcome.Result, "levels").Select((n, i) =>
        {
            var l = n as JsonObject ?? throw new FormatException("a verify level is not an object");
            var end = Enum.TryParse<VerifyPartEnd>(Json.Str(l, "end"), ignoreCase: true, out var e) ? e : throw new FormatException("unknown end of a verify level");
            var pieces = Json.Arr(l, "pieces").Select(c => c is JsonArray { Count: 4 } a
                ? new PieceCount(KeyOf(a[0]), a[1]!.GetValue<long>(), a[2]!.GetValue<long>(), a[3]!.GetValue<long>())
                : throw new FormatException("a verify piece count is not [key, executions, pruned, step-bound]")).ToArray();
            return new VerifyPartLevel(Json.Int(l, "preemptions"), pieces, end, seconds.Count > i ? seconds[i]!.GetValue<double>() : 0)
            {
                BugKey = l["bug_key"] is { } key ? KeyOf(key) : null,
                Category = l["category"]?.GetValue<string>(),
                Message = l["message"]?.GetValue<string>(),
                Schedule = (l["schedule"] as JsonArray)?.Select(a => a!.GetValue<int>()).ToArray(),
                PendingAtLeast = l["pending_at_least"]?.GetValue<long>(),
                BundleJson = end == VerifyPartEnd.Bug ? bug?.BundleText : null,
            };
        }).ToArray();
        return new VerifyPartResult(scenario, variant, bound, part, parts, levels);
    }
}

/// <summary>verify's output from its parts: per scenario and variant the merged verdict, the bundle of its bug, the tables.</summary>
internal sealed class VerifyReducer : IReducer
{
    public string Comparable(UnitOutcome outcome) => Reducers.Deterministic(outcome);

    public Summary Reduce(JsonObject definition, IReadOnlyList<WorkUnit> units, IReadOnlyList<UnitOutcome> outcomes, ReduceSettings settings)
    {
        var options = Json.Obj(definition, "options");
        var bound = Json.Int(options, "preemptions");
        var parts = Json.Int(options, "parts");
        var scenarios = Json.Arr(options, "scenarios").Cast<JsonObject>().ToArray();
        var items = new List<(VerifyResult? Result, string Scenario, string Variant, string? Entry, string? Error)>();
        for (var i = 0; i < scenarios.Length; i++)
        {
            var s = scenarios[i];
            var (name, variant, entry) = (Json.Str(s, "name"), Json.Str(s, "variant"), Json.OptStr(s, "entry"));
            var mine = units.Zip(outcomes).Where(u => Json.Int(u.First.Spec, "plan") == i).ToArray();
            if (mine.FirstOrDefault(u => u.Second.Status == UnitStatus.Error) is { Second: { } failed } f)
            {
                items.Add((null, name, variant, entry, $"part {Json.Int(f.First.Spec, "part")} of {parts}: {failed.Error}"));
                continue;
            }
            var partResults = mine.Select(u => VerifyWork.PartOf(name, variant, bound, Json.Int(u.First.Spec, "part"), parts, u.Second)).ToArray();
            var (result, bundleJson) = VerifyParts.Merge(partResults);
            if (result.Verdict == VerifyVerdict.Bug && bundleJson is not null && settings.OutDir is not null)
            {
                var (path, error, json) = TraceBundle.TryWrite(settings.OutDir, TraceBundle.VerifyFileName(name, variant, result.BugPreemptions!.Value), bundleJson);
                result = result with { BundlePath = path, BundleError = error, BundleJson = json };
                var sha = UnitBug.Sha256(bundleJson);
                foreach (var bug in mine.SelectMany(u => u.Second.Bugs).Where(b => b.BundleSha256 == sha))
                    bug.BundlePath = path;
            }
            items.Add((result, name, variant, entry, null));
        }

        if (settings.Markdown is { } markdownFile)
        {
            var results = items.Where(x => x.Result is not null).ToArray();
            var document = ReadMarkdown(markdownFile);
            document = Json.Bool(options, "catalog")
                ? VerifyMarkdown.Replace(document, VerifyMarkdown.CatalogSection, VerifyMarkdown.Catalog(
                    results.Select(x => (x.Entry!, BugCatalog.Find(x.Entry!)?.Category ?? "?", x.Result!)), settings.CommandLine))
                : VerifyMarkdown.Replace(document, VerifyMarkdown.ResultsSection, VerifyMarkdown.Results(results.Select(x => x.Result!), settings.CommandLine));
            OutputFile.Write("--markdown", markdownFile, document);
        }

        var text = new StringWriter();
        WriteText(items, text);
        var jsonOut = new StringWriter();
        WriteJson(items, jsonOut);
        var exit = items.Any(x => x.Result?.Verdict == VerifyVerdict.Bug) ? Cli.ExitBug
            : items.Any(x => x.Error is not null || x.Result?.Verdict == VerifyVerdict.Incomplete) ? Cli.ExitIncomplete
            : Cli.ExitOk;
        return new Summary(text.ToString(), jsonOut.ToString(), exit);
    }

    private static string ReadMarkdown(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputError("--markdown", $"cannot read {file}: {e.Message}");
        }
    }

    private static void WriteText(IReadOnlyList<(VerifyResult? Result, string Scenario, string Variant, string? Entry, string? Error)> items, TextWriter w)
    {
        foreach (var (result, scenario, variant, _, error) in items)
        {
            if (result is not { } r)
            {
                w.WriteLine($"error: {scenario} on {variant}: {error}");
                continue;
            }
            var totals = $"{r.Executions} executions, {r.Pruned} pruned as equivalent, {r.Seconds:F1} s";
            switch (r.Verdict)
            {
                case VerifyVerdict.Verified:
                    w.WriteLine($"verified: {r.Scenario} on {r.Variant}: no bug in any schedule with at most {r.Bound} preemptions ({totals})");
                    break;
                case VerifyVerdict.Bug:
                    w.WriteLine($"BUG: {r.Scenario} on {r.Variant}: {r.Category} with {r.BugPreemptions} preemption(s), the fewest that reach it ({totals})");
                    w.WriteLine($"  {r.Message}");
                    if (r.BundlePath is not null)
                        w.WriteLine($"  bundle: {r.BundlePath}  (hmm-spec replay {r.BundlePath})");
                    if (r.BundleError is not null)
                    {
                        w.WriteLine($"  bundle NOT written: {r.BundleError}");
                        w.WriteLine(r.BundleJson);
                    }
                    break;
                default:
                    var why = r.StepBoundHits > 0
                        ? $"{r.StepBoundHits} execution(s) passed the step bound at K={r.LevelInProgress}"
                        : $"time budget spent during K={r.LevelInProgress}, at least {r.PendingAtLeast} executions left at that level";
                    w.WriteLine($"incomplete: {r.Scenario} on {r.Variant}: {why}; levels completed: {LevelsText(r)} ({totals})");
                    break;
            }
            foreach (var level in r.Levels)
                w.WriteLine($"  K={level.Preemptions}: {level.Executions} executions, {level.Pruned} pruned, {level.Seconds:F1} s");
        }
        if (items.Any(x => x.Result?.Verdict == VerifyVerdict.Verified))
            w.WriteLine($"({VerifyCommand.Claim})");
    }

    private static string LevelsText(VerifyResult r) =>
        r.Levels.Count == 0 ? "none" : string.Join(", ", r.Levels.Select(l => $"K={l.Preemptions}"));

    private static void WriteJson(IReadOnlyList<(VerifyResult? Result, string Scenario, string Variant, string? Entry, string? Error)> items, TextWriter w)
    {
        var list = items.Select(x => x.Result is not { } r
            ? new Dictionary<string, object?> { ["scenario"] = x.Scenario, ["variant"] = x.Variant, ["verdict"] = "error", ["error"] = x.Error }
            : new Dictionary<string, object?>
            {
                ["scenario"] = r.Scenario,
                ["variant"] = r.Variant,
                ["preemptions"] = r.Bound,
                ["verdict"] = r.Verdict.ToString().ToLowerInvariant(),
                ["executions"] = r.Executions,
                ["pruned"] = r.Pruned,
                ["seconds"] = Math.Round(r.Seconds, 3),
                ["levels"] = r.Levels.Select(l => new Dictionary<string, object?>
                {
                    ["preemptions"] = l.Preemptions,
                    ["executions"] = l.Executions,
                    ["pruned"] = l.Pruned,
                    ["seconds"] = Math.Round(l.Seconds, 3),
                }),
                ["category"] = r.Category,
                ["message"] = r.Message,
                ["bugPreemptions"] = r.BugPreemptions,
                ["bundle"] = r.BundlePath,
                ["bundleError"] = r.BundleError,
                ["bundleJson"] = r.BundleJson,
                ["levelInProgress"] = r.LevelInProgress,
                ["pendingAtLeast"] = r.PendingAtLeast,
                ["stepBoundHits"] = r.StepBoundHits,
            });
        w.WriteLine(JsonSerializer.Serialize(list, JsonOutput.Options));
    }
}
