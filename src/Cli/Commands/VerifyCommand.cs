using System.CommandLine;
using System.Globalization;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Catalog;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Verification;
using Hmm.Spec.Cli.Scale;
using Hmm.Spec.Input;
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

        var parts = new Option<int>("--parts")
        {
            Description = "Parts each scenario's schedule tree is split into, the units that jobs and shards run (the results do not depend on it)",
            DefaultValueFactory = _ => DefaultParts,
        };

        var command = new Command("verify", "Prove a scenario free of bugs over every schedule with at most K preemptions")
        {
            scenarios, all, variants, preemptions, maxSeconds, outDir, json, noReduction, catalog, markdown, parts,
        };
        var scale = new ScaleOptions(command, junit: true);
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
            var p = parse.GetValue(parts);
            if (p is < 1 or > 1024)
                throw new InputError("--parts", $"must be from 1 to 1024, found {p}");
            var options = new VerifyOptions
            {
                Preemptions = k,
                MaxTime = seconds is { } t ? TimeSpan.FromSeconds(t) : null,
                Reduce = !parse.GetValue(noReduction),
                OutDir = parse.GetValue(outDir),
            };
            var variantNames = parse.GetValue(variants) is { Length: > 0 } v ? v.Select(n => (string?)n).ToArray() : new string?[] { null };
            var plans = parse.GetValue(catalog)
                ? BugCatalog.Entries.Where(e => e.Scenario is not null)
                    .Select(e => (ScenarioPlan.Create(BuiltinScenarios.Load(e.Scenario!), e.Variant), (string?)e.Id)).ToArray()
                : (names.Length == 0 ? BuiltinScenarios.LoadAll() : names.Select(BuiltinScenarios.Resolve).ToArray())
                    .SelectMany(sc => variantNames.Select(vn => (ScenarioPlan.Create(sc, vn), (string?)null)))
                    .ToArray();
            var work = new VerifyWork(plans, options, p, parse.GetValue(catalog));
            if (ctx.Worker)
                return ScaleRun.Execute(ctx, parse, work, new ScaleSettings(1, null, null, null), new ReduceSettings(), false);
            var settings = scale.Parse(parse);
            if (settings.Shard is null)
                OutDirectory.Prepare(options.OutDir!, plans.Select(x => TraceBundle.VerifyFileName(x.Item1.Scenario.Name, x.Item1.Variant.Name, k)));
            return ScaleRun.Execute(ctx, parse, work, settings,
                new ReduceSettings { OutDir = options.OutDir, Markdown = settings.Shard is null ? markdownFile : null }, parse.GetValue(json));
        });
        return command;
    }

    /// <summary>Parts per scenario and variant: enough for 8 jobs on one scenario, few enough that small scenarios stay cheap.</summary>
    public const int DefaultParts = 8;
}
