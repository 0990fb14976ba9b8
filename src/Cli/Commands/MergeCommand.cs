using System.CommandLine;
using Hmm.Spec.Actors.Input;
using Hmm.Spec.Cli.Scale;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>hmm-spec merge RESULTS...</c>: the shards' results files of one run (explore, verify, catalog or stress with
/// <c>--shard I/N --results FILE</c>) combined into what that run would have printed in one piece, with the same
/// exit code and the bundles of the bugs it reports written to <c>--out</c>. Exit 2 for a file that is not a results
/// file, is truncated, or belongs to other work or another build, and for two different copies of one shard;
/// exit 3 when shards are missing (they are named). docs/results-format.md.
/// </summary>
internal static class MergeCommand
{
    public static Command Create(CliContext ctx)
    {
        var files = new Argument<string[]>("RESULTS") { Description = "Results files (--results) of the shards of one run", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print results as JSON, as the command's --json does" };
        var junit = new Option<string?>("--junit") { Description = "Write a JUnit XML report to FILE: one test case per unit" };
        var outDir = new Option<string>("--out") { Description = "Directory for the reported bugs' trace bundles", DefaultValueFactory = _ => "hmm-out" };
        var summaryFile = new Option<string?>("--out-summary") { Description = "Also write what is printed to FILE (e.g. the catalog's Markdown)" };
        var markdown = new Option<string?>("--markdown") { Description = "verify: replace the results table in this Markdown file, as verify --markdown does" };
        var command = new Command("merge", "Combine the results files of a sharded run into the output of one run")
        {
            files, json, junit, outDir, summaryFile, markdown,
        };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files)!;
            var loaded = paths.Select(ResultsFile.Read).ToArray();
            var first = loaded[0];
            foreach (var l in loaded.Skip(1))
            {
                if (l.Command != first.Command || l.Hash != first.Hash || l.Shard.Count != first.Shard.Count)
                    throw new InputError(l.Path, $"results of other work than {first.Path} ({l.Command}, work {l.Hash[..12]}, {l.Shard.Count} shard(s); " +
                                                 $"expected {first.Command}, work {first.Hash[..12]}, {first.Shard.Count} shard(s)): merge the shards of one run");
            }
            var reducer = Reducers.For(first.Command);
            var shards = new Dictionary<int, ResultsFile.Loaded>();
            foreach (var l in loaded)
            {
                if (!shards.TryGetValue(l.Shard.Index, out var seen))
                {
                    shards[l.Shard.Index] = l;
                    continue;
                }
                var differs = seen.Outcomes.Zip(l.Outcomes).FirstOrDefault(p => reducer.Comparable(p.First) != reducer.Comparable(p.Second));
                if (differs.First is not null)
                    throw new InputError("merge", $"conflict: shard {l.Shard} is in {seen.Path} and in {l.Path} with different results (unit {differs.First.Key})");
                ctx.Err.WriteLine($"hmm-spec: merge: shard {l.Shard} is in {seen.Path} and in {l.Path} with the same results: taken once");
            }
            var missing = Enumerable.Range(0, first.Shard.Count).Where(i => !shards.ContainsKey(i)).ToArray();
            if (missing.Length > 0)
            {
                var bugs = shards.Values.Sum(s => s.Outcomes.Count(o => o.Status == UnitStatus.Bug));
                ctx.Err.WriteLine($"hmm-spec: merge: incomplete: {missing.Length} of {first.Shard.Count} shard(s) missing: " +
                                  $"{Excerpt.Clean(string.Join(", ", missing.Select(i => $"{i}/{first.Shard.Count}")))}" +
                                  $" ({first.Command}, work {first.Hash[..12]}; the {shards.Count} present hold {bugs} unit(s) with bugs)");
                return Cli.ExitIncomplete;
            }
            var outcomes = shards.Values.SelectMany(s => s.Outcomes).OrderBy(o => o.Index).ToArray();
            var markdownFile = parse.GetValue(markdown);
            if (markdownFile is not null && first.Command != "verify")
                throw new InputError("--markdown", $"only verify results have a Markdown table ({first.Command} results: use --out-summary)");
            if (markdownFile is not null && !File.Exists(markdownFile))
                throw new InputError("--markdown", $"{markdownFile}: no such file (it must hold the table's section markers)");
            var outDirectory = parse.GetValue(outDir)!;
            if (outcomes.Any(o => o.Bugs.Any(b => b.BundleText is not null)))
                OutDirectory.Prepare(outDirectory, outcomes.SelectMany(o => o.Bugs).Where(b => b.BundleFile is not null).Select(b => b.BundleFile!));
            var summary = reducer.Reduce(first.Definition, first.Units, outcomes, new ReduceSettings
            {
                OutDir = outDirectory,
                WallMs = shards.Values.Sum(s => s.WallMs),
                CommandLine = first.CommandLine,
                Markdown = markdownFile,
            });
            var text = parse.GetValue(json) ? summary.JsonText : summary.Text;
            ctx.Out.Write(text);
            if (parse.GetValue(summaryFile) is { } sf)
                OutputFile.Write("--out-summary", sf, text);
            if (parse.GetValue(junit) is { } j)
                OutputFile.Write("--junit", j, JUnitReport.Render(first.Command, first.Units, outcomes));
            return summary.ExitCode;
        });
        return command;
    }
}
