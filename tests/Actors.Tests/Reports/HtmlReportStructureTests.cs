using System.Text.RegularExpressions;
using Hmm.Spec.Actors.Reports;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Tests.Reports;

/// <summary>Structure of the rendered page, checked on the HTML text.</summary>
public sealed class HtmlReportStructureTests
{
    [Fact]
    public void Every_actor_and_every_unlisted_step_owner_has_a_lane_in_order()
    {
        var html = HtmlReport.Render(SampleViews.SeedUseAfterFree());

        LaneHeaders(html).Should().Equal("setup", "cpu0", "cpu1", "final");
    }

    [Fact]
    public void A_listed_actor_without_steps_still_gets_a_lane()
    {
        var view = SampleViews.SeedUseAfterFree() with { Actors = ["cpu0", "cpu1", "driver"] };

        LaneHeaders(HtmlReport.Render(view)).Should().Equal("setup", "cpu0", "cpu1", "driver", "final");
    }

    [Fact]
    public void Every_step_is_a_row_with_its_box_in_its_actors_lane()
    {
        var view = SampleViews.SeedUseAfterFree();
        var html = HtmlReport.Render(view);
        var lanes = LaneHeaders(html);

        foreach (var step in view.Steps)
        {
            var row = Row(html, step.Seq);
            var cells = Regex.Matches(row, "<td[^>]*>(.*?)</td>").Select(m => m.Groups[1].Value).Skip(1).ToList();
            cells.Should().HaveCount(lanes.Count);
            var laneIndex = lanes.IndexOf(step.Actor);
            cells[laneIndex].Should().Contain("class=\"box").And.Contain($">{step.Function}</a>");
            cells.Where((_, i) => i != laneIndex).Should().OnlyContain(c => c.Length == 0, $"step {step.Seq} has one box only");
        }
    }

    [Fact]
    public void The_violating_step_is_highlighted_with_category_and_detail()
    {
        var view = SampleViews.SeedUseAfterFree();
        var html = HtmlReport.Render(view);

        Regex.Matches(html, "<tr class=\"step violating\"").Should().HaveCount(1);
        Row(html, SampleViews.UafSeq).Should().StartWith("<tr class=\"step violating\"");
        var after = html[html.IndexOf($"id=\"s{SampleViews.UafSeq}\"", StringComparison.Ordinal)..];
        var callout = Regex.Match(after, "<tr class=\"callout\">.*?</tr>").Value;
        callout.Should().Contain("use-after-free").And.Contain("device_entry_fault").And.Contain("cpu0")
            .And.Contain("page 1027 was freed to the driver at step 30");
        html.Should().Contain($"href=\"#s{SampleViews.UafSeq}\">go to step {SampleViews.UafSeq}</a>");
    }

    [Fact]
    public void Without_a_step_seq_the_last_step_of_the_actor_in_the_function_is_highlighted()
    {
        var html = HtmlReport.Render(SampleViews.SeedUseAfterFree(stepSeq: null));

        Row(html, SampleViews.UafSeq).Should().StartWith("<tr class=\"step violating\"");
    }

    [Fact]
    public void A_violation_not_tied_to_any_step_is_shown_after_the_last_step()
    {
        var view = SampleViews.SeedUseAfterFree(stepSeq: null) with
        {
            Violation = new ReportViolation("leak", "CheckLeaks", "final", "page 1027 still has refcount 1", null),
        };
        var html = HtmlReport.Render(view);

        html.Should().NotContain("class=\"step violating\"");
        var tail = html[html.LastIndexOf("<tr class=\"step", StringComparison.Ordinal)..];
        tail.Should().Contain("<tr class=\"callout\" id=\"violation\">").And.Contain("page 1027 still has refcount 1");
        html.Should().Contain("href=\"#violation\"");
    }

    [Fact]
    public void A_clean_run_says_so_and_highlights_nothing()
    {
        var html = HtmlReport.Render(SampleViews.SeedUseAfterFree() with { Violation = null });

        html.Should().Contain("class=\"verdict good\"").And.NotContain("class=\"step violating\"").And.NotContain("class=\"callout\"");
    }

    [Fact]
    public void Hostile_text_from_the_view_is_escaped_everywhere()
    {
        const string evil = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>&amp;";
        var steps = new[]
        {
            new StepRecord(1, evil, evil, StepKind.Write, evil, evil),
            new StepRecord(2, "cpu0", "do_swap_page", StepKind.Read, "pte A:0", evil),
        };
        var view = new ReplayView(evil, evil, evil, evil, ["cpu0", evil], steps,
            new ReportViolation(evil, evil, evil, evil, 1));

        var html = HtmlReport.Render(view);

        html.Should().NotContain("<script>alert").And.NotContain("<img").And.NotContain("\"'>");
        Regex.Matches(html, "<script", RegexOptions.IgnoreCase).Should().HaveCount(1, "only the report's own script");
        html.Should().Contain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;&amp;amp;");
        // Every attribute value stays inside its quotes: no stray quote ends one early.
        foreach (Match tag in Regex.Matches(html, "<(?!!)[^>]*>"))
            (tag.Value.Count(c => c == '"') % 2).Should().Be(0, $"tag {tag.Value} must have balanced quotes");
    }

    [Fact]
    public void The_page_loads_nothing_from_outside()
    {
        var html = HtmlReport.Render(SampleViews.SeedUseAfterFree());

        Regex.IsMatch(html, @"\b(src|href|action|poster|srcset)\s*=\s*[""']?\s*(https?:|//|ftp:|file:)", RegexOptions.IgnoreCase)
            .Should().BeFalse();
        html.Should().NotContain("url(").And.NotContain("@import").And.NotContain("<link").And.NotContain("<img")
            .And.NotContain("<iframe").And.NotContain(" src=");
        Regex.Matches(html, "href=\"([^\"]*)\"").Select(m => m.Groups[1].Value)
            .Should().OnlyContain(h => h.StartsWith('#'), "every link is to an anchor in the page");
        html.Should().Contain("Content-Security-Policy").And.Contain("default-src 'none'");
    }

    [Fact]
    public void Every_in_page_link_has_its_anchor()
    {
        var html = HtmlReport.Render(SampleViews.SeedUseAfterFree(stepSeq: null) with
        {
            Violation = new ReportViolation("leak", "CheckLeaks", "final", "x", null),
        });
        var ids = Regex.Matches(html, " id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToHashSet();

        var targets = Regex.Matches(html, "href=\"#([^\"]+)\"").Select(m => m.Groups[1].Value).Distinct().ToList();

        targets.Should().NotBeEmpty();
        targets.Should().OnlyContain(t => ids.Contains(t));
    }

    [Fact]
    public void Steps_link_to_their_seed_hunk_or_to_the_surrounding_code_list()
    {
        var html = HtmlReport.Render(SampleViews.SeedUseAfterFree());

        Row(html, 13).Should().Contain("href=\"#h-do_swap_page\"").And.Contain("mm/memory.c do_swap_page @@ -2690,6 +2738,14 @@");
        Row(html, 10).Should().Contain("href=\"#h-handle_pte_fault\"");
        var hunkRow = Regex.Match(html, "<tr id=\"h-do_swap_page\"[^>]*>.*?</tr>").Value;
        hunkRow.Should().Contain("mm/memory.c").And.Contain("@@ -2690,6 +2738,14 @@").And.Contain("class=\"used\"");
        Row(html, 17).Should().Contain("href=\"#x-migrate_vma_collect\"").And.Contain(SeedHunks.NotInSeed);
        Regex.Match(html, "<tr id=\"x-migrate_vma_collect\"[^>]*>.*?</tr>").Value
            .Should().Contain(SeedHunks.NotInSeed).And.Contain("mm/migrate.c");
    }

    [Fact]
    public void Ptl_and_mmap_sem_intervals_shade_the_holders_lane_only()
    {
        var view = SampleViews.SeedUseAfterFree();
        var html = HtmlReport.Render(view);
        var lanes = LaneHeaders(html);
        var cpu0 = lanes.IndexOf("cpu0");
        var cpu1 = lanes.IndexOf("cpu1");

        // cpu1 takes ptl A at step 16 and drops it at step 20: both ends and the steps between are shaded.
        foreach (var seq in new[] { 16, 17, 18, 19, 20 })
            LaneCellClass(html, seq, cpu1).Split(' ').Should().Contain("ptl", $"cpu1 holds ptl A at step {seq}");
        LaneCellClass(html, 21, cpu1).Split(' ').Should().NotContain("ptl");
        LaneCellClass(html, 17, cpu0).Split(' ').Should().NotContain("ptl");
        // mmap_sem: read for both faulting CPUs, write for setup's mmap.
        LaneCellClass(html, 12, cpu0).Split(' ').Should().Contain("sem-r");
        LaneCellClass(html, 12, cpu1).Split(' ').Should().Contain("sem-r");
        LaneCellClass(html, 32, cpu1).Split(' ').Should().Contain("sem-r", "the unlock step is the interval's last");
        LaneCellClass(html, 33, cpu1).Should().BeEmpty();
        LaneCellClass(html, 2, lanes.IndexOf("setup")).Split(' ').Should().Contain("sem-w").And.NotContain("sem-r");
        // The page lock is an "other" lock.
        LaneCellClass(html, 22, cpu1).Split(' ').Should().Contain("olock");
    }

    [Fact]
    public void A_long_set_up_phase_goes_into_a_closed_section_above_the_trace()
    {
        var view = SampleViews.SeedUseAfterFree();
        var prologue = Enumerable.Range(0, 15)
            .Select(i => new StepRecord(-100 + i, "main", "devm_memremap_pages", StepKind.Write, $"page {1024 + i} pgmap", "pgmap hmm_dmirror0"));
        var html = HtmlReport.Render(view with { Steps = [.. prologue, .. view.Steps] });

        var section = Regex.Match(html, "<details class=\"prologue\" id=\"prologue\">.*?</details>", RegexOptions.Singleline).Value;
        section.Should().Contain("steps -100\u20138 (23 steps) by main, setup, before any actor runs");
        Regex.Matches(section, "<tr class=\"step").Should().HaveCount(23);
        Regex.Matches(section, "<th class=\"plane[^\"]*\" data-actor=\"([^\"]*)\">").Select(m => m.Groups[1].Value)
            .Should().Equal("main", "setup");
        LaneHeaders(html).Should().Equal(["cpu0", "cpu1", "final"], "set-up lanes without a step after the set-up stay in its section");
        html.IndexOf("id=\"s9\"", StringComparison.Ordinal).Should().BeGreaterThan(html.IndexOf("</details>", StringComparison.Ordinal),
            "cpu0's first step opens the main trace");
    }

    [Fact]
    public void A_set_up_phase_holding_the_violation_starts_open()
    {
        var view = SampleViews.SeedUseAfterFree();
        var html = HtmlReport.Render(view with
        {
            Actors = ["final"],
        });

        html.Should().Contain("<details class=\"prologue\" id=\"prologue\" open>");
    }

    [Fact]
    public void A_failed_trylock_does_not_shade_the_lane()
    {
        var steps = new[]
        {
            new StepRecord(0, "cpu0", "do_swap_page", StepKind.Lock, "ptl A", "trylock failed")
                { Value = SampleViews.Lock(LockClass.PageTable, LockAction.SpinTryLockFailed) },
            new StepRecord(1, "cpu0", "do_swap_page", StepKind.Read, "pte A:0", "device-write pfn=1024"),
            new StepRecord(2, "cpu0", "do_swap_page", StepKind.Lock, "ptl A", "acquired (trylock)")
                { Value = SampleViews.Lock(LockClass.PageTable, LockAction.SpinTryLock) },
            new StepRecord(3, "cpu0", "do_swap_page", StepKind.Unlock, "ptl A", "released")
                { Value = SampleViews.Lock(LockClass.PageTable, LockAction.SpinUnlock) },
        };
        var html = HtmlReport.Render(new ReplayView("t", "upstream", null, null, ["cpu0"], steps, null));

        LaneCellClass(html, 0, 0).Should().BeEmpty();
        LaneCellClass(html, 1, 0).Should().BeEmpty();
        LaneCellClass(html, 2, 0).Should().Be("ptl");
        LaneCellClass(html, 3, 0).Should().Be("ptl");
    }

    [Fact]
    public void Lock_shading_and_count_badges_come_from_the_steps_facts_not_their_text()
    {
        var steps = new[]
        {
            new StepRecord(0, "cpu0", "f", StepKind.Lock, "lock X", "write, ptl")
                { Value = SampleViews.Lock(LockClass.MmapSem, LockAction.DownRead) },
            new StepRecord(1, "cpu0", "f", StepKind.Write, "counter", "went up") { Value = new CountChange(CountText.PageRef, 1, 2) },
            new StepRecord(2, "cpu0", "f", StepKind.Write, "page 1 refcount", "3 -> 2"),
            new StepRecord(3, "cpu0", "f", StepKind.Unlock, "lock X", "") { Value = SampleViews.Lock(LockClass.MmapSem, LockAction.UpRead) },
        };
        var html = HtmlReport.Render(new ReplayView("t", "upstream", null, null, ["cpu0"], steps, null));

        LaneCellClass(html, 0, 0).Should().Be("sem-r");
        Row(html, 1).Should().Contain("<span class=\"badge up\">ref 1\u21922</span>");
        Row(html, 2).Should().NotContain("class=\"badge", "a step without a CountChange is no count change, whatever its text");
    }

    [Fact]
    public void Refcount_and_mapcount_writes_get_direction_badges()
    {
        var html = HtmlReport.Render(SampleViews.SeedUseAfterFree());

        Row(html, 6).Should().Contain("<span class=\"badge up\">ref 1\u21922</span>");
        Row(html, 29).Should().Contain("<span class=\"badge down\">ref 2\u21921</span>");
        Row(html, 25).Should().Contain("<span class=\"badge down map\">map 1\u21920</span>");
        Row(html, 31).Should().NotContain("class=\"badge", "a read of the pgmap is not a count change");
    }

    [Fact]
    public void Two_thousand_steps_fold_around_the_violation()
    {
        // How fast it renders is measured by bench/timing.sh (docs/performance.md), not asserted here.
        var view = SampleViews.Livelock();
        view.Steps.Count.Should().BeGreaterThan(1900);

        var html = HtmlReport.Render(view);

        Regex.Matches(html, "<tr class=\"fold\">").Should().HaveCount(1);
        Regex.Matches(html, "<tr class=\"step").Count.Should().BeLessThan(40, "the retry loop is shown once, then folded");
        html.Should().Contain("the 12 steps above repeat 159 more times");
        Row(html, view.Steps[^1].Seq).Should().StartWith("<tr class=\"step violating\"");
        html.Length.Should().BeLessThan(200_000);
    }

    [Fact]
    public void The_violating_step_is_never_folded_away()
    {
        var view = SampleViews.Livelock(rounds: 20);
        var inLoop = view.Steps[4 + 12 * 10 + 1]; // a read of the PTE, in the 11th round
        var html = HtmlReport.Render(view with { Violation = view.Violation! with { StepSeq = inLoop.Seq } });

        Row(html, inLoop.Seq).Should().StartWith("<tr class=\"step violating\"");
    }

    internal static List<string> LaneHeaders(string html) =>
        Regex.Matches(html, "<th class=\"lane[^\"]*\" data-actor=\"([^\"]*)\">").Select(m => m.Groups[1].Value).ToList();

    internal static string Row(string html, int seq)
    {
        var m = Regex.Match(html, $"<tr class=\"[^\"]*\" id=\"s{seq}\">.*?</tr>");
        m.Success.Should().BeTrue($"step {seq} has a row");
        return m.Value;
    }

    private static string LaneCellClass(string html, int seq, int lane)
    {
        var cells = Regex.Matches(Row(html, seq), "<td(?: class=\"([^\"]*)\")?[^>]*>").Skip(1).ToList();
        return cells[lane].Groups[1].Value;
    }
}
