using System.Text;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Tests.Cli;

namespace Hmm.Spec.Actors.Tests.Input;

/// <summary>
/// Hostile scenario files (issue 11, items 1, 2 and 5): each is refused before exploring, with one line and exit 2 —
/// never a stack trace, and never a false bug report from a number that wrapped.
/// </summary>
public sealed class ScenarioInputTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-scn-in-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>A valid scenario whose actor runs <paramref name="op"/> (a JSON object) after mapping page 0.</summary>
    internal static string WithOp(string op, string machine = """{"ram_pages":4,"device_pages":2,"device_start_pfn":1024}""") => $$"""
        {"format":"hmm-scenario","version":1,"name":"x","variant":"upstream","machine":{{machine}},
         "setup":[{"op":"mmap","mm":"A","page":0,"pages":1}],
         "actors":[{"name":"a","ops":[{{op}}]}]}
        """;

    private CliRunner.Outcome Explore(string text) => Explore(Encoding.UTF8.GetBytes(text));

    private CliRunner.Outcome Explore(byte[] bytes)
    {
        var path = Path.Combine(dir, "s.json");
        File.WriteAllBytes(path, bytes);
        return CliRunner.Run("explore", "--scenario", path, "--iterations", "5", "--out", Path.Combine(dir, "out"));
    }

    [Theory]
    [InlineData("""{"op":"mmap","mm":"B","page":2147483647,"pages":1}""", "address-space limit")]
    [InlineData("""{"op":"munmap","mm":"A","page":2147483647,"pages":2147483647}""", "address-space limit")]
    [InlineData("""{"op":"migrate_to_device","mm":"A","page":4095,"pages":2}""", "address-space limit")]
    [InlineData("""{"op":"mmap_pfn","mm":"B","page":0,"pages":1,"pfn":9223372036854775807}""", "beyond the architecture's last pfn")]
    [InlineData("""{"op":"mmap_pfn","mm":"B","page":0,"pages":2,"pfn":17179869183}""", "beyond the architecture's last pfn")]
    [InlineData("""{"op":"hotplug_add","start_pfn":9223372036854775807,"pages":1}""", "beyond the architecture's last pfn")]
    [InlineData("""{"op":"hotplug_add","start_pfn":17179869180,"pages":8}""", "beyond the architecture's last pfn")]
    [InlineData("""{"op":"hotplug_add","start_pfn":4096,"pages":1000000}""", "at most 4096 pages")]
    public void An_op_range_past_a_documented_limit_is_bad_input_not_a_bug(string op, string problem) =>
        Explore(WithOp(op)).ShouldBeBadInput("s.json", "actors[0].ops[0]", problem);

    [Theory]
    [InlineData("""{"ram_pages":4,"device_pages":2,"device_start_pfn":9223372036854775807}""")]
    [InlineData("""{"ram_pages":4,"device_pages":8,"device_start_pfn":17179869180}""")]
    public void A_device_range_beyond_the_architectures_pfns_is_bad_input(string machine) =>
        Explore(WithOp("""{"op":"read","mm":"A","page":0}""", machine)).ShouldBeBadInput("machine.device_start_pfn", "architecture's last pfn");

    [Fact]
    public void Ranges_that_end_exactly_at_the_limits_are_accepted()
    {
        var last = ScenarioLoader.MaxPfn - 1;
        var act = () => ScenarioLoader.Parse(WithOp($$"""{"op":"hotplug_add","start_pfn":{{last}},"pages":1}"""), "t");
        act.Should().NotThrow();
        var pages = () => ScenarioLoader.Parse(WithOp("""{"op":"munmap","mm":"A","page":4095,"pages":1}"""), "t");
        pages.Should().NotThrow();
        var device = () => ScenarioLoader.Parse(WithOp("""{"op":"read","mm":"A","page":0}""",
            $$"""{"ram_pages":4,"device_pages":4096,"device_start_pfn":{{ScenarioLoader.MaxPfn - 4096}}}"""), "t");
        device.Should().NotThrow();
    }

    [Fact]
    public void A_lone_surrogate_escape_in_any_string_is_bad_input()
    {
        Explore(WithOp("""{"op":"read","mm":"\ud800","page":0}""")).ShouldBeBadInput("actors[0].ops[0].mm", "lone UTF-16 surrogate");
        Explore(WithOp("""{"op":"read","mm":"A","page":0}""").Replace("\"name\":\"x\"", "\"name\":\"x\",\"description\":\"\\udc00\""))
            .ShouldBeBadInput("description", "lone UTF-16 surrogate");
        Explore(WithOp("""{"op":"read","mm":"A","page":0,"\ud800":1}""")).ShouldBeBadInput("actors[0].ops[0]", "surrogate");
    }

    [Fact]
    public void Raw_invalid_utf8_is_bad_input_with_its_place()
    {
        var text = WithOp("""{"op":"read","mm":"A","page":0}""");
        var cut = text.IndexOf("\"x\"", StringComparison.Ordinal) + 2;
        byte[] bytes = [.. Encoding.UTF8.GetBytes(text[..cut]), 0xFF, .. Encoding.UTF8.GetBytes(text[cut..])];
        Explore(bytes).ShouldBeBadInput("s.json: line 1, column", "invalid UTF-8");
    }

    [Fact]
    public void Duplicate_keys_are_bad_input()
    {
        Explore(WithOp("""{"op":"read","mm":"A","page":0,"page":1}""")).ShouldBeBadInput("actors[0].ops[0].page", "duplicate key \"page\"");
        Explore(WithOp("""{"op":"read","mm":"A","page":0}""").Replace("\"name\":\"x\"", "\"name\":\"x\",\"name\":\"y\""))
            .ShouldBeBadInput("duplicate key \"name\"");
    }

    [Fact]
    public void A_utf8_bom_is_accepted()
    {
        var path = Path.Combine(dir, "bom.json");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(WithOp("""{"op":"read","mm":"A","page":0}"""))]);
        ScenarioLoader.LoadFile(path).Name.Should().Be("x");
        var parsed = ScenarioLoader.Parse("\uFEFF" + WithOp("""{"op":"read","mm":"A","page":0}"""), "t");
        parsed.Name.Should().Be("x");
        parsed.Json.Should().NotStartWith("\uFEFF", "the text embedded in bundles carries no byte-order mark");
    }

    [Fact]
    public void A_trace_bundle_given_as_a_scenario_is_named_as_such() =>
        CliRunner.Run("explore", "--scenario", Bundles.SampleTrace.RealBundlePath()).ShouldBeBadInput("this is a trace bundle, not a scenario");

    [Fact]
    public void A_ten_megabyte_token_is_not_echoed()
    {
        var huge = new string('q', 10 << 20);
        var r = Explore(WithOp($$"""{"op":"{{huge}}","mm":"A","page":0}"""));
        r.ShouldBeBadInput("unknown op", "characters)");
        r.Err.Length.Should().BeLessThan(1200);
        var name = Explore(WithOp("""{"op":"read","mm":"A","page":0}""").Replace("\"name\":\"x\"", $"\"name\":\"{huge}\""));
        name.ShouldBeBadInput("at most 100 characters");
        name.Err.Length.Should().BeLessThan(1200);
        var number = Explore(WithOp($$"""{"op":"read","mm":"A","page":1{{new string('0', 1 << 20)}}}"""));
        number.ShouldBeBadInput("expected an integer");
        number.Err.Length.Should().BeLessThan(1200);
    }

    [Fact]
    public void Nul_bytes_are_not_echoed()
    {
        var escaped = Explore(WithOp("""{"op":"rea\u0000d","mm":"A","page":0}"""));
        escaped.ShouldBeBadInput("unknown op", "\\u0000");
        escaped.Err.Should().NotContain("\0");
        var raw = Explore(Encoding.UTF8.GetBytes(WithOp("""{"op":"read","mm":"A","page":0}""")).Select(b => b == (byte)'}' ? (byte)0 : b).ToArray());
        raw.ShouldBeBadInput("malformed JSON");
        raw.Err.Should().NotContain("\0");
    }

    [Theory]
    [InlineData("{\"format\":\"hmm-scenario\",", "line 1, column")]
    [InlineData("{\"format\":\"hmm-scenario\",\n  \"version\": 1,\n  \"name\": x}", "line 3, column 11")]
    [InlineData("", "line 1, column 1")]
    public void Malformed_json_is_placed_by_line_and_column_without_dotnet_internals(string text, string place)
    {
        var r = Explore(text);
        r.ShouldBeBadInput("s.json", place, "malformed JSON");
        r.Err.Should().NotContain("LineNumber").And.NotContain("BytePositionInLine").And.NotContain("Path: $");
    }
}
