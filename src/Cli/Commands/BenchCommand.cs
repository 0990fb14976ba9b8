using System.CommandLine;
using System.Globalization;
using System.Text;
using Hmm.Spec.Actors.Bench;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Extensions.Logging;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>hmm-spec bench</c>: per scenario, iterations/s and scheduling points per iteration beside Coyote's floor,
/// and the time to the seed's use-after-free over many seeds; prints Markdown, optionally replaces the
/// "## Exploration" section of a file (docs/performance.md).
/// </summary>
internal static class BenchCommand
{
    public const string Section = "## Exploration";
    public const string BugScenario = "fault-vs-fault";

    public static Command Create(CliContext ctx)
    {
        var scenarios = new Option<string[]>("--scenario") { Description = "Scenarios to measure (default: every built-in)" };
        var variant = new Option<string>("--variant") { Description = "Variant to measure speed on (a clean one runs the whole budget)", DefaultValueFactory = _ => "upstream" };
        var iterations = new Option<int>("--iterations") { Description = "Iterations per measurement", DefaultValueFactory = _ => 200 };
        var seeds = new Option<int>("--seeds") { Description = "Seeds for the time-to-bug measurement (0: skip it)", DefaultValueFactory = _ => 20 };
        var write = new Option<string?>("--write") { Description = $"Replace the \"{Section}\" section of this Markdown file with the results" };
        var command = new Command("bench", "Measure exploration speed against Coyote's bare floor") { scenarios, variant, iterations, seeds, write };
        command.SetAction(parse =>
        {
            var log = ctx.Loggers.CreateLogger("bench");
            var names = parse.GetValue(scenarios) ?? [];
            var n = parse.GetValue(iterations);
            if (n < 1) throw new InputError("--iterations", $"must be at least 1, found {n}");
            var seedCount = parse.GetValue(seeds);
            if (seedCount < 0) throw new InputError("--seeds", $"must be at least 0, found {seedCount}");
            if (parse.GetValue(write) is { } target)
                OutputFile.Check("--write", target); // before the long measurement, not after it
            var plans = (names.Length == 0 ? BuiltinScenarios.LoadAll() : names.Select(BuiltinScenarios.Resolve).ToArray())
                .Select(s => ScenarioPlan.Create(s, parse.GetValue(variant)))
                .ToArray();

            var rows = new List<BenchRow>();
            foreach (var plan in plans)
            {
                log.LogInformation("measuring {Scenario}", plan.Scenario.Name);
                rows.Add(ExplorationBench.Measure(plan, n));
            }
            TimeToBugRow? ttb = null;
            if (seedCount > 0)
            {
                log.LogInformation("time to the seed's use-after-free over {Seeds} seeds", seedCount);
                ttb = ExplorationBench.TimeToBug(ScenarioPlan.Create(BuiltinScenarios.Load(BugScenario), "seed"),
                    ExplorationStrategy.Portfolio, seedCount, ExploreOptions.DefaultIterations, "use-after-free",
                    new HashSet<string> { "livelock" });
            }
            var markdown = Render(rows, ttb, n);
            ctx.Out.Write(markdown);
            if (parse.GetValue(write) is { } file)
                ReplaceSection(file, markdown);
            return Cli.ExitOk;
        });
        return command;
    }

    private static string Render(IReadOnlyList<BenchRow> rows, TimeToBugRow? ttb, int iterations)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(Section).AppendLine();
        sb.AppendLine($"Measured by `hmm-spec bench` on {DateTime.UtcNow:yyyy-MM-dd} ({Environment.ProcessorCount} cores, shared), " +
                      $"random strategy, seed 1, variant `{rows.FirstOrDefault()?.Variant}`. " +
                      "The floor is an empty Coyote test with the same actors and scheduling points per iteration. " +
                      $"Per row, both are first warmed up in chunks of a quarter of the iterations (at least 20) until a chunk " +
                      "compiles no new method (JIT and tiered recompilation), then " +
                      $"{ExplorationBench.Rounds} rounds time {iterations} iterations of the model and then of the floor; " +
                      "each side's speed is its fastest round (load from other processes only slows a run down), and the cost " +
                      "ratio is the model's time per scheduling point over the floor's, both from those rounds (target: at most 2x). " +
                      "The last column is what the fastest rounds allocated per iteration (the whole process, Coyote's share " +
                      "included): unlike the speeds it does not depend on the machine's load.").AppendLine();
        sb.AppendLine("| scenario | iterations/s | scheduling points/iteration | floor iterations/s | floor points/iteration | cost ratio | KiB allocated/iteration, model / floor |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            sb.AppendLine(string.Format(inv, "| {0} | {1:F0} | {2:F0} | {3:F0} | {4:F0} | {5:F2}x | {6:F0} / {7:F0} |", r.Scenario, r.IterationsPerSecond,
                r.StepsPerIteration, r.FloorIterationsPerSecond, r.FloorStepsPerIteration, r.CostRatio, r.AllocatedKiBPerIteration, r.FloorAllocatedKiBPerIteration));
        if (ttb is not null)
        {
            sb.AppendLine();
            sb.AppendLine(string.Format(inv,
                "Time to the seed's use-after-free (`{0}` on `{1}`, {2} strategy, seeds 0, 1000, ..., {3}000, budget {4} iterations, " +
                "looking past the seed's known migration-wait livelock with `--ignore livelock`): " +
                "found with {5}/{6} seeds; median {7} iterations (worst {8}), median {9} ms (worst {10} ms). Target: median under 200 iterations and 1 s.",
                ttb.Scenario, ttb.Variant, ttb.Strategy, ttb.Seeds - 1, ExploreOptions.DefaultIterations, ttb.Found, ttb.Seeds,
                FirstHitTimes.Show(ttb.MedianIterations), FirstHitTimes.Show(ttb.WorstIterations), FirstHitTimes.Show(ttb.MedianMs), FirstHitTimes.Show(ttb.WorstMs)));
        }
        return sb.ToString();
    }

    /// <summary>Replaces the section from <see cref="Section"/> to the next "## " heading, or appends it.</summary>
    private static void ReplaceSection(string file, string section)
    {
        var text = File.Exists(file) ? File.ReadAllText(file) : "# Performance\n\n";
        var start = text.IndexOf(Section + "\n", StringComparison.Ordinal);
        if (start < 0)
        {
            OutputFile.Write("--write", file, text.TrimEnd() + "\n\n" + section);
            return;
        }
        var next = text.IndexOf("\n## ", start + Section.Length, StringComparison.Ordinal);
        var rest = next < 0 ? "" : text[(next + 1)..];
        OutputFile.Write("--write", file, text[..start] + section + (rest.Length > 0 ? "\n" + rest : ""));
    }
}
