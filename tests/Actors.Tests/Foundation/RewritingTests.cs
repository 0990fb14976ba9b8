using System.Reflection;
using Microsoft.Coyote.Rewriting;
using Microsoft.Coyote.SystematicTesting;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Foundation;

/// <summary>
/// Proves that Coyote binary rewriting is live in this build. If the build stops rewriting, the racy fixture is
/// no longer found (every iteration is a false deadlock instead) and the rewritten-attribute checks fail.
/// </summary>
public sealed class RewritingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Hmm.Spec.Model")]
    [InlineData("Hmm.Spec.Actors")]
    [InlineData("Hmm.Spec.Actors.Tests")]
    public void Assembly_is_rewritten(string name)
    {
        var assembly = Assembly.Load(name);
        RewritingEngine.IsAssemblyRewritten(assembly)
            .Should().BeTrue($"{name} runs under Coyote and must be binary-rewritten by the build");
    }

    [Fact]
    public void Racy_fixture_is_found_within_bounded_iterations()
    {
        const int seed = 17;
        var report = Run(RacyCounter.LostUpdate, seed, iterations: 200);
        output.WriteLine($"seed {seed}: {report.NumOfFoundBugs} bug(s); first: {report.BugReports.FirstOrDefault()}");
        report.NumOfFoundBugs.Should().BeGreaterThan(0, $"Coyote must find the lost update (seed {seed})");
        report.BugReports.First().Should().Contain("lost update");
    }

    [Fact]
    public void Correct_fixture_explores_clean_without_false_deadlocks()
    {
        const int seed = 17;
        var report = Run(RacyCounter.AtomicUpdate, seed, iterations: 200);
        report.NumOfFoundBugs.Should().Be(0,
            $"seed {seed}: a report here means uncontrolled concurrency (e.g. a false deadlock): {report.BugReports.FirstOrDefault()}");
    }

    private Microsoft.Coyote.SystematicTesting.TestReport Run(Func<Task> test, int seed, int iterations) =>
        CoyoteTestRun.Run(CoyoteTestRun.Config((uint)seed, iterations), test, output, requireRewritten: true);
}
