using System.Text;
using System.Text.Json;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Tests.Bundles;
using Hmm.Spec.Input;

namespace Hmm.Spec.Actors.Tests.Cli;

/// <summary>
/// Bad path arguments, a bad <c>--out</c> (checked before exploring), an unwritable bundle (printed in full) and
/// standard output or error that cannot be written (issue 11, item 1).
/// </summary>
public sealed class CliArgumentTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-cli-args-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData("the bundle path", "replay", "")]
    [InlineData("the history path", "check", "")]
    [InlineData("the history path", "check", "  ")]
    [InlineData("--output", "history", "generate", "-o", "")]
    [InlineData("--out", "explore", "--scenario", "fault-vs-fault", "--out", "")]
    public void An_empty_path_argument_is_bad_input(string what, params string[] args) =>
        CliRunner.Run(args).ShouldBeBadInput(what, "is empty");

    [Fact]
    public void An_empty_html_path_is_refused_before_replaying()
    {
        var r = CliRunner.Run("replay", SampleTrace.RealBundlePath(), "--html", "");
        r.ShouldBeBadInput("--html", "is empty");
        r.Out.Should().BeEmpty("nothing is replayed when an argument is bad");
    }

    [Theory]
    [InlineData("replay", "is a directory, not a trace bundle file")]
    [InlineData("check", "is a directory, not a history file")]
    [InlineData("merge", "is a directory, not a results file")]
    [InlineData("explore --scenario", "is a directory, not a scenario file")]
    public void A_directory_given_as_an_input_file_is_bad_input_named_as_such(string command, string problem)
    {
        var r = CliRunner.Run([.. command.Split(' '), dir]);
        r.ShouldBeBadInput(dir, problem);
        r.Err.Should().NotContain("file file");
    }

    [Theory]
    [InlineData("an existing file", "is a file, not a directory")]
    [InlineData("a path under a file", "cannot write trace bundles")]
    [InlineData("/proc/x", "cannot write trace bundles")]
    [InlineData("an over-long name", "cannot write trace bundles")]
    public void A_bad_out_directory_is_refused_before_exploring(string kind, string problem)
    {
        var file = Path.Combine(dir, "file");
        File.WriteAllText(file, "x");
        var outDir = kind switch
        {
            "an existing file" => file,
            "a path under a file" => Path.Combine(file, "sub"),
            "an over-long name" => Path.Combine(dir, new string('n', 300)),
            _ => kind,
        };
        // A budget that would take minutes: the refusal must come first.
        var r = CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--iterations", "100000", "--out", outDir);
        r.ShouldBeBadInput("--out", problem);
        r.Out.Should().BeEmpty();
    }

    [Fact]
    public void A_scenario_or_a_history_whose_config_cannot_be_built_is_bad_input_naming_the_missing_dependency()
    {
        var scenario = Path.Combine(dir, "nomig.json");
        File.WriteAllText(scenario, """{"format":"hmm-scenario","version":1,"name":"nomig","config":{"CONFIG_MIGRATION":false},"machine":{"ram_pages":4},"actors":[{"name":"a","ops":[{"op":"exit","mm":"A"}]}]}""");
        CliRunner.Run("explore", "--scenario", scenario, "--iterations", "1", "--out", dir)
            .ShouldBeBadInput("nomig.json: config: cannot be built", "CONFIG_DEVICE_UNADDRESSABLE=y", "CONFIG_MIGRATION=n");
        var history = Path.Combine(dir, "nomig.jsonl");
        File.WriteAllText(history, """{"format": "hmm-history", "version": 1, "config": {"CONFIG_MIGRATION": false}}""" + "\n");
        CliRunner.Run("check", history).ShouldBeBadInput("line 1: config: cannot be built", "CONFIG_ZONE_DEVICE", "CONFIG_MIGRATION=n");
    }

    [Fact]
    public void A_scenario_name_too_long_for_a_bundle_file_name_is_refused_before_exploring()
    {
        var path = Path.Combine(dir, "long.json");
        File.WriteAllText(path, Input.ScenarioInputTests.WithOp("""{"op":"read","mm":"A","page":0}""").Replace("\"name\":\"x\"", $"\"name\":\"{new string('n', 200)}\""));
        CliRunner.Run("explore", "--scenario", path, "--out", dir).ShouldBeBadInput("name", "at most 100 characters");
    }

    [Fact]
    public void A_bundle_name_past_the_file_systems_limit_is_refused_by_the_out_check()
    {
        // Unreachable from a scenario today (names have at most 100 characters), but the check does not rely on that.
        var act = () => Hmm.Spec.Cli.Commands.OutDirectory.Prepare(dir, [new string('n', 250) + TraceBundle.FileSuffix]);
        act.Should().Throw<InputError>().Which.Problem.Should().Contain("longer than 255 bytes");
        var fits = () => Hmm.Spec.Cli.Commands.OutDirectory.Prepare(dir, [TraceBundle.FileName(new string('n', 100), "seed", "portfolio", uint.MaxValue)]);
        fits.Should().NotThrow();
    }

    [Fact]
    public void A_bundle_that_cannot_be_written_is_printed_in_full()
    {
        // A directory where the bundle file should go: the write is refused after the bug is found.
        var outDir = Path.Combine(dir, "out");
        var name = TraceBundle.FileName("fault-vs-fault", "seed", "probabilistic", 1);
        Directory.CreateDirectory(Path.Combine(outDir, name));
        var r = CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--variant", "seed", "--strategy", "probabilistic",
            "--seed", "1", "--iterations", "300", "--out", outDir);
        r.ExitCode.Should().Be(1, r.Out + r.Err);
        r.Out.Should().Contain("bundle NOT written").And.Contain("is a directory");
        var json = r.Out[r.Out.IndexOf("{\n", StringComparison.Ordinal)..];
        var saved = Path.Combine(dir, "saved" + TraceBundle.FileSuffix);
        File.WriteAllText(saved, json);
        var replay = CliRunner.Run("replay", saved);
        replay.ExitCode.Should().Be(1, "the printed bundle replays the bug: " + replay.Err);
        replay.Out.Should().Contain("REPRODUCED: [use-after-free]");
    }

    [Fact]
    public void A_bundle_that_cannot_be_written_is_in_the_json_output()
    {
        var outDir = Path.Combine(dir, "out");
        Directory.CreateDirectory(Path.Combine(outDir, TraceBundle.FileName("fault-vs-fault", "seed", "probabilistic", 1)));
        var r = CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--variant", "seed", "--strategy", "probabilistic",
            "--seed", "1", "--iterations", "300", "--out", outDir, "--json");
        r.ExitCode.Should().Be(1, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var item = doc.RootElement[0];
        item.GetProperty("bundle").ValueKind.Should().Be(JsonValueKind.Null);
        item.GetProperty("bundleError").GetString().Should().Contain("is a directory");
        TraceBundle.Parse(item.GetProperty("bundleJson").GetString()!).Category.Should().Be("use-after-free");
    }

    [Fact]
    public void Standard_output_that_cannot_be_written_is_one_line_on_standard_error()
    {
        var err = new StringWriter();
        var code = Hmm.Spec.Cli.Cli.Run(["list", "scenarios"], new FullDevice(), err);
        code.Should().Be(2);
        err.ToString().Trim().Should().Be("hmm-spec: cannot write to standard output: No space left on device");
    }

    [Fact]
    public void Standard_error_that_cannot_be_written_ends_with_exit_2_and_no_exception()
    {
        var code = Hmm.Spec.Cli.Cli.Run(["replay", ""], new StringWriter(), new FullDevice());
        code.Should().Be(2);
    }

    [Fact]
    public void Max_steps_beyond_coyotes_counters_is_bad_input() =>
        CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--max-steps", "2000000000").ShouldBeBadInput("--max-steps", "at most");

    [Theory]
    [InlineData("--ops", "history", "generate", "--ops", "2000000000")]
    [InlineData("--seconds", "stress", "--scenario", "fault-vs-fault", "--seconds", "NaN")]
    [InlineData("--seconds", "stress", "--scenario", "fault-vs-fault", "--seconds", "Infinity")]
    [InlineData("--stress-seconds", "catalog", "--stress-seconds", "-1")]
    [InlineData("--stress-seconds", "catalog", "--stress-seconds", "NaN")]
    public void Numbers_past_their_limits_are_bad_input(string option, params string[] args) =>
        CliRunner.Run(args).ShouldBeBadInput(option);

    [Theory]
    [InlineData("a whole number from 0 to 4294967295", "explore", "--seed", "-1")]
    [InlineData("a whole number from -2147483648 to 2147483647", "explore", "--iterations", "99999999999")]
    [InlineData("as a number", "check", "h.jsonl", "--timeout", "soon")]
    public void An_unparsable_number_is_described_without_dotnet_type_names(string words, params string[] args)
    {
        var r = CliRunner.Run(args);
        r.ShouldBeBadInput(words);
        r.Err.Should().NotContain("System.");
    }

    [Fact]
    public void An_unknown_argument_of_the_longest_length_linux_passes_is_not_echoed()
    {
        // MAX_ARG_STRLEN: Linux passes no single argument longer than 128 KiB (a 10 MB token comes only in files).
        var r = CliRunner.Run("explore", new string('z', 128 << 10));
        r.ShouldBeBadInput("characters)");
        r.Err.Length.Should().BeLessThan(1200);
    }

    /// <summary>A writer on a full device, like <c>&gt; /dev/full</c>.</summary>
    private sealed class FullDevice : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => throw new IOException("No space left on device");
        public override void Write(string? value) => throw new IOException("No space left on device");
    }
}
