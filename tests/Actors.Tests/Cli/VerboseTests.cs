using Microsoft.Extensions.Logging;

namespace Hmm.Spec.Actors.Tests.Cli;

/// <summary>
/// <c>explore --verbose</c> hands the model a logger, so its steps (Trace) and violations (Debug) reach the log
/// under the tool's own logging rules (<see cref="Hmm.Spec.Cli.Cli.ConfigureLogging"/>); without it the model
/// logs nothing.
/// </summary>
public sealed class VerboseTests
{
    private sealed class Capture : ILoggerProvider
    {
        public readonly List<(string Category, LogLevel Level, string Message)> Lines = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(Capture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner.Lines)
                    owner.Lines.Add((category, logLevel, formatter(state, exception)));
            }
        }
    }

    private static Capture Explore(params string[] extra)
    {
        var capture = new Capture();
        var dir = Path.Combine(Path.GetTempPath(), "hmm-verbose-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var factory = LoggerFactory.Create(b => Hmm.Spec.Cli.Cli.ConfigureLogging(b).AddProvider(capture));
            var code = Hmm.Spec.Cli.Cli.Run(["explore", "--scenario", "fault-vs-fault", "--variant", "seed", "--iterations", "3",
                "--strategy", "random", "--seed", "1", "--out", dir, "--jobs", "1", .. extra], new StringWriter(), new StringWriter(), () => factory);
            code.Should().BeOneOf(0, 1);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        return capture;
    }

    [Fact]
    public void Verbose_logs_the_models_steps_and_the_default_does_not()
    {
        var verbose = Explore("--verbose").Lines.Where(l => l.Category == Hmm.Spec.Cli.Cli.ModelLogCategory).ToArray();
        verbose.Should().Contain(l => l.Level == LogLevel.Trace, "every model step is a Trace message");
        verbose.Should().Contain(l => l.Message.Contains(" cpu0 handle_mm_fault "), "the actors' own steps are logged, not only the setup's");

        Explore().Lines.Should().NotContain(l => l.Category == Hmm.Spec.Cli.Cli.ModelLogCategory);
    }
}
