using Hmm.Spec.Actors.Scenarios;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Exploration;

/// <summary>Every built-in scenario explores a small budget with no bug on the variant with every upstream fix.</summary>
public sealed class UpstreamCleanTests(ITestOutputHelper output)
{
    public static TheoryData<string> Scenarios => new(BuiltinScenarios.Names);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Built_in_scenario_is_clean_on_upstream(string scenario)
    {
        var r = ExploreTestSupport.Explore(output, scenario, "upstream", seed: 11, iterations: 100);
        r.BugFound.Should().BeFalse(r.Message);
    }
}
