using System.Text;
using System.Text.Json;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// The fast event parser must agree with the strict reader on every line it accepts, and decline every line
/// the strict reader rejects (so that errors keep their precise wording).
/// </summary>
public class FastParserTests
{
    /// <summary>The strict reader's event, or null when it rejects the line.</summary>
    private static HistoryEvent? Strict(string line)
    {
        try
        {
            using var doc = JsonLine.Parse(Encoding.UTF8.GetBytes(line));
            return HistoryReader.ReadEvent(doc.RootElement);
        }
        catch (Exception e) when (e is JsonException or InputError)
        {
            return null;
        }
    }

    private static HistoryEvent? Fast(string line) => FastEventParser.TryParse(Encoding.UTF8.GetBytes(line));

    public static IEnumerable<object[]> GeneratedLines()
    {
        foreach (var kind in Enum.GetValues<WorkloadKind>())
        {
            var text = HistoryWriter.ToText(HistoryGenerator.Generate(kind, 400, 4, seed: 3));
            foreach (var line in text.Split('\n').Skip(1).Where(l => l.Length > 0)) yield return [line];
        }
    }

    [Fact]
    public void Every_generated_and_corpus_line_takes_the_fast_path_with_the_strict_result()
    {
        var corpus = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"), "*.jsonl")
            .SelectMany(f => File.ReadAllLines(f).Skip(1));
        var lines = GeneratedLines().Select(l => (string)l[0]).Concat(corpus).Where(l => l.Trim().Length > 0).ToList();
        lines.Should().HaveCountGreaterThan(1000);
        foreach (var line in lines)
        {
            var strict = Strict(line);
            if (strict is null) continue;   // the corpus holds malformed lines on purpose
            Fast(line).Should().Be(strict, "the fast parser should accept {0} as the strict reader does", line);
        }
    }

    [Theory]
    // Valid JSON the scanner leaves to the strict reader, or reads itself; either way the same event.
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"\u0041","page":0}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"Ä","page":0}}""")]
    [InlineData("""  { "id" : 7 , "process":2,"type":"invoke","op":{ "page":3,"mm":"B","op":"write","value":-9223372036854775808} }  """)]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"write","mm":"A","page":0,"value":9223372036854775807}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"mmap","mm":"A","page":0,"pages":4,"prot":"r","shared":true}}""")]
    [InlineData("""{"type":"ok","process":0,"id":0,"result":{"value":-0}}""")]
    [InlineData("""{"type":"ok","process":0,"id":0,"result":{"ok":false}}""")]
    [InlineData("""{"type":"ok","process":0,"id":0,"result":{"present":true,"swap":false,"swap_type":0,"exclusive":true,"file":false}}""")]
    [InlineData("""{"type":"ok","process":0,"id":0,"result":{"rss":3,"anon":2,"swap":1}}""")]
    [InlineData("""{"type":"ok","process":0,"id":0,"result":{"signal":"SIGSEGV"}}""")]
    [InlineData("""{"type":"fail","process":0,"id":0,"result":{"error":"EFAULT"}}""")]
    [InlineData("""{"type":"info","process":1,"id":4}""")]
    [InlineData("{\"type\":\"info\",\"process\":1,\"id\":4}\r")]
    // Rejected by the strict reader: the fast parser must decline them all.
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":0}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":0}} x""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":01}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":1.5}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":1e2}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":-1}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":2147483648}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"write","mm":"A","page":0,"value":9223372036854775808}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"write","mm":"A","page":0,"value":123456789012345678901}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":0,}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"","page":0}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"mmap","mm":"A","page":0,"pages":0}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"ftruncate","file":"F","pages":-1}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"ftruncate","mm":"A","file":"F","pages":1}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A"}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":0,"value":1}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":0,"page":1}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"teleport","mm":"A","page":0}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"mmap","mm":"A","page":0,"pages":1,"prot":"rwx"}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"mmap","mm":"A","page":0,"pages":1,"shared":tru}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"mmap","mm":"A","page":0,"pages":1,"shared":truex}}""")]
    [InlineData("""{"type":"ok","process":0,"id":0,"result":{"ok":true}""")]
    [InlineData("""{"type":"ok","process":0,"id":0,"result":{"ok":1}}""")]
    [InlineData("""{"type":"ok","process":0,"id":0,"result":{"ok":true,"ok":false}}""")]
    [InlineData("""{"type":"ok","process":0,"id":0,"result":{"colour":"red"}}""")]
    [InlineData("""{"type":"ok","process":0,"id":0}""")]
    [InlineData("""{"type":"ok","process":0,"id":0,"op":{"op":"read","mm":"A","page":0},"result":{"ok":true}}""")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":0},"result":{"ok":true}}""")]
    [InlineData("""{"type":"crash","process":0,"id":0}""")]
    [InlineData("""{"type":"info","process":0}""")]
    [InlineData("""{"type":"info","process":0,"id":0,"extra":1}""")]
    [InlineData("""{"type":"info","process":"0","id":0}""")]
    [InlineData("{\"type\":\"info\",\"process\":0,\"id\":0,\"result\":{\"signal\":\"a\u0001b\"}}")]
    [InlineData("""[1,2]""")]
    [InlineData("""{}""")]
    public void The_fast_parser_accepts_only_what_the_strict_reader_accepts_and_agrees(string line)
    {
        var fast = Fast(line);
        var strict = Strict(line);
        if (strict is null) fast.Should().BeNull();
        else if (fast is not null) fast.Should().Be(strict);
    }

    [Theory]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":0}""", "line 2, column ")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":1.5}}""", "line 2: op.page: expected an integer")]
    [InlineData("""{"type":"invoke","process":0,"id":0,"op":{"op":"read","mm":"A","page":0}} {}""", "line 2, column ")]
    [InlineData("""{"type":"ok","process":0,"id":0,"result":{"ok":tru}}""", "line 2, column ")]
    public void Malformed_lines_give_one_error_line_with_the_line_number_and_exit_2(string line, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fast-parser-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, "{\"format\": \"hmm-history\", \"version\": 1}\n" + line + "\n");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            CheckRunner.Run(path, json: false, timeoutSeconds: null, output, error).Should().Be(CheckRunner.ExitMalformed);
            var lines = error.ToString().TrimEnd().Split('\n');
            lines.Should().ContainSingle();
            lines[0].Should().StartWith($"{path}: {expected}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_long_history_parsed_in_parallel_chunks_round_trips_and_reports_its_first_error()
    {
        // Over HistoryReader.ParallelBytes (1 MiB): the reader splits the file into chunks of lines parsed in parallel.
        var h = HistoryGenerator.Generate(WorkloadKind.Mixed, 12_000, 8, seed: 11);
        var text = HistoryWriter.ToText(h);
        var back = HistoryReader.Read(new StringReader(text), "long.jsonl");
        back.Events.Should().Equal(h.Events);

        var lines = text.Split('\n');
        System.Text.Encoding.UTF8.GetByteCount(text).Should().BeGreaterThan(HistoryReader.ParallelBytes);
        lines[15_000] = lines[15_000].Replace("\"id\":", "\"idd\":");
        lines[18_000] = "not json";
        var act = () => HistoryReader.Read(new StringReader(string.Join('\n', lines)), "long.jsonl");
        act.Should().Throw<InputError>().Which.Message.Should().StartWith("long.jsonl: line 15001: idd: unknown event field");
    }
}
