using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Catalog;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Verification;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>hmm-spec verify</c>: every schedule of a scenario up to a preemption bound (docs/verification.md). Exit 0
/// verified, 1 a bug (with a replayable bundle), 3 incomplete (time budget), 2 bad input.
/// </summary>
internal static class VerifyCommand
{
    /// <summary>What a verified verdict claims, printed with it (the exact statement is in docs/verification.md).</summary>
    public const string Claim =
        "scheduling points: every shared access the model marks, every lock or wait; a preemption is a switch away from an actor that could have continued; each execution ends with the checks explore makes";

    public static Command Create(CliContext ctx)
    {
        var scenarios = new Option<string[]>("--scenario") { Description = "Built-in scenario name or scenario file (repeatable)" };
        var all = new Option<bool>("--all") { Description = "Every built-in scenario" };
        var variants = new Option<string[]>("--variant") { Description = "Kernel variant (default: the scenario's, else seed; repeatable: each scenario on each)" };
        var catalog = new Option<bool>("--catalog") { Description = "Every catalog entry with a scenario, on the entry's variant: is it found, and at which bound" };
        var markdown = new Option<string?>("--markdown") { Description = "Replace the results table (or, with --catalog, the catalog table) in this Markdown file (docs/verification.md)" };
        var preemptions = new Option<int>("--preemptions")
        {
            Description = "Largest preemption bound K; bounds 0..K are searched in turn",
            DefaultValueFactory = _ => VerifyOptions.DefaultPreemptions,
        };
        var maxSeconds = new Option<double?>("--max-seconds") { Description = "Time budget per scenario (default: none)" };
        var outDir = new Option<string>("--out") { Description = "Directory for trace bundles", DefaultValueFactory = _ => "hmm-out" };
        var json = new Option<bool>("--json") { Description = "Print results as JSON" };
        var noReduction = new Option<bool>("--no-reduction") { Description = "Search every schedule without the partial-order reduction (to measure or cross-check it)" };

        var command = new Command("verify", "Prove a scenario free of bugs over every schedule with at most K preemptions")
        {
            scenarios, all, variants, preemptions, maxSeconds, outDir, json, noReduction, catalog, markdown,
        };
        command.SetAction(parse =>
        {
            var names = parse.GetValue(scenarios) ?? [];
            var selections = (names.Length > 0 ? 1 : 0) + (parse.GetValue(all) ? 1 : 0) + (parse.GetValue(catalog) ? 1 : 0);
            if (selections == 0)
                throw new InputError("verify", "name a scenario (--scenario NAME|FILE), or use --all or --catalog");
            if (selections > 1)
                throw new InputError("verify", "--scenario, --all and --catalog exclude each other");
            var markdownFile = parse.GetValue(markdown);
            if (markdownFile is not null && !File.Exists(markdownFile))
                throw new InputError("--markdown", $"{markdownFile}: no such file (it must hold the table's section markers)");
            var k = parse.GetValue(preemptions);
            if (k is < 0 or > 8)
                throw new InputError("--preemptions", $"must be from 0 to 8, found {k}");
            var seconds = parse.GetValue(maxSeconds);
            if (seconds is { } s && !(s > 0 && s <= TimeSpan.MaxValue.TotalSeconds))
                throw new InputError("--max-seconds", $"must be a positive number of seconds, found {s.ToString(CultureInfo.InvariantCulture)}");
            var options = new VerifyOptions
            {
                Preemptions = k,
                MaxTime = seconds is { } t ? TimeSpan.FromSeconds(t) : null,
                Reduce = !parse.GetValue(noReduction),
                OutDir = parse.GetValue(outDir),
            };
            var variantNames = parse.GetValue(variants) is { Length: > 0 } v ? v.Select(n => (string?)n).ToArray() : new string?[] { null };
            var entries = parse.GetValue(catalog)
                ? BugCatalog.Entries.Where(e => e.Scenario is not null).ToArray()
                : [];
            var plans = parse.GetValue(catalog)
                ? entries.Select(e => ScenarioPlan.Create(BuiltinScenarios.Load(e.Scenario!), e.Variant)).ToArray()
                : (names.Length == 0 ? BuiltinScenarios.LoadAll() : names.Select(BuiltinScenarios.Resolve).ToArray())
                    .SelectMany(sc => variantNames.Select(vn => ScenarioPlan.Create(sc, vn)))
                    .ToArray();

            OutDirectory.Prepare(options.OutDir!, plans.Select(p => TraceBundle.VerifyFileName(p.Scenario.Name, p.Variant.Name, k)));

            var verifier = new Verifier(ctx.Loggers.CreateLogger("verify"));
            var results = new List<VerifyResult>();
            foreach (var plan in plans)
                results.Add(verifier.Verify(plan, options));
            if (markdownFile is not null)
            {
                var command = "hmm-spec " + string.Join(" ", parse.Tokens.Select(t => t.Value));
                var document = File.ReadAllText(markdownFile);
                document = parse.GetValue(catalog)
                    ? VerifyMarkdown.Replace(document, VerifyMarkdown.CatalogSection,
                        VerifyMarkdown.Catalog(entries.Zip(results, (e, r) => (e.Id, e.Category, r)), command))
                    : VerifyMarkdown.Replace(document, VerifyMarkdown.ResultsSection, VerifyMarkdown.Results(results, command));
                var temp = markdownFile + ".tmp";
                File.WriteAllText(temp, document);
                File.Move(temp, markdownFile, overwrite: true);
            }
            if (parse.GetValue(json))
                WriteJson(results, ctx.Out);
            else
                WriteText(results, ctx.Out);
            return results.Any(r => r.Verdict == VerifyVerdict.Bug) ? Cli.ExitBug
                : results.Any(r => r.Verdict == VerifyVerdict.Incomplete) ? Cli.ExitIncomplete
                : Cli.ExitOk;
        });
        return command;
    }

    private static void WriteText(IReadOnlyList<VerifyResult> results, TextWriter w)
    {
        foreach (var r in results)
        {
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
        if (results.Any(r => r.Verdict == VerifyVerdict.Verified))
            w.WriteLine($"({Claim})");
    }

    private static string LevelsText(VerifyResult r) =>
        r.Levels.Count == 0 ? "none" : string.Join(", ", r.Levels.Select(l => $"K={l.Preemptions}"));

    private static void WriteJson(IReadOnlyList<VerifyResult> results, TextWriter w)
    {
        var items = results.Select(r => new Dictionary<string, object?>
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
        w.WriteLine(JsonSerializer.Serialize(items, JsonOutput.Options));
    }
}
