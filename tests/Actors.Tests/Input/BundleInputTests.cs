using System.Text;
using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Tests.Bundles;
using Hmm.Spec.Actors.Tests.Cli;

namespace Hmm.Spec.Actors.Tests.Input;

/// <summary>
/// Hostile and edited trace bundles (issue 11, items 1, 5 and 6): refused with one line and exit 2 before Coyote sees
/// them, and an edited trace never replays as "NOT REPRODUCED".
/// </summary>
public sealed class BundleInputTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-bdl-in-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>The repository's real bundle, re-written by this build (so it carries a checksum).</summary>
    private JsonNode Checksummed()
    {
        var path = TraceBundle.Read(SampleTrace.RealBundlePath()).WriteTo(Path.Combine(dir, "fresh"));
        return JsonNode.Parse(File.ReadAllText(path))!;
    }

    /// <summary>The repository's real bundle as a bundle from before bundles carried a checksum (the field removed).</summary>
    private static JsonNode Unchecksummed()
    {
        var b = JsonNode.Parse(File.ReadAllText(SampleTrace.RealBundlePath()))!;
        b.AsObject().Remove("coyote_trace_sha256");
        return b;
    }

    private string Save(JsonNode bundle, string name = "b.hmmtrace.json") => Save(bundle.ToJsonString(), name);

    private string Save(string text, string name = "b.hmmtrace.json")
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static JsonArray Steps(JsonNode bundle) => bundle["coyote_trace"]!["Steps"]!.AsArray();

    private static void Cut(JsonNode bundle, int keep)
    {
        var steps = Steps(bundle);
        while (steps.Count > keep)
            steps.RemoveAt(steps.Count - 1);
    }

    [Theory]
    [InlineData("""{}""", "coyote_trace", "missing field \"Settings\"")]
    [InlineData("""{"Steps":[]}""", "coyote_trace", "missing field \"Settings\"")]
    [InlineData("""[]""", "coyote_trace", "expected Coyote's reproducible trace object")]
    public void A_trace_without_its_parts_is_bad_input(string trace, string place, string problem)
    {
        var b = Unchecksummed();
        b["coyote_trace"] = JsonNode.Parse(trace);
        CliRunner.Run("replay", Save(b)).ShouldBeBadInput(place, problem);
    }

    [Theory]
    [InlineData("Strategy", "\"nonsense\"", "coyote_trace.Settings.Strategy", "expected one of random")]
    [InlineData("PortfolioMode", "\"sometimes\"", "coyote_trace.Settings.PortfolioMode", "expected one of none")]
    [InlineData("MaxFairSchedulingSteps", "-1", "coyote_trace.Settings.MaxFairSchedulingSteps", "expected an integer")]
    [InlineData("IsLivenessCheckingEnabled", "\"yes\"", "coyote_trace.Settings.IsLivenessCheckingEnabled", "expected true or false")]
    [InlineData("Telepathy", "1", "coyote_trace.Settings.Telepathy", "unknown Coyote setting")]
    public void A_bad_setting_is_bad_input(string key, string value, string place, string problem)
    {
        var b = Unchecksummed();
        b["coyote_trace"]!["Settings"]![key] = JsonNode.Parse(value);
        CliRunner.Run("replay", Save(b)).ShouldBeBadInput(place, problem);
    }

    [Fact]
    public void Missing_settings_are_bad_input()
    {
        var b = Unchecksummed();
        b["coyote_trace"]!.AsObject().Remove("Settings");
        CliRunner.Run("replay", Save(b)).ShouldBeBadInput("coyote_trace", "missing field \"Settings\"");
    }

    [Theory]
    [InlineData("\"x\"", "coyote_trace.Steps", "expected an array")]
    [InlineData("[7]", "coyote_trace.Steps[0]", "expected a scheduling decision")]
    [InlineData("[\"free text\"]", "coyote_trace.Steps[0]", "not a scheduling decision")]
    [InlineData("[\"op(0:1),sp(Teleport),next(0:1)\"]", "coyote_trace.Steps[0]", "not a scheduling decision")]
    [InlineData("[\"op(99999999999999999999:1),sp(Write),next(0:1)\"]", "coyote_trace.Steps[0]", "not a scheduling decision")]
    [InlineData("[\"op(0:1),int(99999999999)\"]", "coyote_trace.Steps[0]", "not a scheduling decision")]
    public void Bad_steps_are_bad_input(string steps, string place, string problem)
    {
        var b = Unchecksummed();
        b["coyote_trace"]!["Steps"] = JsonNode.Parse(steps);
        CliRunner.Run("replay", Save(b)).ShouldBeBadInput(place, problem);
    }

    [Fact]
    public void Every_committed_bundle_passes_the_shape_check()
    {
        var files = Directory.GetFiles(Path.Combine(SampleTrace.RepoRoot(), "traces"), "*" + TraceBundle.FileSuffix);
        files.Should().NotBeEmpty();
        foreach (var f in files)
            TraceBundle.Read(f).CoyoteTrace.Should().Contain("Steps");
    }

    [Fact]
    public void A_written_bundle_carries_the_checksum_of_its_trace_and_reads_back_verified()
    {
        var b = Checksummed();
        b["coyote_trace_sha256"]!.GetValue<string>().Should().MatchRegex("^[0-9a-f]{64}$");
        var read = TraceBundle.Read(Save(b));
        read.TraceVerified.Should().BeTrue();
        TraceBundle.Read(Save(Unchecksummed(), "old.hmmtrace.json")).TraceVerified.Should().BeFalse();
    }

    [Theory]
    [InlineData("emptied")]
    [InlineData("halved")]
    [InlineData("last step removed")]
    [InlineData("one step changed")]
    public void An_edited_checksummed_trace_is_refused_before_replay(string edit)
    {
        var b = Checksummed();
        var steps = Steps(b);
        switch (edit)
        {
            case "emptied": Cut(b, 0); break;
            case "halved": Cut(b, steps.Count / 2); break;
            case "last step removed": Cut(b, steps.Count - 1); break;
            default: steps[3] = "op(0:1),bool(true)"; break;
        }
        var r = CliRunner.Run("replay", Save(b));
        r.ShouldBeBadInput("coyote_trace", "does not match its checksum");
        r.Out.Should().NotContain("NOT REPRODUCED");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void A_cut_trace_without_a_checksum_is_refused_when_the_run_outlasts_it(int divisor)
    {
        var b = Unchecksummed();
        Cut(b, divisor == 0 ? 0 : Steps(b).Count / divisor);
        var r = CliRunner.Run("replay", Save(b));
        r.ShouldBeBadInput("coyote_trace", "the trace ends after", "lost its last steps");
        r.Out.Should().NotContain("NOT REPRODUCED");
    }

    [Fact]
    public void An_old_bundle_without_a_checksum_still_replays_with_a_note()
    {
        var r = CliRunner.Run("replay", Save(Unchecksummed(), "old.hmmtrace.json"));
        r.ExitCode.Should().Be(1, r.Err);
        r.Out.Should().Contain("REPRODUCED").And.Contain("no coyote_trace_sha256");
    }

    [Fact]
    public void A_malformed_checksum_is_bad_input()
    {
        var b = Checksummed();
        b["coyote_trace_sha256"] = "ABC";
        CliRunner.Run("replay", Save(b)).ShouldBeBadInput("coyote_trace_sha256", "64 lower-case hex digits");
    }

    [Fact]
    public void A_lone_surrogate_escape_in_a_bundle_is_bad_input()
    {
        var text = File.ReadAllText(SampleTrace.RealBundlePath());
        var i = text.IndexOf("\"message\": \"", StringComparison.Ordinal) + "\"message\": \"".Length;
        i.Should().BeGreaterThan(20);
        CliRunner.Run("replay", Save(text[..i] + "\\ud800" + text[i..])).ShouldBeBadInput("bug.message", "lone UTF-16 surrogate");
    }

    [Fact]
    public void Duplicate_keys_in_a_bundle_are_bad_input()
    {
        var text = File.ReadAllText(SampleTrace.RealBundlePath());
        CliRunner.Run("replay", Save(text.Replace("\"variant\": \"seed\",", "\"variant\": \"seed\", \"variant\": \"upstream\",")))
            .ShouldBeBadInput("variant", "duplicate key \"variant\"");
    }

    [Fact]
    public void A_utf8_bom_is_accepted_in_a_bundle()
    {
        var path = Path.Combine(dir, "bom.hmmtrace.json");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. File.ReadAllBytes(SampleTrace.RealBundlePath())]);
        TraceBundle.Read(path).Scenario.Name.Should().Be("fault-vs-fault");
    }

    [Fact]
    public void A_scenario_given_as_a_bundle_is_named_as_such()
    {
        var path = Save(ScenarioInputTests.WithOp("""{"op":"read","mm":"A","page":0}"""), "scenario.json");
        CliRunner.Run("replay", path).ShouldBeBadInput("this is a scenario, not a trace bundle");
    }

    [Fact]
    public void Malformed_bundle_json_is_placed_by_line_and_column()
    {
        var text = File.ReadAllText(SampleTrace.RealBundlePath());
        var r = CliRunner.Run("replay", Save(text[..(text.Length / 3)]));
        r.ShouldBeBadInput("line ", "column ", "corrupt or truncated bundle");
        r.Err.Should().NotContain("LineNumber").And.NotContain("BytePositionInLine");
    }

    [Fact]
    public void A_ten_megabyte_value_in_a_bundle_is_not_echoed()
    {
        var b = Unchecksummed();
        b["variant"] = new string('v', 10 << 20) + "\0";
        var r = CliRunner.Run("replay", Save(b));
        r.ShouldBeBadInput("unknown variant");
        r.Err.Length.Should().BeLessThan(1200);
        r.Err.Should().NotContain("\0");
    }
}
