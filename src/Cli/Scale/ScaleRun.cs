using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Hmm.Spec.Cli.Commands;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Extensions.Logging;

namespace Hmm.Spec.Cli.Scale;

/// <summary>The scale-out options of explore, verify, catalog and stress (README, docs/results-format.md).</summary>
internal sealed class ScaleOptions
{
    public readonly Option<int?> Jobs = new("--jobs")
    {
        Description = $"Worker processes to run the units in (default: the number of cores, here {Environment.ProcessorCount}); the results do not depend on it. " +
                      $"On Linux, 2 or more workers are each pinned to a CPU of their own when there are enough free CPUs ({CpuPinning.EnvVar}=0: unpinned)",
    };
    public readonly Option<string?> Shard = new("--shard") { Description = "Run only shard I of N (0-based, e.g. 0/4) of the units; needs --results" };
    public readonly Option<string?> Results = new("--results") { Description = "Write every unit's outcome to FILE (JSON, docs/results-format.md) for hmm-spec merge" };
    public readonly Option<string?> JUnit = new("--junit") { Description = "Write a JUnit XML report to FILE: one test case per unit" };
    private readonly bool _junit;

    public ScaleOptions(Command command, bool junit)
    {
        _junit = junit;
        command.Add(Jobs);
        command.Add(Shard);
        command.Add(Results);
        if (junit)
            command.Add(JUnit);
    }

    /// <summary>The names of the options that only say how the work is run, not what it is (left out of generated command lines).</summary>
    public static readonly string[] Names = ["--jobs", "--shard", "--results", "--junit"];

    public ScaleSettings Parse(ParseResult parse)
    {
        var jobs = parse.GetValue(Jobs) ?? Environment.ProcessorCount;
        if (jobs is < 1 or > 1024)
            throw new InputError("--jobs", $"must be from 1 to 1024, found {jobs}");
        var shard = parse.GetValue(Shard) is { } s ? ShardId.Parse(s) : (ShardId?)null;
        var results = parse.GetValue(Results);
        if (shard is not null && results is null)
            throw new InputError("--shard", "needs --results FILE: a shard's outcomes are only useful to hmm-spec merge");
        var junit = _junit ? parse.GetValue(JUnit) : null;
        // Before a long run: the files must be writable at its end.
        if (results is not null)
            OutputFile.Check("--results", results);
        if (junit is not null)
            OutputFile.Check("--junit", junit);
        return new ScaleSettings(jobs, shard, results, junit);
    }

    /// <summary>The command as a single run would be typed: <c>hmm-spec</c> and the tokens, scale-out options left out.</summary>
    public static string CommandLine(ParseResult parse)
    {
        var tokens = parse.Tokens.Select(t => t.Value).ToArray();
        var kept = new List<string>();
        for (var i = 0; i < tokens.Length; i++)
        {
            if (Names.Contains(tokens[i]))
            {
                i++; // and its value
                continue;
            }
            if (Names.Any(n => tokens[i].StartsWith(n + "=", StringComparison.Ordinal)))
                continue;
            kept.Add(tokens[i]);
        }
        return "hmm-spec " + string.Join(" ", kept);
    }
}

internal sealed record ScaleSettings(int Jobs, ShardId? Shard, string? Results, string? JUnit);

/// <summary>
/// Runs a command's work: all of it or one shard, in one process or in worker processes, then prints what the
/// command prints (from <see cref="IReducer"/>, the same code <c>merge</c> uses) or, for a shard, what the shard ran.
/// </summary>
internal static class ScaleRun
{
    public static int Execute(CliContext ctx, ParseResult parse, Work work, ScaleSettings scale, ReduceSettings reduce, bool json,
        Action<Summary>? print = null)
    {
        if (ctx.Worker)
            return Worker.Loop(work, ctx.Out);
        var definition = (JsonObject)JsonNode.Parse(work.Definition.ToJsonString())!;
        var units = Work.UnitsOf(definition);
        var selected = scale.Shard is { } shard ? units.Where(u => shard.Holds(u.Index)).ToArray() : units;
        var log = ctx.Loggers.CreateLogger(work.Command);
        Progress? progress = null;
        if (selected.Count == 1 && scale.Jobs >= 1 && scale.Shard is null)
            work.UnitLogger = log; // one unit: its own progress, as before scale-out
        else if (selected.Count > 1)
            progress = new Progress(work.Command, selected.Count, ctx.Terminal, log);
        var watch = Stopwatch.StartNew();
        // Each unit runs as its definition (read back from JSON) describes it.
        var runnable = selected.Select(u => work.Units[u.Index]).ToArray();
        var outcomes = UnitRunner.Run(work, runnable, scale.Jobs, progress, ctx.Launcher ?? WorkerLauncher.Default(), ctx.Args);
        progress?.Finish();
        var wall = watch.ElapsedMilliseconds;
        var commandLine = ScaleOptions.CommandLine(parse);

        if (scale.Shard is { } s)
        {
            var file = ResultsFile.Create(work, s, outcomes, wall, scale.Jobs, commandLine);
            OutputFile.Write("--results", scale.Results!, ResultsFile.Render(file));
            if (json)
                ctx.Out.Write(ResultsFile.Render(file));
            else
                WriteShard(ctx.Out, work.Command, s, units.Count, selected, outcomes, scale.Results!);
            if (scale.JUnit is { } junit)
                OutputFile.Write("--junit", junit, JUnitReport.Render(work.Command, selected, outcomes, $"in {scale.Results} (hmm-spec merge writes it)"));
            return outcomes.Any(o => o.Status == UnitStatus.Bug) ? Cli.ExitBug
                : outcomes.Any(o => o.Status is UnitStatus.Error or UnitStatus.Incomplete) ? Cli.ExitIncomplete
                : Cli.ExitOk;
        }

        var summary = Reducers.For(work.Command).Reduce(definition, units, outcomes, reduce with { WallMs = wall, CommandLine = commandLine });
        if (print is not null)
            print(summary);
        else
            ctx.Out.Write(json ? summary.JsonText : summary.Text);
        if (scale.Results is { } results)
            OutputFile.Write("--results", results, ResultsFile.Render(ResultsFile.Create(work, new ShardId(0, 1), outcomes, wall, scale.Jobs, commandLine)));
        if (scale.JUnit is { } j)
            OutputFile.Write("--junit", j, JUnitReport.Render(work.Command, units, outcomes));
        return summary.ExitCode;
    }

    private static void WriteShard(TextWriter w, string command, ShardId shard, int total, IReadOnlyList<WorkUnit> units, IReadOnlyList<UnitOutcome> outcomes, string results)
    {
        w.WriteLine($"{command}: shard {shard} ran {units.Count} of {total} unit(s): {outcomes.Count(o => o.Status == UnitStatus.Bug)} with bugs, " +
                    $"{outcomes.Count(o => o.Status == UnitStatus.Incomplete)} incomplete, {outcomes.Count(o => o.Status == UnitStatus.Error)} failed; results in {results}");
        foreach (var (unit, o) in units.Zip(outcomes))
        {
            switch (o.Status)
            {
                case UnitStatus.Bug:
                    foreach (var bug in o.Bugs)
                        w.WriteLine($"  {unit.Key}: BUG {bug.Category}: {bug.Message}");
                    break;
                case UnitStatus.Error:
                    w.WriteLine($"  {unit.Key}: ERROR {o.Error}");
                    break;
                case UnitStatus.Incomplete:
                    w.WriteLine($"  {unit.Key}: incomplete");
                    break;
            }
        }
        w.WriteLine($"(hmm-spec merge RESULTS... prints the whole run's summary and writes its bundles once every shard's results are there)");
    }
}
