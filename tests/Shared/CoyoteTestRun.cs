using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;
using Xunit.Abstractions;

namespace Hmm.Spec.Tests.Shared;

/// <summary>
/// The one way tests run a Coyote test (compiled into each test project from tests/Shared): a fixed seed, a fixed
/// number of iterations, Coyote's own console log silenced, and on the test's output the seed, the bug count,
/// every bug, and, when there is a bug, the caller's extra context and the reproducible trace.
/// </summary>
internal static class CoyoteTestRun
{
    /// <summary>A configuration with a fixed <paramref name="seed"/> and <paramref name="iterations"/>, telemetry
    /// off, Coyote's default (random) strategy; callers add a strategy with the Configuration's own methods.</summary>
    public static Configuration Config(uint seed, int iterations) =>
        Configuration.Create().WithTestingIterations((uint)iterations).WithRandomGeneratorSeed(seed).WithTelemetryEnabled(false);

    /// <summary>
    /// Runs <paramref name="test"/> under <paramref name="config"/> and returns the report. With
    /// <paramref name="output"/>, writes <c>label: seed S, N bug(s) in I iterations</c>, each bug, and when there
    /// is one, <paramref name="onBug"/>'s text and the reproducible trace. With <paramref name="requireRewritten"/>,
    /// first asserts that the test's assembly is rewritten (else every iteration would be a false deadlock).
    /// </summary>
    public static TestReport Run(Configuration config, Func<Task> test, ITestOutputHelper? output = null,
        string label = "coyote", Func<string>? onBug = null, bool requireRewritten = false)
    {
        using var engine = TestingEngine.Create(config, test);
        engine.SetLogger(new Microsoft.Coyote.Logging.TextWriterLogger(TextWriter.Null, Microsoft.Coyote.Logging.VerbosityLevel.None));
        if (requireRewritten)
            engine.IsTestRewritten().Should().BeTrue("the test's assembly must be rewritten before Coyote runs it");
        engine.Run();
        var report = engine.TestReport;
        if (output is not null)
        {
            output.WriteLine($"{label}: seed {config.RandomGeneratorSeed}, {report.NumOfFoundBugs} bug(s) in {config.TestingIterations} iterations");
            foreach (var bug in report.BugReports)
                output.WriteLine(bug);
            if (report.NumOfFoundBugs > 0)
            {
                if (onBug is not null)
                    output.WriteLine(onBug());
                output.WriteLine(engine.ReproducibleTrace);
            }
        }
        return report;
    }
}
