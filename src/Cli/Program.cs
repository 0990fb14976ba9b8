using Hmm.Spec.Cli;
using Microsoft.Extensions.Logging;

// Logs go to stderr (the console provider), results to stdout, so `--json` output stays machine-readable.
using var loggerFactory = LoggerFactory.Create(b => b
    .AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss ";
    })
    .AddFilter("Microsoft", LogLevel.Warning)
    .SetMinimumLevel(LogLevel.Information)
    .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
return Cli.Run(args, Console.Out, Console.Error, loggerFactory);
