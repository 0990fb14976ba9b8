using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>Issue 14 part 4: the page-by-page rule for madvise_dontneed and whole-range migrations.</summary>
public class PageByPageTests
{
    [Fact]
    public void The_search_and_the_brute_force_checker_agree_on_every_small_corpus_history()
    {
        var checkedFiles = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"), "*lin-*.jsonl"))
        {
            var h = HistoryReader.Read(file);
            if (h.OperationCount > 7) continue;   // the brute force is exponential
            var expected = BruteForceChecker.IsLinearizable(h);
            LinearizabilityChecker.Check(h, CheckOptions.Sequential).IsLinearizable.Should().Be(expected, Path.GetFileName(file));
            expected.Should().Be(Path.GetFileName(file).StartsWith("lin-"), Path.GetFileName(file));
            checkedFiles++;
        }
        checkedFiles.Should().BeGreaterThan(30);
    }

    [Theory]
    [InlineData(OpKind.MadviseDontneed, 2, """{"ok":true}""", 2)]
    [InlineData(OpKind.MadviseDontneed, 2, """{"error":"ENOMEM"}""", 0)]
    [InlineData(OpKind.MigrateToDevice, 3, """{"migrated":3}""", 3)]
    [InlineData(OpKind.MigrateToDevice, 3, """{"migrated":2}""", 0)]
    [InlineData(OpKind.MigrateToSystem, 4096, """{"migrated":4096}""", 64)]
    [InlineData(OpKind.MadviseDontneed, 100, null, 64)]
    [InlineData(OpKind.Munmap, 4, """{"ok":true}""", 0)]
    public void Which_ops_are_split_and_into_how_many_runs(OpKind kind, int pages, string? result, int parts)
    {
        var op = new Op { Kind = kind, Mm = "A", Page = 0, Pages = pages };
        var r = result is null ? null : System.Text.Json.JsonDocument.Parse(result).RootElement is var e ? OpCodec.ReadResult(e, "r") : null;
        var split = PageByPage.Split(op, r, indeterminate: result is null);
        if (parts == 0)
        {
            split.Should().BeNull();
            return;
        }
        split.Should().HaveCount(parts);
        split!.Sum(p => p.Op.Pages!.Value).Should().Be(pages, "the runs cover the range exactly");
        split.Select(p => p.Op.Page!.Value).Should().BeInAscendingOrder().And.StartWith(0);
        if (kind != OpKind.MadviseDontneed && r is not null)
            split.Select(p => p.Result!.Migrated).Should().Equal(split.Select(p => (int?)p.Op.Pages), "each run moved all its pages");
    }

    [Fact]
    public void An_op_that_overlaps_nothing_stays_whole()
    {
        var h = HistoryReader.Read(new StringReader("""
            {"format": "hmm-history", "version": 1, "setup": [{"op": "mmap", "mm": "A", "page": 0, "pages": 2}]}
            {"type": "invoke", "process": 0, "id": 0, "op": {"op": "madvise_dontneed", "mm": "A", "page": 0, "pages": 2}}
            {"type": "ok", "process": 0, "id": 0, "result": {"ok": true}}
            {"type": "invoke", "process": 0, "id": 1, "op": {"op": "madvise_dontneed", "mm": "A", "page": 0, "pages": 2}}
            {"type": "invoke", "process": 1, "id": 2, "op": {"op": "read", "mm": "A", "page": 1}}
            {"type": "ok", "process": 1, "id": 2, "result": {"value": 0}}
            {"type": "ok", "process": 0, "id": 1, "result": {"ok": true}}
            """), "h.jsonl");
        var table = PageByPage.Apply(OpTable.From(h.Events));
        table.Ops.Select(o => o.Id).Should().Equal([0, 1, 1, 2], "only the madvise that overlaps the read is split");
    }
}
