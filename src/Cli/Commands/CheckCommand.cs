using System.CommandLine;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>hmm-spec check HISTORY.jsonl [--json] [--timeout S]</c>: is a recorded history linearizable against the
/// reference model? Exit 0 yes, 1 no, 3 unknown within the budget, 2 malformed or bad usage.
/// </summary>
internal static class CheckCommand
{
    public static Command Create(CliContext ctx)
    {
        var history = new Argument<string>("history") { Description = "History file (JSON lines, docs/history-format.md)" };
        var json = new Option<bool>("--json") { Description = "Print the verdict and evidence as JSON" };
        var timeout = new Option<double?>("--timeout") { Description = "Time budget in seconds (parsing included); past it the verdict is unknown (exit 3)" };
        var command = new Command("check", "Check a recorded history for linearizability against the reference model")
        {
            history, json, timeout,
        };
        command.SetAction(parse =>
        {
            var path = PathArgument.NonEmpty(parse.GetValue(history), "the history path");
            using var quiet = NoGcRegion.ForHistory(path);
            return CheckRunner.Run(path, parse.GetValue(json), parse.GetValue(timeout), ctx.Out, ctx.Err);
        });
        return command;
    }
}
