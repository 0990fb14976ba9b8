using Hmm.Spec.Cli;
using Microsoft.Extensions.Logging;

// Logs go to stderr (the console provider), results to stdout, so `--json` output stays machine-readable.
using var loggerFactory = LoggerFactory.Create(b => b
    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
    .AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss ";
    })
    .AddFilter("Microsoft", LogLevel.Warning)
    .SetMinimumLevel(LogLevel.Information));
return Cli.Run(args, Console.Out, Console.Error, loggerFactory);
