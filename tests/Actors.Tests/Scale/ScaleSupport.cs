using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hmm.Spec.Actors.Tests.Cli;
using Hmm.Spec.Cli;

namespace Hmm.Spec.Actors.Tests.Scale;

/// <summary>Runs the command line in-process with its workers as real processes (this build's hmm-spec.dll), and compares outputs.</summary>
internal static partial class ScaleSupport
{
    public static CliRunner.Outcome Run(IReadOnlyDictionary<string, string>? workerEnvironment, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var host = new CliHost { WorkerEnvironment = workerEnvironment ?? new Dictionary<string, string>() };
        var code = Hmm.Spec.Cli.Cli.Run(args, o, e, () => new WriterLoggerFactory(e), host);
        return new CliRunner.Outcome(code, o.ToString(), e.ToString());
    }

    /// <summary>Logs as lines on the error writer (what the console logger does in a real run).</summary>
    private sealed class WriterLoggerFactory(TextWriter w) : Microsoft.Extensions.Logging.ILoggerFactory, Microsoft.Extensions.Logging.ILogger
    {
        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (w)
                w.WriteLine($"{logLevel}: {formatter(state, exception)}");
        }
    }

    public static CliRunner.Outcome Run(params string[] args) => Run(null, args);

    /// <summary>Text output with times and the output directory taken out (they differ between any two runs).</summary>
    public static string Normalized(string text, params string[] dirs)
    {
        foreach (var d in dirs)
            text = text.Replace(d, "OUT", StringComparison.Ordinal);
        text = Millis().Replace(text, "X ms");
        return Seconds().Replace(text, "X s");
    }

    /// <summary>JSON output with the measured fields (times) and the bundle paths' directory taken out.</summary>
    public static string NormalizedJson(string json, params string[] dirs)
    {
        var node = JsonNode.Parse(json)!;
        Strip(node);
        return Normalized(node.ToJsonString(), dirs.Select(d => d.Replace("/", "\\/", StringComparison.Ordinal)).Concat(dirs).ToArray());
    }

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var name in new[] { "elapsedMs", "seconds" })
                    o.Remove(name);
                foreach (var (_, v) in o.ToArray())
                    Strip(v);
                break;
            case JsonArray a:
                foreach (var v in a)
                    Strip(v);
                break;
        }
    }

    /// <summary>Every file of a directory: name and bytes.</summary>
    public static IReadOnlyDictionary<string, byte[]> Files(string dir) =>
        Directory.Exists(dir)
            ? Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes)
            : new Dictionary<string, byte[]>();

    public static void ShouldHoldTheSameFiles(this string dir, string other)
    {
        var a = Files(dir);
        var b = Files(other);
        a.Keys.Should().Equal(b.Keys, "the same bundles are written");
        foreach (var (name, bytes) in a)
            bytes.Should().Equal(b[name], $"{name} has the same bytes");
    }

    [GeneratedRegex(@"\b\d+ ms\b")]
    private static partial Regex Millis();

    [GeneratedRegex(@"\b\d+\.\d s\b")]
    private static partial Regex Seconds();
}
