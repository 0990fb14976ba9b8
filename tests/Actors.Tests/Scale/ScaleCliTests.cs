using System.Text.Json.Nodes;
using System.Xml.Linq;
using Hmm.Spec.Cli.Scale;

namespace Hmm.Spec.Actors.Tests.Scale;

/// <summary>
/// --jobs, --shard/--results and merge on small runs: any number of jobs, and the merge of any set of shards, give
/// what one process gives (output, bundles byte for byte, exit code); merge refuses what it cannot trust.
/// </summary>
public sealed class ScaleCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-scale-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string P(string name) => Path.Combine(dir, name);

    /// <summary>Two scenarios with a seed bug, two without (on upstream the first two would be clean too).</summary>
    private static readonly string[] Explore =
    [
        "explore", "--scenario", "fault-vs-fault", "--scenario", "fault-vs-munmap", "--scenario", "device-release-vs-fault",
        "--scenario", "anon-teardown", "--iterations", "40",
    ];

    private static readonly string[] Verify =
    [
        "verify", "--scenario", "fault-vs-fault", "--scenario", "fault-vs-munmap", "--variant", "seed", "--variant", "upstream", "--preemptions", "1",
    ];

    private static string[] With(string[] args, params string[] more) => [.. args, .. more];

    [Fact]
    public void Explore_with_two_jobs_equals_one_job()
    {
        var one = ScaleSupport.Run(With(Explore, "--jobs", "1", "--out", P("one")));
        var two = ScaleSupport.Run(With(Explore, "--jobs", "2", "--out", P("two")));
        one.ExitCode.Should().Be(1, one.Err);
        two.ExitCode.Should().Be(one.ExitCode, two.Err);
        two.Err.Should().NotContain("cannot start worker", "the units ran in worker processes");
        ScaleSupport.Normalized(two.Out, P("two")).Should().Be(ScaleSupport.Normalized(one.Out, P("one")));
        P("two").ShouldHoldTheSameFiles(P("one"));
        ScaleSupport.Files(P("one")).Should().HaveCount(2, "fault-vs-fault's use-after-free and device-release-vs-fault's no-struct-page");

        var oneJson = ScaleSupport.Run(With(Explore, "--jobs", "1", "--out", P("one"), "--json"));
        var twoJson = ScaleSupport.Run(With(Explore, "--jobs", "3", "--out", P("two"), "--json"));
        ScaleSupport.NormalizedJson(twoJson.Out, P("two")).Should().Be(ScaleSupport.NormalizedJson(oneJson.Out, P("one")));
    }

    [Fact]
    public void Verify_with_three_jobs_equals_one_job()
    {
        var one = ScaleSupport.Run(With(Verify, "--jobs", "1", "--out", P("one")));
        var three = ScaleSupport.Run(With(Verify, "--jobs", "3", "--out", P("three")));
        one.ExitCode.Should().Be(1, one.Err);
        three.ExitCode.Should().Be(one.ExitCode, three.Err);
        three.Err.Should().NotContain("cannot start worker", "the units ran in worker processes");
        ScaleSupport.Normalized(three.Out, P("three")).Should().Be(ScaleSupport.Normalized(one.Out, P("one")));
        P("three").ShouldHoldTheSameFiles(P("one"));
        one.Out.Should().Contain("BUG: fault-vs-fault on seed: use-after-free with 1 preemption(s)")
            .And.Contain("verified: fault-vs-fault on upstream");
    }

    [Fact]
    public void Explore_shards_merged_equal_one_run()
    {
        var single = ScaleSupport.Run(With(Explore, "--jobs", "1", "--out", P("single")));
        var shards = Enumerable.Range(0, 3).Select(i => ScaleSupport.Run(With(Explore, "--shard", $"{i}/3", "--results", P($"r{i}.json"), "--jobs", "1"))).ToArray();
        shards.Select(s => s.ExitCode).Should().OnlyContain(c => c == 0 || c == 1);
        Directory.Exists(P("hmm-out")).Should().BeFalse("a shard writes no bundle; merge does");
        var merged = ScaleSupport.Run("merge", "--out", P("merged"), "--junit", P("junit.xml"), P("r2.json"), P("r0.json"), P("r1.json"));
        merged.ExitCode.Should().Be(single.ExitCode, merged.Err);
        ScaleSupport.Normalized(merged.Out, P("merged")).Should().Be(ScaleSupport.Normalized(single.Out, P("single")));
        P("merged").ShouldHoldTheSameFiles(P("single"));

        var json = ScaleSupport.Run("merge", "--json", "--out", P("merged"), P("r0.json"), P("r1.json"), P("r2.json"));
        var singleJson = ScaleSupport.Run(With(Explore, "--jobs", "1", "--out", P("single"), "--json"));
        ScaleSupport.NormalizedJson(json.Out, P("merged")).Should().Be(ScaleSupport.NormalizedJson(singleJson.Out, P("single")));

        // The JUnit report: one test case per unit, the bugs failed with their category and bundle.
        var doc = XDocument.Parse(File.ReadAllText(P("junit.xml")));
        var suites = doc.Root!;
        suites.Name.LocalName.Should().Be("testsuites");
        var cases = suites.Elements("testsuite").Single().Elements("testcase").ToArray();
        cases.Should().HaveCount(4);
        ((int)suites.Attribute("tests")!).Should().Be(4);
        ((int)suites.Attribute("failures")!).Should().Be(2);
        cases.Select(c => (string)c.Attribute("classname")!).Should().Equal(
            "explore/fault-vs-fault", "explore/fault-vs-munmap", "explore/device-release-vs-fault", "explore/anon-teardown");
        cases.Should().OnlyContain(c => ((string)c.Attribute("name")!).EndsWith("/portfolio/seed 0, 40 iterations", StringComparison.Ordinal) && c.Attribute("time") != null);
        var failure = cases[0].Element("failure")!;
        ((string)failure.Attribute("type")!).Should().Be("use-after-free");
        ((string)failure.Attribute("message")!).Should().Contain("[use-after-free]");
        failure.Value.Should().Contain("bundle: " + Path.Combine(P("merged"), "fault-vs-fault.seed.portfolio.s0.hmmtrace.json"));
        cases[1].Elements().Should().BeEmpty("a unit without a bug passes");
    }

    [Fact]
    public void Verify_shards_merged_equal_one_run_and_a_whole_run_can_be_merged_alone()
    {
        var single = ScaleSupport.Run(With(Verify, "--jobs", "1", "--out", P("single"), "--results", P("all.json")));
        var shards = Enumerable.Range(0, 5).Select(i => ScaleSupport.Run(With(Verify, "--shard", $"{i}/5", "--results", P($"r{i}.json"), "--jobs", "2"))).ToArray();
        shards.Should().Contain(s => s.ExitCode == 1, "some shard holds the seed's bug");
        var merged = ScaleSupport.Run(With(["merge", "--out", P("merged")], Enumerable.Range(0, 5).Select(i => P($"r{i}.json")).ToArray()));
        merged.ExitCode.Should().Be(single.ExitCode, merged.Err);
        ScaleSupport.Normalized(merged.Out, P("merged")).Should().Be(ScaleSupport.Normalized(single.Out, P("single")));
        P("merged").ShouldHoldTheSameFiles(P("single"));

        var alone = ScaleSupport.Run("merge", "--out", P("alone"), P("all.json"));
        alone.ExitCode.Should().Be(single.ExitCode, alone.Err);
        ScaleSupport.Normalized(alone.Out, P("alone")).Should().Be(ScaleSupport.Normalized(single.Out, P("single")));
        var results = JsonNode.Parse(File.ReadAllText(P("all.json")))!;
        results["shard"]!["count"]!.GetValue<int>().Should().Be(1);
        var written = results["units"]!.AsArray().SelectMany(u => u!["bugs"]!.AsArray()).Select(b => b!["bundle"]?["path"]?.GetValue<string>()).OfType<string>().ToArray();
        written.Should().ContainSingle("one bundle per scenario with a bug, recorded where it was written")
            .Which.Should().Be(Path.Combine(P("single"), "fault-vs-fault.seed.verify.k1.hmmtrace.json"));
    }

    private void ThreeExploreShards()
    {
        foreach (var i in new[] { 0, 1, 2 })
            ScaleSupport.Run(With(Explore, "--shard", $"{i}/3", "--results", P($"r{i}.json"), "--jobs", "1")).ExitCode.Should().BeOneOf(0, 1);
    }

    [Fact]
    public void Merge_names_missing_shards_and_takes_a_repeated_shard_once()
    {
        ThreeExploreShards();
        var missing = ScaleSupport.Run("merge", "--out", P("m"), P("r0.json"), P("r2.json"));
        missing.ExitCode.Should().Be(3);
        missing.ErrLines.Should().ContainSingle().Which.Should().Contain("missing").And.Contain("1/3");
        missing.Out.Should().BeEmpty();

        File.Copy(P("r1.json"), P("again.json"));
        var twice = ScaleSupport.Run("merge", "--out", P("m"), P("r0.json"), P("r1.json"), P("r2.json"), P("again.json"));
        var once = ScaleSupport.Run("merge", "--out", P("m"), P("r0.json"), P("r1.json"), P("r2.json"));
        twice.ExitCode.Should().Be(once.ExitCode, twice.Err);
        twice.Out.Should().Be(once.Out);
        twice.Err.Should().Contain("shard 1/3").And.Contain("taken once");
    }

    [Fact]
    public void Merge_reports_a_conflict_between_two_copies_of_a_shard()
    {
        ThreeExploreShards();
        var node = JsonNode.Parse(File.ReadAllText(P("r0.json")))!;
        var unit = node["units"]!.AsArray().First(u => u!["status"]!.GetValue<string>() == "pass")!;
        unit["result"]!["iterations"] = 39;
        File.WriteAllText(P("edited.json"), node.ToJsonString());
        var r = ScaleSupport.Run("merge", "--out", P("m"), P("r0.json"), P("r1.json"), P("r2.json"), P("edited.json"));
        r.ShouldBeBadInputLine("conflict", "shard 0/3", "edited.json");
    }

    [Fact]
    public void Merge_rejects_truncated_foreign_and_mismatched_files_with_one_line()
    {
        ThreeExploreShards();
        var text = File.ReadAllText(P("r1.json"));
        File.WriteAllText(P("truncated.json"), text[..(text.Length / 2)]);
        ScaleSupport.Run("merge", P("r0.json"), P("truncated.json"), P("r2.json")).ShouldBeBadInputLine("truncated.json", "truncated");

        File.WriteAllText(P("foreign.json"), "{\"format\": \"hmm-scenario\", \"name\": \"x\"}");
        ScaleSupport.Run("merge", P("foreign.json")).ShouldBeBadInputLine("foreign.json", "not a hmm-spec results file");
        File.WriteAllText(P("array.json"), "[1, 2]");
        ScaleSupport.Run("merge", P("array.json")).ShouldBeBadInputLine("array.json", "not a hmm-spec results file");
        ScaleSupport.Run("merge", P("nonexistent.json")).ShouldBeBadInputLine("nonexistent.json");

        void Edited(string name, Action<JsonNode> edit)
        {
            var node = JsonNode.Parse(text)!;
            edit(node);
            File.WriteAllText(P(name), node.ToJsonString());
        }
        Edited("tool.json", n => n["tool_version"] = "9.9.9");
        ScaleSupport.Run("merge", P("r0.json"), P("tool.json"), P("r2.json")).ShouldBeBadInputLine("tool.json", "9.9.9", "one build");
        Edited("model.json", n => n["model_version"] = 999);
        ScaleSupport.Run("merge", P("r0.json"), P("model.json"), P("r2.json")).ShouldBeBadInputLine("model.json", "model version 999");
        Edited("format.json", n => n["version"] = 1);
        ScaleSupport.Run("merge", P("r0.json"), P("format.json"), P("r2.json")).ShouldBeBadInputLine("format.json", "version 1", "reads version 2");
        var withBug = JsonNode.Parse(File.ReadAllText(P("r0.json")))!;
        withBug["units"]!.AsArray().SelectMany(u => u!["bugs"]!.AsArray()).First()!["bundle"]!["text"] = "{}";
        File.WriteAllText(P("bundle.json"), withBug.ToJsonString());
        ScaleSupport.Run("merge", P("bundle.json"), P("r1.json"), P("r2.json")).ShouldBeBadInputLine("bundle.json", "sha256");

        // Another work definition: the same scenarios with another budget.
        ScaleSupport.Run(With(Explore[..^2], "--iterations", "41", "--shard", "1/3", "--results", P("other.json"), "--jobs", "1"));
        ScaleSupport.Run("merge", P("r0.json"), P("other.json"), P("r2.json")).ShouldBeBadInputLine("other.json", "other work");
    }

    [Fact]
    public void A_worker_killed_once_is_reported_and_its_unit_runs_again()
    {
        var args = With(Explore[..^2], "--iterations", "15", "--variant", "upstream", "--jobs", "2");
        var clean = ScaleSupport.Run(With(args, "--out", P("clean")));
        clean.ExitCode.Should().Be(0, clean.Err);
        var r = ScaleSupport.Run(new Dictionary<string, string> { [Worker.CrashHook] = "1@1" }, With(args, "--out", P("crash"), "--results", P("crash.json")));
        r.ExitCode.Should().Be(0, r.Err);
        r.Err.Should().Contain("explore/fault-vs-munmap").And.Contain("killed by signal").And.Contain("running the unit again");
        ScaleSupport.Normalized(r.Out).Should().Be(ScaleSupport.Normalized(clean.Out));
        JsonNode.Parse(File.ReadAllText(P("crash.json")))!["units"]![1]!["attempts"]!.GetValue<int>().Should().Be(2);
    }

    [Fact]
    public void A_unit_whose_worker_fails_twice_is_an_error_and_the_run_exits_3()
    {
        var args = With(Explore[..^2], "--iterations", "15", "--variant", "upstream", "--jobs", "2", "--out", P("o"), "--junit", P("junit.xml"));
        var r = ScaleSupport.Run(new Dictionary<string, string> { [Worker.CrashHook] = "2" }, args);
        r.ExitCode.Should().Be(3, r.Err);
        r.Out.Should().Contain("device-release-vs-fault [upstream]: ERROR its worker failed twice");
        r.Out.Should().Contain("fault-vs-fault [upstream]: no bug in 15 iteration(s)", "the other units ran");
        var junit = XDocument.Parse(File.ReadAllText(P("junit.xml")));
        ((int)junit.Root!.Attribute("errors")!).Should().Be(1);
        junit.Descendants("testcase").Single(c => c.Element("error") is not null).Attribute("classname")!.Value.Should().Be("explore/device-release-vs-fault");
    }
}

internal static class BadInputLine
{
    /// <summary>Exit 2 and one line on standard error (after any notes), naming what is wrong.</summary>
    public static void ShouldBeBadInputLine(this Hmm.Spec.Actors.Tests.Cli.CliRunner.Outcome r, params string[] fragments)
    {
        r.ExitCode.Should().Be(2, $"bad input exits 2 (stderr: {r.Err})");
        r.ErrLines.Where(l => l.StartsWith("hmm-spec: ", StringComparison.Ordinal) && !l.Contains("taken once", StringComparison.Ordinal))
            .Should().ContainSingle($"one line, got: {r.Err}");
        r.Err.Should().NotContain("   at ", "no stack trace");
        foreach (var f in fragments)
            r.Err.Should().Contain(f);
    }
}
