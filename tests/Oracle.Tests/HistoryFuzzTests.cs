using System.Text;
using CsCheck;
using Hmm.Spec.Input;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// Property-based fuzzing of the history reader (issue 11): a valid history, damaged by one generated mutation,
/// is either still accepted with a verdict, or rejected with exit 2 and exactly one short printable line — never
/// an unhandled exception. Mutations that certainly make the file malformed must give exit 2. The seeds are
/// fixed (one PCG stream, seeds 0..N-1), so a run is reproducible; a failure names its seed and the input.
/// </summary>
public class HistoryFuzzTests
{
    private const int Cases = 400;

    private static readonly string[] Valid =
    [
        """{"format": "hmm-history", "version": 1, "machine": {"ram_pages": 64, "device_pages": 8, "device_start_pfn": 1024}, "setup": [{"op": "mmap", "mm": "A", "page": 0, "pages": 2}]}""",
        """{"type": "invoke", "process": 0, "id": 0, "op": {"op": "write", "mm": "A", "page": 0, "value": 7}}""",
        """{"type": "invoke", "process": 1, "id": 1, "op": {"op": "migrate_to_device", "mm": "A", "page": 0, "pages": 2}}""",
        """{"type": "ok", "process": 0, "id": 0, "result": {"ok": true}}""",
        """{"type": "ok", "process": 1, "id": 1, "result": {"migrated": 1}}""",
        """{"type": "invoke", "process": 0, "id": 2, "op": {"op": "pagemap", "mm": "A", "page": 0}}""",
        """{"type": "ok", "process": 0, "id": 2, "result": {"present": false, "swap": true, "swap_type": 30, "exclusive": true, "file": false}}""",
        """{"type": "invoke", "process": 1, "id": 3, "op": {"op": "read", "mm": "A", "page": 1}}""",
        """{"type": "ok", "process": 1, "id": 3, "result": {"value": 0}}""",
    ];

    /// <summary>A mutation: its name, whether it certainly makes the history malformed, and the damaged bytes.</summary>
    private sealed record Mutant(string Name, bool SurelyMalformed, byte[] Bytes)
    {
        public override string ToString() => $"{Name}: {Printable(Bytes)}";
    }

    private static byte[] Join(IEnumerable<string> lines) => Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");

    private static string Printable(byte[] b)
    {
        var s = Encoding.UTF8.GetString(b);
        return s.Length > 600 ? s[..600] + "..." : s;
    }

    // Values that break a field: wrong types, huge and negative numbers, overflowing sums, hostile strings.
    private static readonly string[] BadValues =
    [
        "-1", "2147483647", "2147483648", "9223372036854775807", "-9223372036854775809", "1e3", "0.5", "01",
        "\"\\ud800\"", "\"\\udc00x\"", "\"SIGSEV\"", "\"ENOTAVAIL\"", "{}", "[]", "null", "true", "\"\"",
        "\"" + new string('z', 100_000) + "\"", "\"a\\u0000b\"",
    ];

    private static readonly string[] Fields =
        ["\"page\"", "\"pages\"", "\"pfn\"", "\"process\"", "\"id\"", "\"mm\"", "\"value\"", "\"migrated\"", "\"swap\"", "\"swap_type\"", "\"ram_pages\"", "\"device_start_pfn\"", "\"op\"", "\"type\""];

    private static readonly string[] BadResults =
    [
        "{}", "{\"value\": 1, \"signal\": \"SIGSEGV\"}", "{\"signal\": \"SIGKILL\"}", "{\"error\": \"E2BIG\"}", "{\"ok\": false}",
        "{\"present\": true, \"swap\": 1, \"exclusive\": true, \"file\": false}", "{\"migrated\": 5000}", "{\"rss\": 1}",
    ];

    private static readonly Gen<Mutant> Mutants = Gen.OneOf(
        // A field's value replaced by a bad one (the field must occur in the chosen line).
        Gen.Select(Gen.Int[0, Valid.Length - 1], Gen.Int[0, Fields.Length - 1], Gen.Int[0, BadValues.Length - 1], (line, f, v) =>
        {
            var lines = (string[])Valid.Clone();
            var at = lines[line].IndexOf(Fields[f] + ": ", StringComparison.Ordinal);
            if (at < 0) return new Mutant("no-op", false, Join(lines));
            var start = at + Fields[f].Length + 2;
            var end = start;
            var depth = 0;
            while (end < lines[line].Length && (depth > 0 || (lines[line][end] != ',' && lines[line][end] != '}')))
            {
                if (lines[line][end] is '{' or '[') depth++;
                if (lines[line][end] is '}' or ']') depth--;
                end++;
            }
            lines[line] = lines[line][..start] + BadValues[v] + lines[line][end..];
            return new Mutant($"line {line + 1}: {Fields[f]} := {BadValues[v][..Math.Min(20, BadValues[v].Length)]}", false, Join(lines));
        }),
        // A line cut short (never at its end: then it would still be the same JSON).
        Gen.Select(Gen.Int[0, Valid.Length - 1], Gen.Double[0, 1], (line, where) =>
        {
            var lines = (string[])Valid.Clone();
            var cut = (int)(where * (lines[line].Length - 1));
            lines[line] = lines[line][..cut];
            return new Mutant($"line {line + 1} cut at {cut}", cut > 0 || line == 0, Join(lines));
        }),
        // A key repeated.
        Gen.Select(Gen.Int[1, Valid.Length - 1], line =>
        {
            var lines = (string[])Valid.Clone();
            lines[line] = lines[line].Replace("\"process\": ", "\"process\": 0, \"process\": ");
            return new Mutant($"line {line + 1}: process twice", true, Join(lines));
        }),
        // Raw bytes spliced in: invalid UTF-8, NULs, control characters, a BOM in the middle.
        Gen.Select(Gen.Int[0, Valid.Length - 1], Gen.Double[0, 1], Gen.Byte.Array[1, 4], (line, where, junk) =>
        {
            var bytes = Join(Valid);
            var starts = new List<int> { 0 };
            for (var i = 0; i < bytes.Length - 1; i++) if (bytes[i] == '\n') starts.Add(i + 1);
            var lineLength = Encoding.UTF8.GetByteCount(Valid[line]);
            var at = starts[line] + (int)(where * lineLength);
            var spliced = bytes[..at].Concat(junk).Concat(bytes[at..]).ToArray();
            // Printable junk inside a string or white space may leave a valid history: not surely malformed.
            return new Mutant($"line {line + 1}: {junk.Length} bytes at {at - starts[line]}", false, spliced);
        }),
        // A result of another op's shape or outside the vocabulary.
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, BadResults.Length - 1], (which, r) =>
        {
            var line = new[] { 3, 4, 6, 8 }[which];
            var result = BadResults[r];
            var lines = (string[])Valid.Clone();
            lines[line] = lines[line][..(lines[line].IndexOf("\"result\": ", StringComparison.Ordinal) + 10)] + result + "}";
            return new Mutant($"line {line + 1}: result {result}", true, Join(lines));
        }));

    [Fact]
    public void Damaged_histories_give_a_verdict_or_one_line_and_exit_2_never_an_exception()
    {
        var malformed = 0;
        for (ulong seed = 0; seed < Cases; seed++)
        {
            var mutant = Mutants.Generate(new PCG(1, seed), null, out _);
            (int Exit, string Out, string Err) run;
            try
            {
                run = StrictInputTests.Check(mutant.Bytes);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}: unhandled {e.GetType().Name}: {e.Message}\ninput: {mutant}");
            }
            var context = $"seed {seed}, {mutant}\nexit {run.Exit}\nstdout: {run.Out}\nstderr: {run.Err}";
            run.Exit.Should().BeOneOf([0, 1, 2], context);
            if (mutant.SurelyMalformed) run.Exit.Should().Be(2, context);
            if (run.Exit != 2) continue;
            malformed++;
            var lines = run.Err.TrimEnd('\n').Split('\n');
            lines.Should().ContainSingle(context);
            lines[0].Should().StartWith("H: line ", context).And.NotContain("   at ").And.NotContain("LineNumber").And.NotContain("\0");
            lines[0].Length.Should().BeLessThan(600, context);
            run.Out.Should().BeEmpty(context);
        }
        malformed.Should().BeGreaterThan(Cases / 2, "most mutations break the history; otherwise the generator is broken");
    }

    [Fact]
    public void On_every_damaged_line_the_fast_parser_declines_or_agrees_with_the_strict_reader()
    {
        var taken = 0;
        for (ulong seed = 0; seed < Cases; seed++)
        {
            var mutant = Mutants.Generate(new PCG(1, seed), null, out _);
            var bytes = mutant.Bytes;
            var start = 0;
            for (var i = 0; i <= bytes.Length; i++)
            {
                if (i < bytes.Length && bytes[i] != (byte)'\n') continue;
                var line = bytes[start..i];
                start = i + 1;
                var fast = History.FastEventParser.TryParse(line);
                if (fast is null) continue;
                taken++;
                History.HistoryEvent? strict;
                try
                {
                    using var doc = History.JsonLine.Parse(line);
                    strict = History.HistoryReader.ReadEvent(doc.RootElement);
                }
                catch (Exception e) when (e is System.Text.Json.JsonException or InputError)
                {
                    strict = null;
                }
                fast.Should().Be(strict, $"seed {seed}: {Encoding.UTF8.GetString(line)}");
            }
        }
        taken.Should().BeGreaterThan(Cases, "most event lines stay in the fast parser's subset");
    }
}
