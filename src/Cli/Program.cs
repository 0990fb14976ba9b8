using Hmm.Spec.Cli;
using Microsoft.Extensions.Logging;

// Logs go to stderr (the console provider), results to stdout, so `--json` output stays machine-readable.
// The factory is made on first use: setting up console logging costs start-up time that `check` does not need.
ILoggerFactory? loggerFactory = null;
try
{
    return Cli.Run(args, Console.Out, Console.Error, () => loggerFactory = LoggerFactory.Create(b => Cli.ConfigureLogging(b
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        }))),
        new CliHost { ErrorIsTerminal = !Console.IsErrorRedirected });
}
finally
{
    loggerFactory?.Dispose();
}
