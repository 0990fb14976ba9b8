using System.CommandLine;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>hmm-spec check HISTORY.jsonl [--json] [--timeout S] [--max-states N] [--max-memory MIB] [--minimize [-o FILE]] [--html FILE]</c>: is a recorded history linearizable against the
/// reference model? Exit 0 yes, 1 no, 3 unknown within the budget, 2 malformed or bad usage.
/// </summary>
internal static class CheckCommand
{
    public static Command Create(CliContext ctx)
    {
        var history = new Argument<string>("history") { Description = "History file (JSON lines, docs/history-format.md)" };
        var json = new Option<bool>("--json") { Description = "Print the verdict and evidence as JSON" };
        var timeout = new Option<double?>("--timeout") { Description = "Time budget in seconds (parsing included); past it the verdict is unknown (exit 3)" };
        var minimize = new Option<bool>("--minimize") { Description = "For a violation, shrink the history to a small sub-history that is still not linearizable (delta debugging) and write it" };
        var minimizeOut = new Option<string?>("-o") { Description = "File for the minimized history (default HISTORY.min.jsonl beside the input)" };
        var html = new Option<string?>("--html") { Description = "Write an offline HTML view of the check: a lane per process, op bars in real time, the partial linearization, the failing op" };
        var maxStates = new Option<long?>("--max-states") { Description = "Memo entries the search may create; past it the verdict is unknown (exit 3). Default: no bound" };
        var maxMemory = new Option<long?>("--max-memory") { Description = "MiB the search's memo may hold (estimated); past it the verdict is unknown (exit 3). Default: a quarter of available memory, at most 512" };
        var command = new Command("check", "Check a recorded history for linearizability against the reference model")
        {
            history, json, timeout, maxStates, maxMemory, minimize, minimizeOut, html,
        };
        command.SetAction(parse =>
        {
            var path = PathArgument.NonEmpty(parse.GetValue(history), "the history path");
            using var quiet = NoGcRegion.ForHistory(path);
            var request = new CheckRequest(parse.GetValue(json), parse.GetValue(timeout), parse.GetValue(minimize), parse.GetValue(minimizeOut), parse.GetValue(html),
                parse.GetValue(maxStates), parse.GetValue(maxMemory));
            return CheckRunner.Run(path, request, ctx.Out, ctx.Err);
        });
        return command;
    }
}
