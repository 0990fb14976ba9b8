using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Tests.Exploration;

/// <summary>Bundles round-trip, and every kind of damage is refused with the file and place named.</summary>
public sealed class TraceBundleTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-bundle-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static TraceBundle Sample()
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load("fault-vs-fault"), "upstream");
        var options = new ExploreOptions { Strategy = ExplorationStrategy.Pct, Seed = 9, Iterations = 50, MaxSteps = 700 };
        return TraceBundle.Create(plan, options, Bundles.SampleTrace.Json, "use-after-free", "[use-after-free] f (cpu0): d", 3);
    }

    [Fact]
    public void A_bundle_round_trips_through_its_file()
    {
        var bundle = Sample();
        var path = bundle.WriteTo(dir);
        Path.GetFileName(path).Should().Be("fault-vs-fault.upstream.pct.s9.hmmtrace.json");
        var read = TraceBundle.Read(path);
        read.ModelVersion.Should().Be(ModelInfo.ModelVersion);
        read.ToolVersion.Should().Be(ModelInfo.ToolVersion);
        read.Variant.Should().Be("upstream");
        read.Options.Strategy.Should().Be("pct");
        read.Options.Seed.Should().Be(9u);
        read.Options.Iterations.Should().Be(50);
        read.Options.MaxSteps.Should().Be(700);
        read.Iteration.Should().Be(3);
        read.Category.Should().Be("use-after-free");
        read.Message.Should().Be("[use-after-free] f (cpu0): d");
        read.Scenario.Name.Should().Be("fault-vs-fault");
        read.Scenario.Source.Should().Be("builtin:fault-vs-fault");
        read.Scenario.Actors.Select(a => a.Name).Should().Equal("cpu0", "cpu1");
        read.Config.Should().ContainKey("CONFIG_SWAP");
        read.CoyoteTrace.Should().Contain("\"Steps\"");
    }

    [Theory]
    [InlineData("\"version\": 1,", "\"version\": 7,", "version", "incompatible bundle format version 7")]
    [InlineData("\"strategy\": \"pct\"", "\"strategy\": \"telepathy\"", "exploration.strategy", "unknown strategy")]
    [InlineData("\"category\": \"use-after-free\",", "", "bug", "missing field \"category\"")]
    [InlineData("\"Strategy\": \"prioritization\"", "\"Strategy\": \"nonsense\"", "coyote_trace.Settings.Strategy", "expected one of random")]
    [InlineData("\"op\": \"read\"", "\"op\": \"peek\"", "embedded scenario: actors[0].ops[0].op", "unknown op \"peek\"")]
    [InlineData("\"format\": \"hmm-trace-bundle\"", "\"format\": \"zip\"", "format", "not a trace bundle")]
    public void A_damaged_bundle_is_refused_with_place_and_problem(string find, string replace, string place, string problem)
    {
        var path = Sample().WriteTo(dir);
        var text = File.ReadAllText(path);
        text.Should().Contain(find);
        File.WriteAllText(path, ReplaceFirst(text, find, replace));
        var act = () => TraceBundle.Read(path);
        var e = act.Should().Throw<InputError>().Which;
        e.Place.Should().Be($"{path}: {place}");
        e.Problem.Should().Contain(problem);
    }

    [Fact]
    public void A_truncated_bundle_is_refused()
    {
        var path = Sample().WriteTo(dir);
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text[..(text.Length / 2)]);
        var act = () => TraceBundle.Read(path);
        act.Should().Throw<InputError>().Which.Problem.Should().Contain("corrupt or truncated");
    }

    private static string ReplaceFirst(string text, string find, string replace)
    {
        var i = text.IndexOf(find, StringComparison.Ordinal);
        return text[..i] + replace + text[(i + find.Length)..];
    }
}
