using System.Text.RegularExpressions;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// The conformance corpus (Corpus/*.jsonl): hand-written histories whose verdict is in the file name:
/// <c>lin-*</c> linearizable, <c>nonlin-*</c> not linearizable, <c>malformed-L{line}-*</c> rejected at that line.
/// </summary>
public class CorpusTests
{
    private static string CorpusDir => Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(CorpusDir, "*.jsonl").OrderBy(f => f)) data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Verdict_matches_the_file_name(string name)
    {
        var path = Path.Combine(CorpusDir, name);
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CheckRunner.Run(path, json: false, timeoutSeconds: 30, output, error);

        if (name.StartsWith("lin-"))
        {
            exit.Should().Be(0, output.ToString());
            error.ToString().Should().BeEmpty();
        }
        else if (name.StartsWith("nonlin-"))
        {
            exit.Should().Be(1, output.ToString());
            var result = LinearizabilityChecker.Check(HistoryReader.Read(path), CheckOptions.Sequential);
            result.Verdict.Should().Be(Verdict.NotLinearizable);
            result.FirstUnlinearizable.Should().NotBeNull();
            result.Reason.Should().Contain("but every allowed state gives");
        }
        else
        {
            var line = int.Parse(Regex.Match(name, @"^malformed-L(\d+)-").Groups[1].Value);
            exit.Should().Be(2);
            var lines = error.ToString().TrimEnd().Split('\n');
            lines.Should().HaveCount(1, "a malformed history gets exactly one line");
            lines[0].Should().StartWith(path);
            if (line > 0) lines[0].Should().Contain($": line {line}");
            lines[0].Should().NotContain("   at ", "no stack trace");
            output.ToString().Should().BeEmpty();
        }
    }

    [Fact]
    public void Corpus_covers_every_op_and_every_verdict()
    {
        var ops = new HashSet<OpKind>();
        var names = Directory.GetFiles(CorpusDir, "*.jsonl").Select(Path.GetFileName).ToList();
        foreach (var f in names.Where(n => n!.StartsWith("lin-") || n.StartsWith("nonlin-")))
        {
            var h = HistoryReader.Read(Path.Combine(CorpusDir, f!));
            foreach (var op in h.Header.Setup) ops.Add(op.Kind);
            foreach (var e in h.Events.Where(e => e.Op is not null)) ops.Add(e.Op!.Kind);
        }
        ops.Should().BeEquivalentTo(Enum.GetValues<OpKind>());
        names.Count(n => n!.StartsWith("lin-")).Should().BeGreaterThan(10);
        names.Count(n => n!.StartsWith("nonlin-")).Should().BeGreaterThan(10);
        names.Count(n => n!.StartsWith("malformed-")).Should().BeGreaterThan(10);
    }
}
