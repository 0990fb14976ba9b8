using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Replay;
using Hmm.Spec.Actors.Reports;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Tests.Reports;

/// <summary>From a replay result to the report view (no Coyote run: the result is built by hand).</summary>
public sealed class ReplayReportTests
{
    private static ReplayResult Result(bool reproduced)
    {
        var scenario = BuiltinScenarios.Load("fault-vs-fault");
        var bundle = new TraceBundle
        {
            ModelVersion = ModelInfo.ModelVersion,
            ToolVersion = ModelInfo.ToolVersion,
            Scenario = scenario,
            Variant = "seed",
            Config = new Dictionary<string, bool>(),
            Options = new ExploreOptions { Seed = 5 },
            Iteration = 11,
            CoyoteTrace = "{}",
            Category = "use-after-free",
            Message = "[use-after-free] device_entry_fault (cpu0): page 1024 freed",
        };
        var actors = scenario.Actors.Select(a => a.Name).ToArray();
        var steps = new[]
        {
            new StepRecord(0, "setup", "migrate_vma", StepKind.Write, "pte A:0", "present pfn=3 -> device-write pfn=1024"),
            new StepRecord(1, actors[0], "do_swap_page", StepKind.Read, "pte A:0", "device-write pfn=1024"),
            new StepRecord(2, actors[^1], "put_page", StepKind.Write, "page 1024 refcount", "1 -> 0")
                { Value = new CountChange(CountText.PageRef, 1, 0) },
            new StepRecord(3, actors[0], "device_entry_fault", StepKind.Note, ReportViolation.ViolationResource, bundle.Message)
                { Value = new ViolationNote("use-after-free", "device_entry_fault", actors[0], "page 1024 freed") },
        };
        return new ReplayResult(bundle, "seed", reproduced, reproduced ? bundle.Category : null,
            reproduced ? bundle.Message : null, steps, null);
    }

    [Fact]
    public void A_reproduced_replay_becomes_a_view_with_the_scenarios_lanes_and_the_tied_violation()
    {
        var result = Result(reproduced: true);

        var view = ReplayReport.ViewOf(result);

        view.Scenario.Should().Be("fault-vs-fault");
        view.Variant.Should().Be("seed");
        view.Seed.Should().Be("5 (portfolio, iteration 11)");
        view.Actors.Should().Equal(result.Bundle.Scenario.Actors.Select(a => a.Name));
        view.Steps.Should().BeSameAs(result.Steps);
        view.Violation.Should().Be(new ReportViolation("use-after-free", "device_entry_fault", view.Actors[0], "page 1024 freed", 3));
        ReplayReport.Html(result).Should().Contain("<tr class=\"step violating\" id=\"s3\">");
    }

    [Fact]
    public void A_replay_that_did_not_reproduce_is_a_clean_view()
    {
        ReplayReport.ViewOf(Result(reproduced: false)).Violation.Should().BeNull();
    }
}
