using System.Text;
using CsCheck;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Tests.Bundles;
using Hmm.Spec.Actors.Tests.Cli;

namespace Hmm.Spec.Actors.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of the command line (issue 11, "Done when"): corrupted scenarios and bundles and bad
/// argument vectors, each of which must end with exit code 2 and exactly one line on standard error — no stack
/// trace, no exception, no raw NUL, no echo longer than an excerpt. The seeds are fixed (CsCheck seed strings made
/// from a stream and a counter), so every run tries the same cases; a failure names its seed and its case.
/// </summary>
public sealed class InputFuzzTests : IDisposable
{
    private const int Cases = 150;
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-fuzz-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Runs <paramref name="property"/> on the case of each fixed seed; CsCheck reports the seed of a failure.</summary>
    private static void ForFixedSeeds<T>(Gen<T> gen, uint stream, Action<T> property)
    {
        for (var i = 0; i < Cases; i++)
        {
            var seed = new PCG(stream, (ulong)i).ToString();
            gen.Sample(property, seed: seed, iter: 1, threads: 1);
        }
    }

    private static void AssertBadInput(CliRunner.Outcome r, object input)
    {
        var why = $"case {input}: exit {r.ExitCode}, stderr: {Excerpt(r.Err)}";
        r.ExitCode.Should().Be(2, why);
        r.ErrLines.Should().ContainSingle(why);
        r.Err.Should().NotContain("   at ", why).And.NotContain("Exception", why).And.NotContain("\0", why);
        r.Err.Length.Should().BeLessThan(1200, why);
    }

    private static string Excerpt(string s) => s.Length <= 400 ? s : s[..400] + "…";

    private static byte[] Valid(string text) => Encoding.UTF8.GetBytes(text.Trim());

    [Fact]
    public void Corrupted_scenarios_are_refused_with_one_line()
    {
        byte[][] bases =
        [
            Valid(File.ReadAllText(Path.Combine(SampleTrace.RepoRoot(), "scenarios", "fault-vs-fault.json"))),
            Valid(File.ReadAllText(Path.Combine(SampleTrace.RepoRoot(), "scenarios", "hotplug-vs-device-release.json"))),
            Valid(Input.ScenarioInputTests.WithOp("""{"op":"mmap_pfn","mm":"B","page":2,"pages":1,"pfn":4000,"shared":false,"expect":{"ok":true}}""")),
        ];
        var path = Path.Combine(dir, "s.json");
        var gen = Gen.Select(Gen.Int[0, bases.Length - 1], Corruption.Gen, (b, c) => (Base: b, Corruption: c));
        ForFixedSeeds(gen, 1, t =>
        {
            File.WriteAllBytes(path, t.Corruption.Apply(bases[t.Base]));
            AssertBadInput(CliRunner.Run("explore", "--scenario", path, "--iterations", "1", "--out", dir), t);
        });
    }

    [Fact]
    public void Corrupted_bundles_are_refused_with_one_line()
    {
        // A bundle written by this build, so it carries its trace checksum; and one built around the sample trace.
        var real = TraceBundle.Read(SampleTrace.RealBundlePath()).WriteTo(Path.Combine(dir, "real"));
        byte[][] bases = [Valid(File.ReadAllText(real))];
        var path = Path.Combine(dir, "b.hmmtrace.json");
        var gen = Gen.Select(Gen.Int[0, bases.Length - 1], Corruption.Gen, (b, c) => (Base: b, Corruption: c));
        ForFixedSeeds(gen, 2, t =>
        {
            File.WriteAllBytes(path, t.Corruption.Apply(bases[t.Base]));
            AssertBadInput(CliRunner.Run("replay", path), t);
        });
    }

    [Fact]
    public void Bundles_with_edited_traces_are_refused_with_one_line()
    {
        var text = File.ReadAllText(TraceBundle.Read(SampleTrace.RealBundlePath()).WriteTo(Path.Combine(dir, "real")));
        var doc = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        var count = doc["coyote_trace"]!["Steps"]!.AsArray().Count;
        var path = Path.Combine(dir, "e.hmmtrace.json");
        // Drop a run of steps, or replace one by another valid-looking decision.
        var gen = Gen.Select(Gen.Int[0, count - 1], Gen.Int[1, count], Gen.Bool, (at, n, drop) => (At: at, N: n, Drop: drop));
        ForFixedSeeds(gen, 3, e =>
        {
            var copy = System.Text.Json.Nodes.JsonNode.Parse(text)!;
            var steps = copy["coyote_trace"]!["Steps"]!.AsArray();
            if (e.Drop)
            {
                for (var k = 0; k < e.N && e.At < steps.Count; k++)
                    steps.RemoveAt(e.At);
            }
            else
            {
                steps[e.At] = $"op(0:{e.N}),bool(true)";
            }
            File.WriteAllText(path, copy.ToJsonString());
            var r = CliRunner.Run("replay", path);
            AssertBadInput(r, e);
            r.Out.Should().NotContain("NOT REPRODUCED", $"case {e}");
        });
    }

    /// <summary>Arguments that are each wrong on their own, for the verbs that take them.</summary>
    private static readonly (string[] Verb, string[][] Bad)[] BadArguments =
    [
        (["explore", "--scenario", "fault-vs-fault"],
        [
            ["--iterations", "0"], ["--iterations", "-3"], ["--iterations", "many"], ["--iterations", "99999999999"],
            ["--max-steps", "0"], ["--max-steps", "2000000000"], ["--seed", "-1"], ["--seed", "4294967296"],
            ["--strategy", "telepathy"], ["--variant", "v9"], ["--out", ""], ["--ignore", "Not A Category"],
            ["--bogus"], ["--scenario", ""], ["--scenario", "no-such-scenario"], ["--scenario", "/nonexistent/s.json"],
        ]),
        (["replay"], [[""], ["/nonexistent/b.hmmtrace.json"], ["/"], ["/dev/null"]]),
        (["check"], [[""], ["/nonexistent/h.jsonl"], ["--timeout", "x"]]),
        (["history", "generate"], [["-o", ""], ["--ops", "0"], ["--processes", "0"], ["--kind", "nope"], ["--seed", "x"]]),
        (["list"], [["nothing"], ["--bogus"]]),
        ([], [["explode"], ["--no-such-flag"], ["\0"]]),
    ];

    [Fact]
    public void Bad_argument_vectors_are_refused_with_one_line()
    {
        // A verb, one argument that is wrong on its own, optionally a long or NUL-laden junk word after it.
        var gen = Gen.Select(Gen.Int[0, BadArguments.Length - 1], Gen.Int[0, 1000], Gen.Int[0, 3], (v, b, junk) =>
        {
            var (verb, bad) = BadArguments[v];
            string[] tail = junk switch
            {
                1 => [new string('x', 100_000)],
                2 => ["a\0b"],
                _ => [],
            };
            return (string[])[.. verb, .. bad[b % bad.Length], .. tail];
        });
        ForFixedSeeds(gen, 4, args =>
            AssertBadInput(CliRunner.Run(args), string.Join(" ", args.Select(a => a.Length > 40 ? a[..40] + "…" : a))));
    }
}
