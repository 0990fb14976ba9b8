using System.Text.Json;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Evidence;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>Issue 14 part 2: <c>check --minimize</c>, the wrong-value explanation and the HTML view's content.</summary>
public sealed class EvidenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hmm-evidence-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Corpus(string name) => Path.Combine(AppContext.BaseDirectory, "Corpus", name);

    private (int Exit, string Out, string Err) Run(string path, CheckRequest request)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CheckRunner.Run(path, request, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Minimize_shrinks_a_long_broken_history_to_the_corrupted_read_and_the_result_checks_as_not_linearizable()
    {
        var path = Path.Combine(_dir, "broken.jsonl");
        var original = HistoryGenerator.Generate(WorkloadKind.Broken, 2000, 8, seed: 5);
        HistoryWriter.Write(original, path);
        var before = LinearizabilityChecker.Check(original);
        before.Verdict.Should().Be(Verdict.NotLinearizable);

        var (exit, output, err) = Run(path, new CheckRequest(Minimize: true));

        exit.Should().Be(1, err);
        var min = Path.Combine(_dir, "broken.min.jsonl");
        output.Should().Contain($"minimized: ").And.Contain(min);
        var small = HistoryReader.Read(min);
        small.OperationCount.Should().BeLessThanOrEqualTo(3, "the generator corrupts one read; the rest is noise");
        var after = LinearizabilityChecker.Check(small);
        after.Verdict.Should().Be(Verdict.NotLinearizable);
        after.FirstUnlinearizable!.Id.Should().Be(before.FirstUnlinearizable!.Id, "the same op is stuck");
        after.FirstUnlinearizable.Op.Should().Be(before.FirstUnlinearizable.Op);
    }

    [Fact]
    public void Minimize_keeps_the_write_and_reads_that_make_a_stale_read_a_violation()
    {
        // A read returns 1 after another read of the same page already returned 2 (the concurrent write's value):
        // each of the three ops is needed, and the mmap in the setup too (without it the read would be a SIGSEGV).
        var path = Path.Combine(_dir, "stale.jsonl");
        File.Copy(Corpus("nonlin-read-goes-back-in-time.jsonl"), path);
        var (exit, _, err) = Run(path, new CheckRequest(Minimize: true, MinimizeOut: Path.Combine(_dir, "out.jsonl")));
        exit.Should().Be(1, err);
        var small = HistoryReader.Read(Path.Combine(_dir, "out.jsonl"));
        small.OperationCount.Should().Be(3);
        small.Header.Setup.Should().ContainSingle().Which.Kind.Should().Be(Ops.OpKind.Mmap, "the setup write of 1 is not needed: the read of 1 is wrong either way");
        LinearizabilityChecker.Check(small).Verdict.Should().Be(Verdict.NotLinearizable);
    }

    [Fact]
    public void Ddmin_finds_a_one_minimal_subset()
    {
        var units = Enumerable.Range(0, 50).ToList();
        var calls = 0;
        var result = Minimizer.DdMin(units, s => { calls++; return s.Contains(7) && s.Contains(31) && s.Contains(32); });
        result.Should().Equal(7, 31, 32);
        calls.Should().BeLessThan(200);
    }

    [Fact]
    public void Minimize_on_a_linearizable_history_writes_nothing_and_says_so()
    {
        var path = Path.Combine(_dir, "fine.jsonl");
        File.Copy(Corpus("lin-fork-cow.jsonl"), path);
        var (exit, output, _) = Run(path, new CheckRequest(Minimize: true));
        exit.Should().Be(0);
        output.Should().Contain("nothing to minimize");
        File.Exists(Path.Combine(_dir, "fine.min.jsonl")).Should().BeFalse();
    }

    [Theory]
    [InlineData("", "-o : an empty file name")]
    [InlineData("/", "a directory")]
    [InlineData("/nonexistent-dir-hmm/x.jsonl", "does not exist")]
    [InlineData("/proc/hmm-spec-x.jsonl", "cannot create a file in /proc: the file system there takes no new files")]
    public void A_bad_output_path_is_refused_before_checking(string bad, string expected)
    {
        var (exit, output, err) = Run(Corpus("nonlin-read-goes-back-in-time.jsonl"), new CheckRequest(Minimize: true, MinimizeOut: bad));
        exit.Should().Be(2);
        output.Should().BeEmpty("nothing is checked");
        err.TrimEnd().Split('\n').Should().ContainSingle().Which.Should().Contain(expected);
        var html = Run(Corpus("nonlin-read-goes-back-in-time.jsonl"), new CheckRequest(Html: bad));
        html.Exit.Should().Be(2);
        html.Err.Should().StartWith("hmm-spec check: --html");
    }

    [Fact]
    public void A_wrong_value_names_the_write_of_the_expected_value_the_source_of_the_read_value_and_the_overlapping_ops()
    {
        var (exit, output, _) = Run(Corpus("nonlin-read-goes-back-in-time.jsonl"), new CheckRequest());
        exit.Should().Be(1);
        output.Should().Contain("wrong value: #2 p1 read of A:0 -> {\"value\":1} (events 4-5); the reference expected 2")
            .And.Contain("expected 2: written by #0 p0 write of A:0 = 2")
            .And.Contain("returned 1: written by setup[1] write of A:0 = 1")
            .And.Contain("overlapping the read: #0 p0 write of A:0 = 2");

        var (_, json, _) = Run(Corpus("nonlin-read-goes-back-in-time.jsonl"), new CheckRequest(Json: true));
        using var doc = JsonDocument.Parse(json);
        doc.RootElement.GetProperty("explanation").EnumerateArray().Select(e => e.GetString()).Should()
            .Contain(l => l!.StartsWith("  expected 2: written by #0"));
    }

    [Fact]
    public void A_wrong_value_from_a_device_write_names_it()
    {
        var (_, output, _) = Run(Corpus("nonlin-migration-drops-device-write.jsonl"), new CheckRequest());
        output.Should().Contain("the reference expected 11").And.Contain("expected 11: written by #1 p0 device_write of A:0 = 11")
            .And.Contain("returned 9: written by setup[1]");
    }

    [Fact]
    public void No_wrong_value_explanation_for_other_violations()
    {
        var (exit, output, _) = Run(Corpus("nonlin-smaps-wrong-rss.jsonl"), new CheckRequest());
        exit.Should().Be(1);
        output.Should().NotContain("wrong value:");
    }

    [Fact]
    public void The_html_view_has_a_lane_per_process_every_op_the_partial_linearization_and_the_failing_op()
    {
        var path = Corpus("nonlin-read-goes-back-in-time.jsonl");
        var html = Path.Combine(_dir, "view.html");
        var (exit, _, err) = Run(path, new CheckRequest(Html: html));
        exit.Should().Be(1, err);
        var page = File.ReadAllText(html);
        page.Should().Contain("data-lanes=\"2\"").And.Contain("data-ops=\"3\"");
        page.Should().Contain("<div class=\"lane\" data-process=\"0\">").And.Contain("<div class=\"lane\" data-process=\"1\">");
        page.Should().Contain("class=\"op failing\" id=\"op2\"");
        page.Should().Contain("class=\"op linearized\" id=\"op0\"").And.Contain("class=\"op linearized\" id=\"op1\"");
        page.Should().Contain("linearized at position 2 of 2").And.Contain("stuck: #2 p1 read of A:0");
        page.Should().NotContain("http://").And.NotContain("https://").And.NotContain("<link").And.NotContain("src=", "self-contained");
    }
}
