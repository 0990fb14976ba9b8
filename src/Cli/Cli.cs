using System.CommandLine;
using Hmm.Spec.Cli.Commands;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hmm.Spec.Cli;

/// <summary>
/// The <c>hmm-spec</c> command line, callable in-process (tests pass their own writers). Exit codes:
/// 0 no bug / success, 1 bug found (or reproduced), 2 bad input, 3 undecided (check).
/// </summary>
public static class Cli
{
    public const int ExitOk = 0, ExitBug = 1, ExitBadInput = 2;

    public static int Run(string[] args, TextWriter output, TextWriter error, ILoggerFactory? loggerFactory = null)
    {
        var context = new CliContext(output, error, loggerFactory ?? NullLoggerFactory.Instance);
        var root = new RootCommand("Hmm.Spec: model checking and test oracles for Linux HMM un-addressable device memory")
        {
            ExploreCommand.Create(context),
            ReplayCommand.Create(context),
            ListCommand.Create(context),
            BenchCommand.Create(context),
            CheckCommand.Create(context),
            HistoryCommand.Create(context),
            CatalogCommand.Create(context),
            StressCommand.Create(context),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"hmm-spec: {parse.Errors[0].Message}");
            return ExitBadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (InputError e)
        {
            error.WriteLine($"hmm-spec: {e.Message}");
            return ExitBadInput;
        }
    }
}

/// <summary>Where commands write and log.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Err, ILoggerFactory Loggers);
