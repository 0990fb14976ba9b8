using System.Diagnostics;
using System.Text.RegularExpressions;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Reporting;
using Xunit.Abstractions;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// Opens <c>check --html</c> pages in headless Chromium and checks the DOM after load: the page's script ran
/// without errors (it marks <c>body[data-rendered=ok]</c> and counts the bars it wired for hover), every lane is
/// there, and the failing op is marked. Skipped, visibly, without Chromium.
/// </summary>
public sealed class HtmlViewChromiumTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hmm-html-view-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be closing files in its profile; a leftover temp dir is harmless.
        }
    }

    [ChromiumFact]
    public void The_view_of_a_stale_read_loads_with_both_lanes_and_the_failing_op()
    {
        var page = Path.Combine(_dir, "view.html");
        var exit = CheckRunner.Run(Path.Combine(AppContext.BaseDirectory, "Corpus", "nonlin-read-goes-back-in-time.jsonl"),
            new CheckRequest(Html: page), new StringWriter(), new StringWriter());
        exit.Should().Be(1);

        var dom = DumpDom(page);

        var body = Regex.Match(dom, "<body[^>]*>").Value;
        body.Should().Contain("data-rendered=\"ok\"", "the page's script must run to completion").And.NotContain("data-errors");
        body.Should().Contain("data-lanes=\"2\"").And.Contain("data-bars=\"3\"");
        dom.Should().Contain("id=\"op2\"").And.Contain("op failing");
        Regex.Match(dom, "<div id=\"detail\">([^<]*)</div>").Groups[1].Value.Should().Contain("cannot be linearized here",
            "the script shows the failing op's details at load");
    }

    [ChromiumFact]
    public void The_view_of_a_long_broken_history_loads_with_eight_lanes()
    {
        var history = Path.Combine(_dir, "broken.jsonl");
        HistoryWriter.Write(HistoryGenerator.Generate(WorkloadKind.Broken, 3000, 8, seed: 5), history);
        var page = Path.Combine(_dir, "broken.html");
        CheckRunner.Run(history, new CheckRequest(Html: page), new StringWriter(), new StringWriter()).Should().Be(1);

        var dom = DumpDom(page);

        var body = Regex.Match(dom, "<body[^>]*>").Value;
        body.Should().Contain("data-rendered=\"ok\"").And.NotContain("data-errors").And.Contain("data-lanes=\"8\"");
        Regex.Matches(dom, "<div class=\"op[^\"]*failing").Should().HaveCount(1, "one op is stuck (the legend has a sample too)");
    }

    private string DumpDom(string page)
    {
        var profile = Path.Combine(_dir, "profile");
        Directory.CreateDirectory(profile);
        var psi = new ProcessStartInfo(Chromium.Path!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile}",
                     "--dump-dom", new Uri(page).AbsoluteUri,
                 })
            psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within 60 s");
        }
        process.WaitForExit();
        var err = stderr.GetAwaiter().GetResult();
        if (err.Length > 0) output.WriteLine("chromium stderr (tail): " + err[Math.Max(0, err.Length - 1500)..]);
        process.ExitCode.Should().Be(0, "chromium must render the page; stderr: " + err);
        return stdout.GetAwaiter().GetResult();
    }
}
