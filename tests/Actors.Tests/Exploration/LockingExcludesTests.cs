using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Exploration;

/// <summary>Races the kernel's locking excludes must not be reported.</summary>
public sealed class LockingExcludesTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("upstream")]
    [InlineData("seed")]
    public void Fault_vs_munmap_of_the_same_mm_explores_clean(string variant)
    {
        // munmap takes mmap_sem for write; the fault holds it for read from handle_mm_fault to the end of the
        // device callback, so munmap's zap can never free the page under the faulting CPU.
        var r = ExploreTestSupport.Explore(output, "fault-vs-munmap", variant, seed: 7, iterations: 500);
        r.BugFound.Should().BeFalse(r.Message);
        r.Iterations.Should().Be(500);
    }
}
