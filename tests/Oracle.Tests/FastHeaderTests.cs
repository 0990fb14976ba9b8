using System.Text;
using System.Text.Json;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// The header's fast path gives the strict reader's header on every header it accepts, and declines every header the
/// strict reader refuses (which then words the error), so reading a history gives the same header and errors.
/// </summary>
public class FastHeaderTests
{
    private static HistoryHeader? Strict(string line)
    {
        try
        {
            using var doc = JsonLine.Parse(Encoding.UTF8.GetBytes(line));
            return HistoryReader.ReadHeader(doc.RootElement);
        }
        catch (Exception e) when (e is JsonException or InputError)
        {
            return null;
        }
    }

    private static HistoryHeader? Fast(string line) => FastEventParser.TryParseHeader(Encoding.UTF8.GetBytes(line));

    private static void ShouldBeTheSame(HistoryHeader fast, HistoryHeader strict)
    {
        fast.Version.Should().Be(strict.Version);
        fast.Variant.Should().Be(strict.Variant);
        fast.Config.Should().BeNull();
        strict.Config.Should().BeNull();
        fast.Machine.Should().Be(strict.Machine);
        fast.Setup.Should().Equal(strict.Setup);
    }

    public static IEnumerable<object[]> GeneratedHeaders() =>
        Enum.GetValues<WorkloadKind>().Select(k => new object[] { k, HistoryWriter.ToText(HistoryGenerator.Generate(k, 20, 2, seed: 1)).Split('\n')[0] });

    [Theory]
    [MemberData(nameof(GeneratedHeaders))]
    public void Generated_headers_take_the_fast_path_with_the_strict_result(WorkloadKind kind, string line)
    {
        _ = kind;
        var fast = Fast(line);
        fast.Should().NotBeNull(line);
        ShouldBeTheSame(fast!, Strict(line)!);
    }

    private const string Map = "{\"op\": \"mmap\", \"mm\": \"A\", \"page\": 0, \"pages\": 4, \"prot\": \"rw\"}";

    [Theory]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1}", true)]
    [InlineData("  { \"version\" : 1 , \"format\" : \"hmm-history\" , \"setup\" : [ ] }  \r", true)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"variant\": \"seed\", \"machine\": {\"ram_pages\": 64}, \"setup\": [" + Map + ", " + Map + "]}", true)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"device_start_pfn\": 4096, \"device_pages\": 8, \"ram_pages\": 1024}}", true)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [{\"op\": \"fork\", \"mm\": \"A\", \"child\": \"B\"}]}", true)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"config\": {\"SWAP\": false}}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 2}", false)]
    [InlineData("{\"format\": \"hmm-histor\", \"version\": 1}", false)]
    [InlineData("{\"format\": \"hmm-history\"}", false)]
    [InlineData("{\"version\": 1}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"format\": \"hmm-history\"}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"extra\": 1}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1.0}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"variant\": \"\"}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"variant\": \"s\\u0065ed\"}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"variant\": null}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {}}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": 0}}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": 64, \"device_pages\": 8}}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": 64, \"device_pages\": 8, \"device_start_pfn\": 10}}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": 64, \"gpu\": 1}}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": 64, \"ram_pages\": 64}}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"setup\": {}}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [" + Map + ",]}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [" + Map + " " + Map + "]}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [{\"op\": \"mmap\", \"mm\": \"A\", \"page\": 0, \"pages\": 0, \"prot\": \"rw\"}]}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [{\"op\": \"fork\", \"mm\": \"A\", \"child\": \"A\"}]}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [{\"op\": \"read\", \"mm\": \"A\"}]}", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1}x", false)]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1", false)]
    [InlineData("{\"type\": \"invoke\", \"process\": 1, \"id\": 1, \"op\": {\"op\": \"read\", \"mm\": \"A\", \"page\": 0}}", false)]
    public void The_fast_header_accepts_only_what_the_strict_reader_accepts_and_agrees(string line, bool fastPath)
    {
        var fast = Fast(line);
        var strict = Strict(line);
        (fast is not null).Should().Be(fastPath, line);
        if (fast is null) return;
        strict.Should().NotBeNull(line);
        ShouldBeTheSame(fast, strict!);
    }

    [Fact]
    public void A_header_the_fast_path_declines_still_reads_or_fails_as_before()
    {
        var withConfig = "{\"format\": \"hmm-history\", \"version\": 1, \"config\": {\"SWAP\": false}}\n";
        HistoryReader.Read(new StringReader(withConfig), "h.jsonl").Header.Config.Should().ContainKey("SWAP");
        var act = () => HistoryReader.Read(new StringReader("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": 0}}\n"), "h.jsonl");
        act.Should().Throw<InputError>().Which.Message.Should().Be("h.jsonl: line 1: machine.ram_pages: must be at least 1, found 0");
    }
}
