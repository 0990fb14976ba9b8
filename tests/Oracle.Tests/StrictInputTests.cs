using System.Text;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// Issue 14 part 3 and issue 11's history side: results of the wrong shape for their op, names outside the
/// vocabulary, numbers beyond the documented limits, bad headers and bytes that are not JSON text are each one
/// line naming the place, exit 2 — from the fast parser's lines and the strict reader's alike.
/// </summary>
public class StrictInputTests
{
    private const string Header = "{\"format\": \"hmm-history\", \"version\": 1}";

    private static string Invoke(string op) => $"{{\"type\": \"invoke\", \"process\": 0, \"id\": 0, \"op\": {op}}}";
    private static string Ok(string result) => $"{{\"type\": \"ok\", \"process\": 0, \"id\": 0, \"result\": {result}}}";

    /// <summary>Runs <c>check</c> on the bytes; returns exit code, stdout and stderr.</summary>
    internal static (int Exit, string Out, string Err) Check(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"strict-{Guid.NewGuid():N}.jsonl");
        File.WriteAllBytes(path, bytes);
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var exit = CheckRunner.Run(path, json: false, timeoutSeconds: 30, output, error);
            return (exit, output.ToString(), error.ToString().Replace(path, "H"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void ShouldBeOneLine(string text, string op, string completion, string expected)
    {
        var (exit, output, err) = Check(Encoding.UTF8.GetBytes($"{Header}\n{Invoke(op)}\n{completion}\n"));
        exit.Should().Be(2, output + err);
        err.TrimEnd().Split('\n').Should().ContainSingle().Which.Should().StartWith("H: " + expected, text);
    }

    [Theory]
    [InlineData("""{"op": "read", "mm": "A", "page": 0}""", """{"value": 1, "signal": "SIGSEGV"}""", "line 3: result.signal: \"read\" returns")]
    [InlineData("""{"op": "read", "mm": "A", "page": 0}""", """{"signal": "SIGSEV"}""", "line 3: result.signal: unknown signal \"SIGSEV\"")]
    [InlineData("""{"op": "read", "mm": "A", "page": 0}""", """{"ok": true}""", "line 3: result.ok: \"read\" returns")]
    [InlineData("""{"op": "read", "mm": "A", "page": 0}""", """{}""", "line 3: result: an empty result")]
    [InlineData("""{"op": "write", "mm": "A", "page": 0, "value": 1}""", """{"value": 1}""", "line 3: result.value: \"write\" returns")]
    [InlineData("""{"op": "write", "mm": "A", "page": 0, "value": 1}""", """{"ok": false}""", "line 3: result.ok: must be true")]
    [InlineData("""{"op": "mmap", "mm": "A", "page": 0, "pages": 1}""", """{"error": "ENOTAVAIL"}""", "line 3: result.error: unknown errno")]
    [InlineData("""{"op": "mmap", "mm": "A", "page": 0, "pages": 1}""", """{"ok": true, "error": "EFAULT"}""", "line 3: result.error: \"mmap\" returns {\"ok\": true} or {\"error\": ...}, not this field with \"ok\"")]
    [InlineData("""{"op": "pagemap", "mm": "A", "page": 0}""", """{"present": true, "swap": 0, "exclusive": true, "file": false}""", "line 3: result.swap: pagemap's \"swap\" is a boolean")]
    [InlineData("""{"op": "pagemap", "mm": "A", "page": 0}""", """{"present": true, "swap": false}""", "line 3: result: \"pagemap\" result needs field \"exclusive\"")]
    [InlineData("""{"op": "pagemap", "mm": "A", "page": 0}""", """{"present": false, "swap": true, "exclusive": true, "file": false}""", "line 3: result: a pagemap swap entry needs \"swap_type\"")]
    [InlineData("""{"op": "pagemap", "mm": "A", "page": 0}""", """{"present": false, "swap": true, "swap_type": 40, "exclusive": true, "file": false}""", "line 3: result.swap_type: at most 31")]
    [InlineData("""{"op": "smaps", "mm": "A"}""", """{"rss": 1, "anon": 1}""", "line 3: result: \"smaps\" result needs field \"swap\"")]
    [InlineData("""{"op": "smaps", "mm": "A"}""", """{"rss": 1, "anon": 1, "swap": false}""", "line 3: result.swap: smaps's \"swap\" is a page count")]
    [InlineData("""{"op": "smaps", "mm": "A"}""", """{"rss": 100000, "anon": 1, "swap": 0}""", "line 3: result.rss: at most 4096")]
    [InlineData("""{"op": "migrate_to_device", "mm": "A", "page": 0}""", """{"migrated": 1, "value": 3}""", "line 3: result.value: \"migrate_to_device\" returns")]
    [InlineData("""{"op": "device_read", "mm": "A", "page": 0}""", """{"signal": "SIGBUS"}""", "line 3: result.signal: \"device_read\" returns")]
    // Page and pfn ranges: checked arithmetic against the documented limits, before anything is allocated.
    [InlineData("""{"op": "mmap", "mm": "A", "page": 0, "pages": 100000}""", """{"ok": true}""", "line 2: pages: the range [0, 100000) ends beyond the address-space limit of 4096 pages")]
    [InlineData("""{"op": "munmap", "mm": "A", "page": 2147483647, "pages": 2147483647}""", """{"ok": true}""", "line 2: pages: the range [2147483647, 4294967294)")]
    [InlineData("""{"op": "read", "mm": "A", "page": 4096}""", """{"value": 0}""", "line 2: pages: the range [4096, 4097)")]
    [InlineData("""{"op": "mmap_pfn", "mm": "A", "page": 0, "pages": 2, "pfn": 9223372036854775807}""", """{"ok": true}""", "line 2: pfn: the pfn range")]
    [InlineData("""{"op": "hotplug_add", "start_pfn": 1099511627775, "pages": 2}""", """{"ok": true}""", "line 2: start_pfn: the pfn range")]
    [InlineData("""{"op": "ftruncate", "file": "F", "pages": 5000}""", """{"ok": true}""", "line 2: pages: a file size of 5000 pages")]
    [InlineData("""{"op": "fork", "mm": "A", "child": "A"}""", """{"ok": true}""", "line 2: child: a fork child needs its own")]
    public void A_result_or_op_outside_the_vocabulary_is_one_line_exit_2(string op, string result, string expected) =>
        ShouldBeOneLine(op + " -> " + result, op, Ok(result), expected);

    [Theory]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": 0}}", "line 1: machine.ram_pages: must be at least 1")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": 64, \"device_pages\": 8, \"device_start_pfn\": 32}}", "line 1: machine.device_start_pfn: the device range [32, +8) overlaps system RAM")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": 64, \"device_pages\": 8}}", "line 1: machine: device_pages > 0 needs field \"device_start_pfn\"")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": 64, \"device_pages\": 8, \"device_start_pfn\": 9223372036854775807}}", "line 1: machine.device_start_pfn: the device range")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [{\"op\": \"fork\", \"mm\": \"A\", \"child\": \"A\"}]}", "line 1: setup[0]: child: a fork child")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [{\"op\": \"mmap\", \"mm\": \"A\", \"page\": 4000, \"pages\": 200}]}", "line 1: setup[0]: pages: the range [4000, 4200)")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"version\": 1}", "line 1, column 41: key \"version\" appears twice in one object")]
    public void A_bad_header_is_one_line_exit_2(string header, string expected)
    {
        var (exit, _, err) = Check(Encoding.UTF8.GetBytes(header + "\n"));
        exit.Should().Be(2);
        err.TrimEnd().Split('\n').Should().ContainSingle().Which.Should().StartWith("H: " + expected);
    }

    public static TheoryData<string, byte[], string> BadBytes() => new()
    {
        { "lone surrogate escape", Utf8($"{Header}\n{Invoke("{\"op\": \"read\", \"mm\": \"\\ud800\", \"page\": 0}")}\n"), "line 2, column 70: a string escape is not a valid Unicode character" },
        { "lone low surrogate in a key", Utf8($"{Header}\n{{\"type\": \"info\", \"\\udc00\": 1}}\n"), "line 2, column 18: a string escape" },
        { "raw invalid UTF-8", [.. Utf8($"{Header}\n{{\"type\": \"invoke\", \"process\": 0, \"id\": 0, \"op\": {{\"op\": \"read\", \"mm\": \""), 0xC3, 0x28, .. Utf8("\", \"page\": 0}}\n")], "line 2, column 71: invalid UTF-8 (byte 0xC3)" },
        { "a NUL byte", [.. Utf8(Header + "\n"), 0, .. Utf8("\n")], "line 2, column 1: invalid JSON" },
        { "a repeated key in a result", Utf8($"{Header}\n{Invoke("{\"op\": \"read\", \"mm\": \"A\", \"page\": 0}")}\n{Ok("{\"value\": 1, \"value\": 2}")}\n"), "line 3, column 62: key \"value\" appears twice" },
        { "a repeated key in an op", Utf8($"{Header}\n{Invoke("{\"op\": \"read\", \"mm\": \"A\", \"mm\": \"B\", \"page\": 0}")}\n"), "line 2, column 75: key \"mm\" appears twice" },
    };

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [MemberData(nameof(BadBytes))]
    public void Bytes_that_are_not_json_text_are_one_line_with_line_and_column(string what, byte[] bytes, string expected)
    {
        var (exit, output, err) = Check(bytes);
        exit.Should().Be(2, what + output);
        var line = err.TrimEnd().Split('\n').Should().ContainSingle().Which;
        line.Should().StartWith("H: " + expected, what);
        line.Should().NotContain("LineNumber").And.NotContain("BytePositionInLine").And.NotContain("\0");
    }

    [Fact]
    public void A_huge_token_or_nul_bytes_are_cut_to_a_short_printable_excerpt()
    {
        var huge = new string('x', 10_000_000);
        foreach (var line in new[]
                 {
                     Invoke($"{{\"op\": \"{huge}\", \"mm\": \"A\", \"page\": 0}}"),
                     $"{{\"type\": \"invoke\", \"{huge}\": 1}}",
                     Invoke("{\"op\": \"read\", \"mm\": \"A\\u0000\\n\", \"page\": \"" + huge + "\"}"),
                 })
        {
            var (exit, _, err) = Check(Utf8($"{Header}\n{line}\n"));
            exit.Should().Be(2);
            err.TrimEnd().Split('\n').Should().ContainSingle().Which.Length.Should().BeLessThan(600);
            err.Should().NotContain("\0");
        }
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_accepted()
    {
        var (exit, output, err) = Check([0xEF, 0xBB, 0xBF, .. Utf8($"{Header}\n{Invoke("{\"op\": \"read\", \"mm\": \"A\", \"page\": 0}")}\n{Ok("{\"signal\": \"SIGSEGV\"}")}\n")]);
        exit.Should().Be(0, output + err);
        HistoryReader.Read(new StringReader("\uFEFF" + Header + "\n"), "mem").Events.Should().BeEmpty();
    }

    [Fact]
    public void A_fail_completion_with_a_result_is_accepted_with_one_warning_and_its_result_ignored()
    {
        var text = $"{Header}\n{Invoke("{\"op\": \"mmap\", \"mm\": \"A\", \"page\": 0, \"pages\": 1}")}\n" +
                   "{\"type\": \"fail\", \"process\": 0, \"id\": 0, \"result\": {\"error\": \"ENOMEM\"}}\n" +
                   "{\"type\": \"invoke\", \"process\": 0, \"id\": 1, \"op\": {\"op\": \"read\", \"mm\": \"A\", \"page\": 0}}\n" +
                   "{\"type\": \"ok\", \"process\": 0, \"id\": 1, \"result\": {\"signal\": \"SIGSEGV\"}}\n";
        var (exit, output, err) = Check(Utf8(text));
        exit.Should().Be(0, "the failed mmap never happened, so the read faults; " + output);
        err.TrimEnd().Split('\n').Should().ContainSingle().Which.Should()
            .StartWith("H: warning: 1 fail/info completion(s) carry a result").And.Contain("first: id 0");
    }

    [Fact]
    public void A_fail_completion_still_needs_a_result_of_its_ops_shape()
    {
        var text = $"{Header}\n{Invoke("{\"op\": \"read\", \"mm\": \"A\", \"page\": 0}")}\n" +
                   "{\"type\": \"fail\", \"process\": 0, \"id\": 0, \"result\": {\"migrated\": 1}}\n";
        var (exit, _, err) = Check(Utf8(text));
        exit.Should().Be(2);
        err.Should().StartWith("H: line 3: result.migrated: \"read\" returns");
    }

    [Fact]
    public void The_fast_parser_and_the_strict_reader_agree_on_strict_results()
    {
        // The same malformed completion, once in the fast parser's subset and once with an escape that sends
        // it to the strict reader: the same message.
        var plain = Ok("{\"signal\": \"SIGFOO\"}");
        var escaped = Ok("{\"signal\": \"SIG\\u0046OO\"}");
        FastEventParser.TryParse(Utf8(plain)).Should().NotBeNull("the line is in the fast parser's subset");
        FastEventParser.TryParse(Utf8(escaped)).Should().BeNull("escapes go to the strict reader");
        var a = Check(Utf8($"{Header}\n{Invoke("{\"op\": \"read\", \"mm\": \"A\", \"page\": 0}")}\n{plain}\n"));
        var b = Check(Utf8($"{Header}\n{Invoke("{\"op\": \"read\", \"mm\": \"A\", \"page\": 0}")}\n{escaped}\n"));
        a.Exit.Should().Be(2);
        b.Exit.Should().Be(2);
        b.Err.Should().Be(a.Err).And.StartWith("H: line 3: result.signal: unknown signal \"SIGFOO\"");
    }

    [Fact]
    public void An_empty_history_path_is_one_line_exit_2()
    {
        var error = new StringWriter();
        CheckRunner.Run("", new CheckRequest(), new StringWriter(), error).Should().Be(2);
        error.ToString().TrimEnd().Split('\n').Should().ContainSingle().Which.Should().Be("hmm-spec check: the history file name is empty");
    }
}
