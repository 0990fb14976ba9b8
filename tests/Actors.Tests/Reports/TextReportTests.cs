using System.Text.RegularExpressions;
using Hmm.Spec.Actors.Reports;

namespace Hmm.Spec.Actors.Tests.Reports;

/// <summary>The plain-text form: same steps, same folding, same violation placement as the HTML page.</summary>
public sealed class TextReportTests
{
    [Fact]
    public void Every_step_is_a_line_and_the_violation_sits_under_its_step()
    {
        var view = SampleViews.SeedUseAfterFree();
        var lines = TextReport.Render(view).Split('\n');

        lines[0].Should().Be("fault-vs-fault on seed (seed 42)");
        lines.Should().Contain("lanes: setup | cpu0 | cpu1 | final");
        foreach (var step in view.Steps)
            lines.Should().ContainSingle(l => Regex.IsMatch(l, $@"^\s*{step.Seq}  {Regex.Escape(step.Actor)}\s"), $"step {step.Seq}");
        var at = Array.FindIndex(lines, l => Regex.IsMatch(l, $@"^\s*{SampleViews.UafSeq}  cpu0\s"));
        lines[at + 1].Should().Contain(">>>").And.Contain("[use-after-free] device_entry_fault (cpu0)");
    }

    [Fact]
    public void The_locks_column_shows_what_the_actor_holds()
    {
        var lines = TextReport.Render(SampleViews.SeedUseAfterFree()).Split('\n');

        lines.Single(l => Regex.IsMatch(l, @"^\s*17  cpu1\s")).Should().Contain("mmap_sem A(r)+ptl A");
        lines.Single(l => Regex.IsMatch(l, @"^\s*2  setup\s")).Should().Contain("mmap_sem A(w)");
    }

    [Fact]
    public void Repeats_fold_as_in_the_html_page()
    {
        var view = SampleViews.Livelock();
        var text = TextReport.Render(view);
        var html = HtmlReport.Render(view);

        text.Should().Contain("the 12 step(s) above repeat 159 more time(s)");
        html.Should().Contain("the 12 steps above repeat 159 more times");
        var textSteps = Regex.Matches(text, @"^\s*(\d+)  ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        var htmlSteps = Regex.Matches(html, "<tr class=\"step[^\"]*\" id=\"s(\\d+)\"").Select(m => m.Groups[1].Value).ToList();
        textSteps.Should().Equal(htmlSteps);
    }
}
