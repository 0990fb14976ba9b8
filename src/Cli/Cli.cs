using System.CommandLine;
using Hmm.Spec.Actors.Input;
using Hmm.Spec.Cli.Commands;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hmm.Spec.Cli;

/// <summary>
/// The <c>hmm-spec</c> command line, callable in-process (tests pass their own writers). Exit codes:
/// 0 no bug / success, 1 bug found (or reproduced), 2 bad input, 3 undecided (check) or incomplete (verify).
/// </summary>
public static class Cli
{
    public const int ExitOk = 0, ExitBug = 1, ExitBadInput = 2, ExitIncomplete = 3;

    /// <summary>Logger category of the model's worlds (their steps at Trace, violations at Debug); only <c>explore --verbose</c> creates it.</summary>
    public const string ModelLogCategory = "Hmm.Spec.Model";

    /// <summary>
    /// The levels the tool logs at: Information and up, Microsoft's own at Warning, and the model's steps (Trace)
    /// whenever a logger of <see cref="ModelLogCategory"/> exists, which only <c>explore --verbose</c> creates.
    /// </summary>
    public static ILoggingBuilder ConfigureLogging(ILoggingBuilder builder) => builder
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddFilter(ModelLogCategory, LogLevel.Trace)
        .SetMinimumLevel(LogLevel.Information);

    /// <summary>
    /// The verbs, each built only when needed: building a command loads the assemblies it uses (the model,
    /// Coyote), and <c>check</c> needs none of them, so a run that names a verb builds just that one.
    /// </summary>
    private static readonly (string Name, Func<CliContext, Command> Create)[] Verbs =
    [
        ("explore", ctx => ExploreCommand.Create(ctx)),
        ("replay", ctx => ReplayCommand.Create(ctx)),
        ("list", ctx => ListCommand.Create(ctx)),
        ("bench", ctx => BenchCommand.Create(ctx)),
        ("check", ctx => CheckCommand.Create(ctx)),
        ("history", ctx => HistoryCommand.Create(ctx)),
        ("catalog", ctx => CatalogCommand.Create(ctx)),
        ("stress", ctx => StressCommand.Create(ctx)),
        ("verify", ctx => VerifyCommand.Create(ctx)),
        ("merge", ctx => MergeCommand.Create(ctx)),
    ];

    /// <summary>System.CommandLine names the .NET type it expected ('System.Int32'); say what a user would type instead.</summary>
    private static string InOurWords(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"as expected type '([^']+)'\.?", m => m.Groups[1].Value switch
        {
            "System.Int32" => $"as a whole number from {int.MinValue} to {int.MaxValue}",
            "System.UInt32" => $"as a whole number from 0 to {uint.MaxValue}",
            var t when t.Contains("System.Double", StringComparison.Ordinal) => "as a number",
            _ => "as a value of that option",
        });

    public static int Run(string[] args, TextWriter output, TextWriter error, ILoggerFactory? loggerFactory = null) =>
        Run(args, output, error, () => loggerFactory ?? NullLoggerFactory.Instance);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter, Func{ILoggerFactory})"/>, with how this process is hosted.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, Func<ILoggerFactory> loggers, CliHost host) =>
        RunHosted(args, output, error, loggers, host);

    /// <summary>
    /// As above, with the logger factory made on first use (the verbs that do not log never make it). Every error is
    /// one line on standard error, with whatever it echoes from the input cut to an excerpt; output that cannot be
    /// written (a full device) ends the run with exit code 2 too.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, Func<ILoggerFactory> loggers) =>
        RunHosted(args, output, error, loggers, new CliHost());

    private static int RunHosted(string[] args, TextWriter output, TextWriter error, Func<ILoggerFactory> loggers, CliHost host)
    {
        output = new GuardedWriter(output, "standard output");
        error = new GuardedWriter(error, "standard error");
        try
        {
            return RunGuarded(args, output, error, loggers, host);
        }
        catch (OutputFailedException e)
        {
            // Say so on the other stream if it still works; a failing standard error leaves only the exit code.
            try
            {
                error.WriteLine($"hmm-spec: {Excerpt.Clean(e.Message)}");
            }
            catch (OutputFailedException)
            {
            }
            return ExitBadInput;
        }
    }

    private static int RunGuarded(string[] args, TextWriter output, TextWriter error, Func<ILoggerFactory> loggers, CliHost host)
    {
        // A worker of a scale-out run (docs/results-format.md): the same command and arguments, behind a hidden verb.
        var worker = args.Length > 0 && args[0] == Scale.Worker.Verb;
        if (worker)
            args = args[1..];
        var context = new CliContext(output, error, new Lazy<ILoggerFactory>(loggers))
        {
            Args = args,
            Worker = worker,
            Terminal = host.ErrorIsTerminal && !worker ? error : null,
            Launcher = host.Launcher,
        };
        var root = new RootCommand("Hmm.Spec: model checking and test oracles for Linux HMM un-addressable device memory");
        var named = args.Length > 0 ? Array.FindIndex(Verbs, v => v.Name == args[0]) : -1;
        foreach (var (name, create) in Verbs)
        {
            if (named < 0 || name == args[0]) root.Add(create(context));
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"hmm-spec: {Excerpt.Clean(InOurWords(parse.Errors[0].Message))}");
            return ExitBadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (InputError e)
        {
            error.WriteLine($"hmm-spec: {Excerpt.Clean(e.Message)}");
            return ExitBadInput;
        }
    }
}

/// <summary>Where commands write and log.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Err, Lazy<ILoggerFactory> LazyLoggers)
{
    public ILoggerFactory Loggers => LazyLoggers.Value;

    /// <summary>The command's arguments (a worker is started with the same ones).</summary>
    public string[] Args { get; init; } = [];

    /// <summary>This process is a worker of a scale-out run: it runs the units it is sent.</summary>
    public bool Worker { get; init; }

    /// <summary>Standard error when it is a terminal (progress is then one line redrawn in place), else null.</summary>
    public TextWriter? Terminal { get; init; }

    /// <summary>How to start workers (null: this tool again, <see cref="Scale.WorkerLauncher.Default"/>).</summary>
    internal Scale.WorkerLauncher? Launcher { get; init; }
}

/// <summary>How the process that runs the command line is hosted (Program.cs; tests use the defaults).</summary>
public sealed record CliHost
{
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The program and leading arguments that start this tool as a worker (null: found from this process).</summary>
    public (string FileName, IReadOnlyList<string> Prefix)? WorkerCommand { get; init; }

    /// <summary>Environment variables for the workers beside this process's (tests set the crash hook here).</summary>
    public IReadOnlyDictionary<string, string> WorkerEnvironment { get; init; } = new Dictionary<string, string>();

    internal Scale.WorkerLauncher? Launcher =>
        WorkerCommand is null && WorkerEnvironment.Count == 0
            ? null
            : (WorkerCommand is { } c ? new Scale.WorkerLauncher(c.FileName, c.Prefix) : Scale.WorkerLauncher.Default()) with { Environment = WorkerEnvironment };
}
