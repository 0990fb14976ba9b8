using System.Text;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// The reader splits a long history into chunks of whole lines, scanned and fast-parsed in parallel: any split
/// gives the same history, line numbers and first error as reading it in one piece.
/// </summary>
public class ChunkedParseTests
{
    private static History.History Parse(string text, int chunks) => HistoryReader.Parse(Encoding.UTF8.GetBytes(text), "h.jsonl", chunks);

    /// <summary>The error message reading <paramref name="text"/> in <paramref name="chunks"/> chunks, or null.</summary>
    private static string? Error(string text, int chunks)
    {
        try
        {
            Parse(text, chunks);
            return null;
        }
        catch (InputError e)
        {
            return e.Message;
        }
    }

    private static void ShouldRead(string text, int chunks, History.History whole)
    {
        var h = Parse(text, chunks);
        var because = $"{chunks} chunks";
        h.Events.Should().Equal(whole.Events, because);
        HistoryWriter.ToText(h).Should().Be(HistoryWriter.ToText(whole), because);
        h.Table!.Ops.Should().Equal(whole.Table!.Ops, because);
        h.Table.Call.Should().Equal(whole.Table.Call, because);
        h.Table.Return.Should().Equal(whole.Table.Return, because);
        h.Warnings.Should().Equal(whole.Warnings, because);
    }

    /// <summary>A generated history's text in several spellings: CRLF, blank lines, no final newline, a byte order mark.</summary>
    public static IEnumerable<object[]> Spellings()
    {
        foreach (var kind in Enum.GetValues<WorkloadKind>())
        {
            var text = HistoryWriter.ToText(HistoryGenerator.Generate(kind, 150, 4, seed: 9));
            var lines = text.TrimEnd('\n').Split('\n');
            yield return [kind, "lf", text];
            yield return [kind, "crlf", string.Join("\r\n", lines) + "\r\n"];
            yield return [kind, "no final newline", string.Join('\n', lines)];
            yield return [kind, "blank lines", "\n \t\n" + string.Join('\n', lines.Select((l, i) => i % 7 == 3 ? l + "\n\r\n   " : l)) + "\n\n\n"];
            yield return [kind, "byte order mark", "\uFEFF" + text];
        }
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public void Any_number_of_chunks_reads_the_same_history(WorkloadKind kind, string spelling, string text)
    {
        _ = (kind, spelling);
        var whole = Parse(text, 1);
        whole.Events.Should().NotBeEmpty();
        foreach (var chunks in new[] { 2, 3, 5, 8, 13, 64, 1_000, text.Length + 5 }) ShouldRead(text, chunks, whole);
    }

    [Fact]
    public void Every_split_point_inside_and_at_the_end_of_lines_reads_the_same_history()
    {
        // With as many chunks as bytes, a boundary is asked for at every byte: inside lines, at their ends, on blank lines.
        var text = "\n{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [{\"op\": \"mmap\", \"mm\": \"A\", \"page\": 0, \"pages\": 2, \"prot\": \"rw\"}]}\r\n" +
                   "{\"type\": \"invoke\", \"process\": 1, \"id\": 1, \"op\": {\"op\": \"write\", \"mm\": \"A\", \"page\": 0, \"value\": 3}}\n" +
                   "  \n" +
                   "{\"type\":\"invoke\",\"process\":2,\"id\":2,\"op\":{\"op\":\"read\",\"mm\":\"A\",\"page\":0}}\r\n" +
                   "{\"type\": \"ok\", \"process\": 1, \"id\": 1, \"result\": {\"ok\": true}}\n" +
                   "{\"type\": \"ok\", \"process\": 2, \"id\": 2, \"result\": {\"value\": 3}}";
        var whole = Parse(text, 1);
        whole.Events.Should().HaveCount(4);
        for (var chunks = 2; chunks <= text.Length + 2; chunks++) ShouldRead(text, chunks, whole);
    }

    [Fact]
    public void The_first_malformed_line_in_file_order_is_reported_whichever_chunk_holds_it()
    {
        var lines = HistoryWriter.ToText(HistoryGenerator.Generate(WorkloadKind.ReadWrite, 400, 4, seed: 2)).TrimEnd('\n').Split('\n');
        lines.Length.Should().BeGreaterThan(700);
        // Two problems, one in each half: a line the strict reader refuses, and one the validator refuses.
        var broken = (string[])lines.Clone();
        broken[200] = broken[200].Replace("\"id\":", "\"idd\":");
        broken[650] = "not json";
        var text = string.Join('\n', broken);
        Error(text, 1).Should().StartWith("h.jsonl: line 201: idd: unknown event field");
        foreach (var chunks in new[] { 2, 3, 4, 7, 16, 100, 5_000 }) Error(text, chunks).Should().Be(Error(text, 1), $"{chunks} chunks");

        // A validation problem (a duplicate id) before a parse error: the validation problem, with its line number.
        var dup = (string[])lines.Clone();
        var firstInvoke = Array.FindIndex(dup, l => l.Contains("\"invoke\""));
        var dupLine = Array.FindIndex(dup, 450, l => l.Contains("\"invoke\""));
        var id = System.Text.RegularExpressions.Regex.Match(dup[firstInvoke], "\"id\":(\\d+)").Groups[1].Value;
        dup[dupLine] = System.Text.RegularExpressions.Regex.Replace(dup[dupLine], "\"id\":\\d+", $"\"id\":{id}");
        dup[^3] = "{\"type\": 5}";
        var dupText = string.Join('\n', dup);
        Error(dupText, 1).Should().StartWith($"h.jsonl: line {dupLine + 1}: duplicate id {id}");
        foreach (var chunks in new[] { 2, 3, 16, 1_000 }) Error(dupText, chunks).Should().Be(Error(dupText, 1), $"{chunks} chunks");
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \r\n\t\n")]
    [InlineData("\n\n{\"type\": \"invoke\", \"process\": 1, \"id\": 1, \"op\": {\"op\": \"read\", \"mm\": \"A\", \"page\": 0}}\n")]
    [InlineData("\n \n{\"format\": \"hmm-history\", \"version\": 2}\n{\"type\": \"bad\"}\n")]
    public void Empty_headerless_and_bad_header_histories_give_the_same_error_in_any_chunks(string text)
    {
        var whole = Error(text, 1);
        whole.Should().NotBeNull();
        foreach (var chunks in new[] { 2, 3, 7, 50 }) Error(text, chunks).Should().Be(whole, $"{chunks} chunks");
    }

    [Fact]
    public void A_history_past_the_parallel_size_is_read_in_parallel_chunks_with_the_same_result()
    {
        var text = HistoryWriter.ToText(HistoryGenerator.Generate(WorkloadKind.ReadWrite, 8_000, 8, seed: 4));
        Encoding.UTF8.GetByteCount(text).Should().BeGreaterThan(HistoryReader.ParallelBytes);
        var read = HistoryReader.Parse(Encoding.UTF8.GetBytes(text), "h.jsonl");
        ShouldRead(text, 1, read);
        LinearizabilityChecker.Check(read).Verdict.Should().Be(Verdict.Linearizable);
    }

    [Fact]
    public void An_early_error_in_a_long_mapped_file_is_reported_after_every_chunk_is_done()
    {
        // Read from a file, the bytes are a mapping the reader releases when it returns or throws: the chunks still
        // being scanned must be finished by then. An error in the first chunk returns while the others are under way.
        var lines = HistoryWriter.ToText(HistoryGenerator.Generate(WorkloadKind.ReadWrite, 8_000, 8, seed: 6)).TrimEnd('\n').Split('\n');
        var line10 = lines[9];
        lines[9] = System.Text.RegularExpressions.Regex.Replace(line10, "\"process\":\\d+", "\"process\":-1");
        var path = Path.Combine(Path.GetTempPath(), $"hmm-chunked-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllText(path, string.Join('\n', lines));
            new FileInfo(path).Length.Should().BeGreaterThan(HistoryReader.ParallelBytes);
            for (var i = 0; i < 5; i++)
            {
                var act = () => HistoryReader.Read(path);
                act.Should().Throw<InputError>().Which.Message.Should().Be($"{path}: line 10: process: must be at least 0, found -1");
            }
            lines[9] = line10;
            File.WriteAllText(path, string.Join('\n', lines) + "\n");
            HistoryReader.Read(path).Events.Should().HaveCount(lines.Length - 1);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
