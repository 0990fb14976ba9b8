using System.CommandLine;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>hmm-spec history generate --ops N --processes P --kind rw|contended|mixed|device-mixed|broken [--broken] --seed S [-o FILE]</c>:
/// synthetic histories for benchmarks and for testing other tools' pipelines.
/// </summary>
internal static class HistoryCommand
{
    public static Command Create(CliContext ctx)
    {
        var ops = new Option<int>("--ops") { Description = "Number of operations", DefaultValueFactory = _ => 1000 };
        var processes = new Option<int>("--processes") { Description = "Concurrent processes", DefaultValueFactory = _ => 4 };
        var kind = new Option<string>("--kind") { Description = "rw | contended | mixed | device-mixed | broken (= rw --broken)", DefaultValueFactory = _ => "rw" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var broken = new Option<bool>("--broken") { Description = "Corrupt one read completed halfway through (a value nobody wrote): not linearizable" };
        var output = new Option<string?>("--output", "-o") { Description = "Output file (default: standard output)" };
        var generate = new Command("generate", "Generate a history from a simulated system (linearizable, except kind broken)")
        {
            ops, processes, kind, seed, broken, output,
        };
        generate.SetAction(parse => GenerateRunner.Run(parse.GetValue(ops), parse.GetValue(processes), parse.GetValue(kind)!,
            parse.GetValue(seed), parse.GetValue(output), ctx.Out, ctx.Err, parse.GetValue(broken)));
        return new Command("history", "Work with history files") { generate };
    }
}
