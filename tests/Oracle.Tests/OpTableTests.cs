using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// The op table the reader records while it validates is the one the checker would build from the events, and
/// the oracle's own sort of longs sorts as the framework's does.
/// </summary>
public class OpTableTests
{
    private static void ShouldBeTheSame(OpTable actual, OpTable expected)
    {
        actual.Ops.Should().Equal(expected.Ops);
        actual.Call.Should().Equal(expected.Call);
        actual.Return.Should().Equal(expected.Return);
        actual.Processes.Should().Be(expected.Processes);
    }

    public static IEnumerable<object[]> Kinds() => Enum.GetValues<WorkloadKind>().Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_reader_records_the_table_the_checker_would_build(WorkloadKind kind)
    {
        foreach (var (ops, processes) in new[] { (300, 3), (12_000, 8) })
        {
            var text = HistoryWriter.ToText(HistoryGenerator.Generate(kind, ops, processes, seed: 5));
            var read = HistoryReader.Read(new StringReader(text), "h.jsonl");
            read.Table.Should().NotBeNull();
            ShouldBeTheSame(read.Table!, OpTable.From(read.Events));
            read.Table!.Ops.Length.Should().BeGreaterThan(0);
        }
    }

    [Fact]
    public void Fail_info_and_pending_completions_and_blank_lines_give_the_same_table()
    {
        // fail drops the op; info and no completion leave it pending forever; a fail/info result is ignored; the
        // table's positions count events, not lines (blank lines and the header are not events).
        var text = string.Join('\n',
            "{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [{\"op\": \"mmap\", \"mm\": \"A\", \"page\": 0, \"pages\": 4, \"prot\": \"rw\"}]}",
            "",
            "{\"type\": \"invoke\", \"process\": 7, \"id\": 10, \"op\": {\"op\": \"write\", \"mm\": \"A\", \"page\": 1, \"value\": 5}}",
            "{\"type\": \"invoke\", \"process\": 3, \"id\": 11, \"op\": {\"op\": \"read\", \"mm\": \"A\", \"page\": 1}}",
            "{\"type\": \"fail\", \"process\": 7, \"id\": 10}",
            "   ",
            "{\"type\": \"ok\", \"process\": 3, \"id\": 11, \"result\": {\"value\": 0}}",
            "{\"type\": \"invoke\", \"process\": 7, \"id\": 12, \"op\": {\"op\": \"write\", \"mm\": \"A\", \"page\": 2, \"value\": 6}}",
            "{\"type\": \"invoke\", \"process\": 3, \"id\": 13, \"op\": {\"op\": \"write\", \"mm\": \"A\", \"page\": 3, \"value\": 7}}",
            "{\"type\": \"info\", \"process\": 7, \"id\": 12, \"result\": {\"ok\": true}}",
            "{\"type\": \"invoke\", \"process\": 4, \"id\": 14, \"op\": {\"op\": \"read\", \"mm\": \"A\", \"page\": 3}}",
            "{\"type\": \"ok\", \"process\": 4, \"id\": 14, \"result\": {\"value\": 7}}",
            "");
        var read = HistoryReader.Read(new StringReader(text), "h.jsonl");
        var expected = OpTable.From(read.Events);
        ShouldBeTheSame(read.Table!, expected);
        expected.Ops.Select(o => o.Id).Should().Equal(11, 12, 13, 14);
        expected.Call.Should().Equal(1, 4, 5, 7);
        expected.Return.Should().Equal(3, OpTable.Forever, OpTable.Forever, 8);
        expected.Processes.Should().Be(3);
        LinearizabilityChecker.Check(read).Verdict.Should().Be(Verdict.Linearizable);
    }

    [Fact]
    public void A_history_built_in_memory_has_no_recorded_table()
    {
        var h = HistoryGenerator.Generate(WorkloadKind.ReadWrite, 50, 2, seed: 1);
        h.Table.Should().BeNull();
        LinearizabilityChecker.Check(h).Verdict.Should().Be(Verdict.Linearizable);
    }

    [Fact]
    public void The_long_sort_sorts_as_the_framework_does()
    {
        var rng = new Random(7);
        var shapes = new Func<int, long[]>[]
        {
            n => Enumerable.Range(0, n).Select(_ => rng.NextInt64(long.MinValue, long.MaxValue)).ToArray(),
            n => Enumerable.Range(0, n).Select(_ => (long)rng.Next(5)).ToArray(),            // many equal keys
            n => Enumerable.Range(0, n).Select(i => (long)i).ToArray(),                      // sorted
            n => Enumerable.Range(0, n).Select(i => (long)(n - i)).ToArray(),                // reversed
            n => Enumerable.Range(0, n).Select(i => (long)i + rng.Next(-3, 4)).ToArray(),    // nearly sorted (a partition's entries)
            n => Enumerable.Range(0, n).Select(i => i % 2 == 0 ? (long)i : n - i).ToArray(), // organ pipe
            n => Enumerable.Repeat(42L, n).ToArray(),
        };
        foreach (var n in new[] { 0, 1, 2, 3, 15, 16, 17, 33, 100, 1_000, 20_000 })
        {
            foreach (var shape in shapes)
            {
                var a = shape(n);
                var expected = (long[])a.Clone();
                Array.Sort(expected);
                LongSort.Sort(a);
                a.Should().Equal(expected, $"n = {n}");
            }
        }
    }
}
