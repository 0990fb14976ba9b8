using System.CommandLine;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>hmm-spec history generate --ops N --processes P --kind rw|contended|mixed|device-mixed|broken [--broken] --seed S [-o FILE]</c>:
/// synthetic histories for benchmarks and for testing other tools' pipelines.
/// </summary>
internal static class HistoryCommand
{
    /// <summary>Largest generated history: ten times the largest one measured in docs/performance.md.</summary>
    public const int MaxOps = 10_000_000;

    public static Command Create(CliContext ctx)
    {
        var ops = new Option<int>("--ops") { Description = $"Number of operations (at most {MaxOps})", DefaultValueFactory = _ => 1000 };
        var processes = new Option<int>("--processes") { Description = "Concurrent processes", DefaultValueFactory = _ => 4 };
        var kind = new Option<string>("--kind") { Description = "rw | contended | mixed | device-mixed | broken (= rw --broken)", DefaultValueFactory = _ => "rw" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var broken = new Option<bool>("--broken") { Description = "Corrupt one read completed halfway through (a value nobody wrote): not linearizable" };
        var output = new Option<string?>("--output", "-o") { Description = "Output file (default: standard output)" };
        var generate = new Command("generate", "Generate a history from a simulated system (linearizable, except kind broken)")
        {
            ops, processes, kind, seed, broken, output,
        };
        generate.SetAction(parse =>
        {
            // The generator holds the whole history in memory: past this it would exhaust it rather than fail.
            if (parse.GetValue(ops) > MaxOps)
                throw new InputError("--ops", $"at most {MaxOps}, found {parse.GetValue(ops)}");
            int Generate(TextWriter to) => GenerateRunner.Run(parse.GetValue(ops), parse.GetValue(processes), parse.GetValue(kind)!,
                parse.GetValue(seed), outPath: null, to, ctx.Err, parse.GetValue(broken));
            if (parse.GetValue(output) is not { } path)
                return Generate(ctx.Out);
            // The file is written whole or not at all (a history cut at a line boundary would still parse).
            var code = Cli.ExitOk;
            OutputFile.Write("--output", PathArgument.NonEmpty(path, "--output"), w => (code = Generate(w)) == Cli.ExitOk);
            return code;
        });
        return new Command("history", "Work with history files") { generate };
    }
}
