using System.CommandLine;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>hmm-spec check HISTORY.jsonl [--json] [--timeout S] [--max-states N] [--max-memory MIB]</c>: is a recorded history linearizable against the
/// reference model? Exit 0 yes, 1 no, 3 unknown within the budget, 2 malformed or bad usage.
/// </summary>
internal static class CheckCommand
{
    public static Command Create(CliContext ctx)
    {
        var history = new Argument<string>("history") { Description = "History file (JSON lines, docs/history-format.md)" };
        var json = new Option<bool>("--json") { Description = "Print the verdict and evidence as JSON" };
        var timeout = new Option<double?>("--timeout") { Description = "Time budget in seconds (parsing included); past it the verdict is unknown (exit 3)" };
        var maxStates = new Option<long?>("--max-states") { Description = "Memo entries the search may create; past it the verdict is unknown (exit 3). Default: no bound" };
        var maxMemory = new Option<long?>("--max-memory") { Description = "MiB the search's memo may hold (estimated); past it the verdict is unknown (exit 3). Default: a quarter of available memory, at most 512" };
        var command = new Command("check", "Check a recorded history for linearizability against the reference model")
        {
            history, json, timeout, maxStates, maxMemory,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(history)!;
            using var quiet = NoGcRegion.ForHistory(path);
            return CheckRunner.Run(path, parse.GetValue(json), parse.GetValue(timeout), ctx.Out, ctx.Err,
                parse.GetValue(maxStates), parse.GetValue(maxMemory));
        });
        return command;
    }
}
