using System.CommandLine;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Cli.Scale;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Cli.Commands;

/// <summary><c>hmm-spec explore</c>: explore scenarios' interleavings; exit 1 when any bug was found.</summary>
internal static class ExploreCommand
{
    public static Command Create(CliContext ctx)
    {
        var scenarios = new Option<string[]>("--scenario")
        {
            Description = "Built-in scenario name or scenario file (repeatable; default: every built-in scenario)",
            AllowMultipleArgumentsPerToken = false,
        };
        var variant = new Option<string?>("--variant") { Description = "Kernel variant (default: the scenario's, else seed; with no --scenario: seed)" };
        var strategy = new Option<string>("--strategy")
        {
            Description = $"Scheduling strategy: {string.Join("|", ExplorationStrategy.Names)}",
            DefaultValueFactory = _ => ExplorationStrategy.Portfolio,
        };
        var iterations = new Option<int>("--iterations") { Description = "Iterations per scenario", DefaultValueFactory = _ => ExploreOptions.DefaultIterations };
        var seed = new Option<uint>("--seed") { Description = "Random seed of the exploration", DefaultValueFactory = _ => 0 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Scheduling steps per iteration", DefaultValueFactory = _ => ExploreOptions.DefaultMaxSteps };
        var outDir = new Option<string>("--out") { Description = "Directory for trace bundles", DefaultValueFactory = _ => ExploreOptions.DefaultOutDir };
        var hangTimeout = new Option<int>("--hang-timeout")
        {
            Description = "Seconds without any scheduling step before an iteration is reported as a hang",
            DefaultValueFactory = _ => ExploreOptions.DefaultHangTimeoutSeconds,
        };
        var json = new Option<bool>("--json") { Description = "Print results as JSON" };
        var ignore = new Option<string[]>("--ignore")
        {
            Description = "Bug category to look past, e.g. livelock (repeatable): exploration notes it and goes on with the next seed",
        };

        var verbose = new Option<bool>("--verbose")
        {
            Description = "Log every model step and violation of every iteration to stderr (much output: use with one scenario and few iterations)",
        };

        var command = new Command("explore", "Explore interleavings of scenarios with Coyote; a bug writes a replayable trace bundle")
        {
            scenarios, variant, strategy, iterations, seed, maxSteps, hangTimeout, outDir, json, ignore, verbose,
        };
        var scale = new ScaleOptions(command, junit: true);
        command.SetAction(parse =>
        {
            var names = parse.GetValue(scenarios) ?? [];
            var options = new ExploreOptions
            {
                Strategy = parse.GetValue(strategy)!,
                Iterations = Positive(parse.GetValue(iterations), "--iterations"),
                Seed = parse.GetValue(seed),
                MaxSteps = AtMost(Positive(parse.GetValue(maxSteps), "--max-steps"), ExploreOptions.MaxMaxSteps, "--max-steps"),
                HangTimeoutSeconds = HangSeconds(parse.GetValue(hangTimeout)),
                OutDir = parse.GetValue(outDir),
                IgnoreCategories = (parse.GetValue(ignore) ?? []).Select(CheckCategory).ToHashSet(),
            };
            ExplorationStrategy.Validate(options.Strategy);
            var variantName = parse.GetValue(variant) ?? (names.Length == 0 ? ScenarioPlan.DefaultVariant : null);
            // Resolve everything first, so bad input fails before any exploration starts.
            var plans = (names.Length == 0 ? BuiltinScenarios.LoadAll() : names.Select(BuiltinScenarios.Resolve).ToArray())
                .Select(s => ScenarioPlan.Create(s, variantName))
                .ToArray();
            var work = new ExploreWork(plans, options)
            {
                ModelLogger = parse.GetValue(verbose) ? ctx.Loggers.CreateLogger(Cli.ModelLogCategory) : null,
            };
            if (ctx.Worker)
                return ScaleRun.Execute(ctx, parse, work, new ScaleSettings(1, null, null, null), new ReduceSettings(), false);
            var settings = scale.Parse(parse);
            // The longest name each plan's bundle may get (--ignore moves on to later seeds: allow ten digits). A shard
            // writes no bundle (its results file holds them; merge writes them).
            if (settings.Shard is null)
                OutDirectory.Prepare(options.OutDir!, plans.Select(p => TraceBundle.FileName(p.Scenario.Name, p.Variant.Name, options.Strategy, uint.MaxValue)));
            return ScaleRun.Execute(ctx, parse, work, settings, new ReduceSettings { OutDir = options.OutDir }, parse.GetValue(json));
        });
        return command;
    }

    private static string CheckCategory(string category) =>
        System.Text.RegularExpressions.Regex.IsMatch(category, "^[a-z0-9-]+$")
            ? category
            : throw new InputError("--ignore", $"\"{category}\" is not a bug category (e.g. livelock, use-after-free)");

    private static int AtMost(int value, int max, string option) =>
        value <= max ? value : throw new InputError(option, $"must be at most {max}, found {value}");

    /// <summary>1 s to one day: the bound is handed to Coyote in milliseconds (a uint).</summary>
    private static int HangSeconds(int value) =>
        value is >= 1 and <= 86_400 ? value : throw new InputError("--hang-timeout", $"must be 1 to 86400 seconds, found {value}");

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new InputError(option, $"must be at least 1, found {value}");
}
