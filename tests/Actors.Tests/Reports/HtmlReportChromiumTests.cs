using System.Diagnostics;
using System.Text.RegularExpressions;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Replay;
using Hmm.Spec.Actors.Reports;
using Hmm.Spec.Actors.Tests.Support;
using Hmm.Spec.Model;
using Xunit.Abstractions;

namespace Hmm.Spec.Actors.Tests.Reports;

/// <summary>
/// Renders the report in headless Chromium (Debian package <c>chromium</c>) and checks the DOM after load: the
/// page's own script ran without errors (it marks <c>body[data-rendered=ok]</c> and counts lanes), every lane is
/// there, and so is the violation. Without Chromium these tests are skipped, saying how to install it (README).
/// </summary>
public sealed class HtmlReportChromiumTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    [ChromiumFact]
    public void The_seed_use_after_free_report_loads_in_chromium_with_every_lane_and_the_violation()
    {
        var view = SampleViews.SeedUseAfterFree();
        using var dir = new TempDir();
        var page = Path.Combine(dir.Path, "report.html");
        File.WriteAllText(page, HtmlReport.Render(view));

        var dom = RunChromium(dir.Path, "--dump-dom", page);

        var body = Regex.Match(dom, "<body[^>]*>").Value;
        body.Should().Contain("data-rendered=\"ok\"", "the page's script must run to completion; DOM was:\n" + Head(dom));
        body.Should().NotContain("data-errors", "no script error may occur");
        body.Should().Contain("data-lanes=\"4\"").And.Contain($"data-steps=\"{view.Steps.Count}\"");
        foreach (var lane in new[] { "setup", "cpu0", "cpu1", "final" })
            dom.Should().Contain($"data-actor=\"{lane}\"");
        dom.Should().Contain("class=\"step violating\"").And.Contain("use-after-free")
            .And.Contain("page 1027 was freed to the driver at step 30");
    }

    /// <summary>The real thing: explore the seed's fault-vs-madvise race (fixed seed), replay its bundle, and open
    /// the replay's report in Chromium: both actors' lanes and the use-after-free at its step.</summary>
    [ChromiumFact]
    public void The_report_of_a_replayed_seed_use_after_free_opens_in_chromium()
    {
        using var dir = new TempDir();
        var found = Exploration.ExploreTestSupport.Explore(output, "fault-vs-madvise-dontneed", "seed", seed: 1, iterations: 1000,
            outDir: dir.Path);
        found.BugFound.Should().BeTrue("the seed's race must be found to report it");
        var replay = Replayer.Replay(TraceBundle.Read(found.BundlePath!));
        replay.Reproduced.Should().BeTrue(replay.Divergence);
        var view = ReplayReport.ViewOf(replay);
        view.Violation!.Category.Should().Be(ViolationCategory.UseAfterFree);
        view.Violation.StepSeq.Should().NotBeNull("the world recorded the violation as a step");
        var page = Path.Combine(dir.Path, "replay.html");
        File.WriteAllText(page, HtmlReport.Render(view));

        var dom = RunChromium(dir.Path, "--dump-dom", page);

        var body = Regex.Match(dom, "<body[^>]*>").Value;
        body.Should().Contain("data-rendered=\"ok\"").And.NotContain("data-errors");
        body.Should().Contain($"data-lanes=\"{view.Actors.Count}\"");
        foreach (var actor in view.Actors)
            dom.Should().Contain($"<th class=\"lane\" data-actor=\"{actor}\">");
        dom.Should().Contain($"<tr class=\"step violating\" id=\"s{view.Violation.StepSeq}\">").And.Contain("use-after-free");
    }

    /// <summary>Screenshots the folded 2,000-step livelock page and checks a real image came out. Set
    /// HMM_REPORT_SCREENSHOT=/path/shot.png to keep the screenshot and the page next to it (to check the looks by
    /// eye); HMM_REPORT_SCREENSHOT_VIEW=uaf screenshots the use-after-free sample instead.</summary>
    [ChromiumFact]
    public void The_folded_livelock_report_screenshots_in_chromium()
    {
        var view = Environment.GetEnvironmentVariable("HMM_REPORT_SCREENSHOT_VIEW") == "uaf"
            ? SampleViews.SeedUseAfterFree()
            : SampleViews.Livelock();
        using var dir = new TempDir();
        var page = Path.Combine(dir.Path, "report.html");
        var shot = Path.Combine(dir.Path, "report.png");
        File.WriteAllText(page, HtmlReport.Render(view));

        RunChromium(dir.Path, $"--screenshot={shot}", page, "--window-size=1500,1300", "--hide-scrollbars");

        File.Exists(shot).Should().BeTrue("chromium must write the screenshot");
        var png = File.ReadAllBytes(shot);
        png.Take(8).Should().Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, "a PNG file");
        png.Length.Should().BeGreaterThan(20_000, "a rendered page, not a blank image");
        var keep = Environment.GetEnvironmentVariable("HMM_REPORT_SCREENSHOT");
        if (!string.IsNullOrEmpty(keep))
        {
            File.Copy(shot, keep, overwrite: true);
            File.Copy(page, Path.ChangeExtension(keep, ".html"), overwrite: true);
        }
    }

    private string RunChromium(string workDir, string mode, string page, params string[] extra)
    {
        var exe = FindChromium();
        var profile = Path.Combine(workDir, "profile");
        Directory.CreateDirectory(profile);
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", $"--user-data-dir={profile}",
                 })
            psi.ArgumentList.Add(arg);
        foreach (var arg in extra)
            psi.ArgumentList.Add(arg);
        psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add(new Uri(page).AbsoluteUri);

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Budget))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish within {Budget.TotalSeconds} s");
        }
        process.WaitForExit();
        output.WriteLine($"chromium {mode} exited {process.ExitCode} after {clock.ElapsedMilliseconds} ms");
        var err = stderr.GetAwaiter().GetResult();
        if (err.Length > 0)
            output.WriteLine("chromium stderr (tail): " + err[Math.Max(0, err.Length - 1500)..]);
        process.ExitCode.Should().Be(0, "chromium must render the page; stderr: " + err);
        return stdout.GetAwaiter().GetResult();
    }

    private static string FindChromium() => Requirements.Chromium ?? throw new InvalidOperationException(Requirements.ChromiumSkipReason);

    private static string Head(string text) => text.Length <= 2000 ? text : text[..2000];

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("hmm-report-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // Chromium may still be closing files in its profile; a leftover temp dir is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
