using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Model;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Exploration;

/// <summary>
/// catalog-truncate-device-cow: the only scenario whose zap_pte_range runs with zap_details (ftruncate of a
/// memfd). The mutant that skips device entries under details is found at once; the seed and upstream are clean.
/// </summary>
public sealed class TruncateScenarioTests(ITestOutputHelper output)
{
    private const string Scenario = "catalog-truncate-device-cow";

    [Fact]
    public void The_mutant_leaves_the_device_copy_readable_beyond_eof()
    {
        var r = ExploreTestSupport.Explore(output, Scenario, "mutant-zap-skips-device-entries-with-details", seed: 1, iterations: 20,
            strategy: ExplorationStrategy.Random);
        r.BugFound.Should().BeTrue();
        r.Category.Should().Be(ViolationCategory.Expectation);
        r.Message.Should().Contain("expected {\"signal\":\"SIGBUS\"}");
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Seed_and_upstream_truncate_the_device_copy(string variant)
    {
        var r = ExploreTestSupport.Explore(output, Scenario, variant, seed: 3, iterations: 150);
        r.BugFound.Should().BeFalse(r.Message);
    }
}
