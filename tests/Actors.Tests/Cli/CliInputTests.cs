using System.Text.Json;

namespace Hmm.Spec.Actors.Tests.Cli;

/// <summary>The command line's bad-input contract and listing verbs, called in-process.</summary>
public sealed class CliInputTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void List_scenarios_prints_every_built_in()
    {
        var r = CliRunner.Run("list", "scenarios");
        r.ExitCode.Should().Be(0);
        r.Out.Should().Contain("fault-vs-fault").And.Contain("fault-vs-madvise-dontneed").And.Contain("fault-vs-munmap");
    }

    [Fact]
    public void List_variants_prints_seed_fixes_upstream_and_mutants()
    {
        var r = CliRunner.Run("list", "variants");
        r.ExitCode.Should().Be(0);
        r.Out.Should().Contain("seed").And.Contain("upstream").And.Contain("16ce101db85d").And.Contain("mutant-")
            .And.Contain("(on fix-migration-wait) [16ce101db85d]").And.Contain("fix-collect-flush                    (on seed)");
    }

    [Fact]
    public void Unknown_strategy_is_bad_input() =>
        CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--strategy", "bogus").ShouldBeBadInput("--strategy", "bogus", "pct");

    [Fact]
    public void Unknown_variant_is_bad_input() =>
        CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--variant", "v9").ShouldBeBadInput("unknown variant \"v9\"");

    [Fact]
    public void Unknown_scenario_name_is_bad_input() =>
        CliRunner.Run("explore", "--scenario", "no-such-thing").ShouldBeBadInput("no-such-thing");

    [Fact]
    public void Non_numeric_iterations_is_bad_input() =>
        CliRunner.Run("explore", "--iterations", "many").ShouldBeBadInput("many");

    [Fact]
    public void Zero_iterations_is_bad_input() =>
        CliRunner.Run("explore", "--scenario", "fault-vs-fault", "--iterations", "0").ShouldBeBadInput("--iterations");

    [Fact]
    public void Unknown_verb_is_bad_input() =>
        CliRunner.Run("explode").ShouldBeBadInput();

    [Fact]
    public void Malformed_scenario_file_is_bad_input()
    {
        var path = WriteFile("bad.json", "{ \"format\": \"hmm-scenario\", \"version\": 1,");
        CliRunner.Run("explore", "--scenario", path).ShouldBeBadInput(path, "malformed JSON");
    }

    [Fact]
    public void Schema_violating_scenario_file_is_bad_input()
    {
        var path = WriteFile("op.json", """
            {"format":"hmm-scenario","version":1,"name":"x","machine":{"ram_pages":1},
             "actors":[{"name":"a","ops":[{"op":"read","mm":"A","page":"zero"}]}]}
            """);
        CliRunner.Run("explore", "--scenario", path).ShouldBeBadInput(path, "actors[0].ops[0].page", "expected an integer");
    }

    [Fact]
    public void Unknown_op_in_scenario_file_is_bad_input()
    {
        var path = WriteFile("op.json", """
            {"format":"hmm-scenario","version":1,"name":"x","machine":{"ram_pages":1},
             "actors":[{"name":"a","ops":[{"op":"teleport","mm":"A"}]}]}
            """);
        CliRunner.Run("explore", "--scenario", path).ShouldBeBadInput(path, "unknown op \"teleport\"");
    }

    [Fact]
    public void Missing_bundle_is_bad_input() =>
        CliRunner.Run("replay", Path.Combine(dir, "none.hmmtrace.json")).ShouldBeBadInput("none.hmmtrace.json");

    [Fact]
    public void Corrupt_bundle_is_bad_input()
    {
        var path = WriteFile("corrupt.hmmtrace.json", "\u0001\u0002 not json");
        CliRunner.Run("replay", path).ShouldBeBadInput(path, "corrupt or truncated");
    }

    [Fact]
    public void Bundle_that_is_not_a_bundle_is_bad_input()
    {
        var path = WriteFile("other.json", """{"format":"hmm-history","version":1}""");
        CliRunner.Run("replay", path).ShouldBeBadInput(path, "not a trace bundle");
    }

    [Fact]
    public void Bundle_from_another_model_version_is_refused()
    {
        var path = WriteFile("old.hmmtrace.json", """{"format":"hmm-trace-bundle","version":1,"model_version":999}""");
        CliRunner.Run("replay", path).ShouldBeBadInput(path, "model version 999", "incompatible");
    }

    [Fact]
    public void Help_is_not_an_error()
    {
        var r = CliRunner.Run("explore", "--help");
        r.ExitCode.Should().Be(0);
        r.Out.Should().Contain("--strategy").And.Contain("--max-steps");
    }

    [Fact]
    public void Json_flag_output_is_json_only()
    {
        // A scenario of plain RAM ops has nothing to race on; what matters here is the output shape.
        var path = WriteFile("ram.json", """
            {"format":"hmm-scenario","version":1,"name":"ram","variant":"upstream","machine":{"ram_pages":4},
             "setup":[{"op":"mmap","mm":"A","page":0,"pages":2}],
             "actors":[{"name":"a","ops":[{"op":"write","mm":"A","page":0,"value":1,"expect":{"ok":true}}]},
                       {"name":"b","ops":[{"op":"write","mm":"A","page":1,"value":2,"expect":{"ok":true}}]}],
             "final":[{"op":"read","mm":"A","page":0,"expect":{"value":1}},{"op":"read","mm":"A","page":1,"expect":{"value":2}}]}
            """);
        var r = CliRunner.Run("explore", "--scenario", path, "--iterations", "20", "--seed", "3", "--json", "--out", dir);
        r.ExitCode.Should().Be(0, r.Out + r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var item = doc.RootElement.EnumerateArray().Single();
        item.GetProperty("scenario").GetString().Should().Be("ram");
        item.GetProperty("bugFound").GetBoolean().Should().BeFalse();
        item.GetProperty("iterations").GetInt32().Should().Be(20);
        item.GetProperty("elapsedMs").GetInt64().Should().BeGreaterThanOrEqualTo(0);
        item.GetProperty("bundle").ValueKind.Should().Be(JsonValueKind.Null);
    }
}
