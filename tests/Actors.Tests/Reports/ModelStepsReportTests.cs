using System.Text.RegularExpressions;
using Hmm.Spec.Actors.Reports;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Tests.Reports;

/// <summary>The reports on step lists the real model produces (sequential calls; no Coyote needed).</summary>
public sealed class ModelStepsReportTests
{
    private static KernelWorld RunForkAndUnmap()
    {
        var world = KernelWorld.Create(new MachineLayout(RamPages: 16, DevicePages: 0, DeviceStartPfn: 1024),
            KernelConfig.Default, KernelVariants.Get("seed"));
        using (world.EnterActor("setup"))
        {
            world.Mmap("A", 0, 2, VmProt.ReadWrite, shared: false).Should().Be(Errno.OK);
            world.UserWrite("A", 0, 7).Should().Be(Sig.None);
        }
        using (world.EnterActor("cpu0"))
            world.Fork("A", "B").Should().Be(Errno.OK);
        using (world.EnterActor("cpu1"))
            world.Munmap("A", 0, 2).Should().Be(Errno.OK);
        return world;
    }

    [Fact]
    public void Real_model_steps_render_with_lanes_lock_shading_and_count_badges()
    {
        var world = RunForkAndUnmap();
        var steps = world.Steps;
        var view = new ReplayView("fork-then-munmap", "seed", null, null, ["cpu0", "cpu1"], steps, null);

        var html = HtmlReport.Render(view);

        // "main": steps of KernelWorld.Create itself; with setup it forms the collapsed set-up section.
        HtmlReportStructureTests.LaneHeaders(html).Should().Equal("cpu0", "cpu1");
        Regex.Matches(html, "<th class=\"plane[^\"]*\" data-actor=\"([^\"]*)\">").Select(m => m.Groups[1].Value)
            .Should().Equal("main", "setup");
        var ptlLock = steps.First(s => s.Actor == "cpu1" && s.Kind == StepKind.Lock && s.Resource == "ptl A");
        HtmlReportStructureTests.Row(html, ptlLock.Seq).Should().Contain("<td class=\"ptl sem-w\"", "munmap holds mmap_sem for write and the PTL");
        steps.Should().Contain(s => s.Kind == StepKind.Write && s.Resource.EndsWith(" refcount"));
        Regex.Matches(html[html.IndexOf("<tbody>", StringComparison.Ordinal)..], "class=\"badge (up|down|flat)\">ref ").Count
            .Should().Be(steps.Count(s => s.Kind == StepKind.Write && s.Resource.EndsWith(" refcount")));
        (Regex.Matches(html, "<tr class=\"step").Count + FoldedSteps(html)).Should().Be(steps.Count);
    }

    [Fact]
    public void A_violation_raised_by_the_world_is_tied_to_the_step_it_recorded()
    {
        var world = RunForkAndUnmap();
        KernelViolation? raised = null;
        using (world.EnterActor("cpu0"))
        {
            try
            {
                world.BUG_ON(true, "zap_pte_range", "report test");
            }
            catch (KernelViolation v)
            {
                raised = v;
            }
        }
        raised.Should().NotBeNull();

        var violation = ReportViolation.From(raised!, world.Steps);

        violation.StepSeq.Should().Be(world.Steps[^1].Seq);
        violation.Category.Should().Be(ViolationCategory.BugOn);
        var html = HtmlReport.Render(new ReplayView("t", "seed", null, null, ["cpu0", "cpu1"], world.Steps, violation));
        HtmlReportStructureTests.Row(html, world.Steps[^1].Seq).Should().StartWith("<tr class=\"step violating\"")
            .And.Contain("href=\"#h-zap_pte_range\"");
    }

    [Fact]
    public void A_bundles_category_and_message_are_split_and_tied_to_the_recorded_step()
    {
        var world = RunForkAndUnmap();
        using (world.EnterActor("cpu1"))
        {
            try
            {
                world.BUG_ON(true, "copy_one_pte", "report test");
            }
            catch (KernelViolation)
            {
                // Recorded by the world; the test reads it back from the message as a bundle stores it.
            }
        }
        var message = world.FirstViolation!.Message;

        var v = ReportViolation.FromMessage(ViolationCategory.BugOn, message, world.Steps);

        v.Should().Be(new ReportViolation(ViolationCategory.BugOn, "copy_one_pte", "cpu1", "report test", world.Steps[^1].Seq));
        ReportViolation.FromMessage("not-linearizable", "history has no linearization", world.Steps)
            .Should().Be(new ReportViolation("not-linearizable", "", "", "history has no linearization", null));
    }

    private static int FoldedSteps(string html) =>
        Regex.Matches(html, @"steps (\d+)\u2013(\d+) folded").Sum(m => int.Parse(m.Groups[2].Value) - int.Parse(m.Groups[1].Value) + 1);
}
