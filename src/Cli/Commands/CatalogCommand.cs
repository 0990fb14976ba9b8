using System.CommandLine;
using Hmm.Spec.Actors.Catalog;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Cli.Scale;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Extensions.Logging;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>hmm-spec catalog</c>: measures every catalogued bug and mutant (time to first hit per strategy over seeds,
/// fix/upstream checks, a stress run beside it) and writes the Markdown catalog. Progress goes to stderr.
/// </summary>
internal static class CatalogCommand
{
    public static Command Create(CliContext ctx)
    {
        var seeds = new Option<int>("--seeds") { Description = "Seeds per strategy (0..N-1)", DefaultValueFactory = _ => 20 };
        var budget = new Option<int?>("--budget") { Description = "Iterations after which a seed counts as a miss (default: each entry's own)" };
        var strategies = new Option<string[]>("--strategies")
        {
            Description = $"Strategies to measure (default: {string.Join(" ", CatalogSettings.DefaultStrategies)}; dfs only where the scenario is small)",
            AllowMultipleArgumentsPerToken = true,
        };
        var entries = new Option<string[]>("--entry") { Description = "Only these catalog entries (repeatable; default: all)" };
        var stressRuns = new Option<int>("--stress-runs") { Description = "Stress runs per entry (0: skip)", DefaultValueFactory = _ => 2000 };
        var stressSeconds = new Option<double>("--stress-seconds") { Description = "Time limit of each entry's stress run", DefaultValueFactory = _ => 10 };
        var checkBudget = new Option<int>("--check-budget") { Description = "Iterations of the fix and upstream checks", DefaultValueFactory = _ => 100 };
        var outFile = new Option<string?>("--out") { Description = "Write the Markdown here (e.g. docs/bug-catalog.md); default: stdout" };
        var command = new Command("catalog", "Measure the known-bug catalog and write docs/bug-catalog.md")
        {
            seeds, budget, strategies, entries, stressRuns, stressSeconds, checkBudget, outFile, SwapTypesCommand(ctx),
        };
        var scale = new ScaleOptions(command, junit: false);
        command.SetAction(parse =>
        {
            var n = parse.GetValue(seeds);
            if (n < 1) throw new InputError("--seeds", $"must be at least 1, found {n}");
            var b = parse.GetValue(budget);
            if (b is < 1) throw new InputError("--budget", $"must be at least 1, found {b}");
            var chosen = parse.GetValue(strategies) is { Length: > 0 } list ? list : CatalogSettings.DefaultStrategies.ToArray();
            foreach (var st in chosen)
                ExplorationStrategy.Validate(st);
            var runs = parse.GetValue(stressRuns);
            if (runs < 0) throw new InputError("--stress-runs", $"must be at least 0, found {runs}");
            var ss = parse.GetValue(stressSeconds);
            if (!double.IsFinite(ss) || ss < 0) throw new InputError("--stress-seconds", $"must be a number of seconds, at least 0, found {ss}");
            var cb = parse.GetValue(checkBudget);
            if (cb < 1) throw new InputError("--check-budget", $"must be at least 1, found {cb}");
            if (parse.GetValue(outFile) is { } target)
                OutputFile.Check("--out", target); // before the long measurement, not after it
            var ids = parse.GetValue(entries) ?? [];
            var selected = ids.Length == 0
                ? BugCatalog.Entries
                : ids.Select(id => BugCatalog.Find(id) ?? throw new InputError("--entry",
                    $"unknown catalog entry \"{id}\" (known: {string.Join(", ", BugCatalog.Entries.Select(e => e.Id))})")).ToArray();
            var settings = new CatalogSettings
            {
                Seeds = n, Budget = b, Strategies = chosen, StressRuns = runs, StressSeconds = parse.GetValue(stressSeconds), CheckBudget = cb,
            };

            var work = new CatalogWork(selected, settings);
            if (ctx.Worker)
                return ScaleRun.Execute(ctx, parse, work, new ScaleSettings(1, null, null, null), new ReduceSettings(), false);
            var scaleSettings = scale.Parse(parse);
            var log = ctx.Loggers.CreateLogger("catalog");
            return ScaleRun.Execute(ctx, parse, work, scaleSettings, new ReduceSettings(), false, summary =>
            {
                if (parse.GetValue(outFile) is { } file)
                {
                    OutputFile.Write("--out", file, summary.Text);
                    log.LogInformation("wrote {File}", file);
                }
                else
                {
                    ctx.Out.Write(summary.Text);
                }
            });
        });
        return command;
    }

    /// <summary>
    /// <c>hmm-spec catalog swap-types</c>: the model's swap-type arithmetic (<c>SwapTypes</c>) for every CONFIG
    /// combination that can be built (Kconfig: DEVICE_UNADDRESSABLE needs MIGRATION): usable swap files (MAX_SWAPFILES) with and without the seed, the special types and any collision
    /// (docs/review-answers.md).
    /// </summary>
    private static Command SwapTypesCommand(CliContext ctx)
    {
        var command = new Command("swap-types", "Usable swap files and special swap types for every CONFIG combination that can be built (the model's SwapTypes)");
        command.SetAction(_ =>
        {
            var w = ctx.Out;
            var seed = Hmm.Spec.Model.KernelVariants.Seed;
            var unreduced = Hmm.Spec.Model.KernelVariants.Get("mutant-max-swapfiles-not-reduced");
            w.WriteLine("| MIGRATION | MEMORY_FAILURE | DEVICE_UNADDRESSABLE | SWAP | MAX_SWAPFILES (seed) | without DEVICE_UNADDRESSABLE | cost | special types (seed) | collisions (seed) | collisions if not reduced |");
            w.WriteLine("|---|---|---|---|---:|---:|---:|---|---|---|");
            foreach (var c in Hmm.Spec.Model.KernelConfig.AllBuildable())
            {
                var t = new Hmm.Spec.Model.SwapTypes(c, seed);
                var off = new Hmm.Spec.Model.SwapTypes(c with { DeviceUnaddressable = false }, seed);   // always buildable
                var bad = new Hmm.Spec.Model.SwapTypes(c, unreduced);
                static string Yn(bool b) => b ? "y" : "n";
                w.WriteLine($"| {Yn(c.Migration)} | {Yn(c.MemoryFailure)} | {Yn(c.DeviceUnaddressable)} | {Yn(c.Swap)} | {t.MAX_SWAPFILES} | " +
                            $"{off.MAX_SWAPFILES} | {off.MAX_SWAPFILES - t.MAX_SWAPFILES} | " +
                            $"{(t.SpecialTypes.Count == 0 ? "-" : string.Join(", ", t.SpecialTypes.Select(s => $"{s.Name}={s.Type}")))} | " +
                            $"{(t.Collisions().Count == 0 ? "none" : string.Join("; ", t.Collisions()))} | " +
                            $"{(bad.Collisions().Count == 0 ? "none" : string.Join("; ", bad.Collisions()))} |");
            }
            return Cli.ExitOk;
        });
        return command;
    }
}
