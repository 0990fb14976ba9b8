using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Tests.Cli;

namespace Hmm.Spec.Actors.Tests.Bundles;

/// <summary>
/// Output is whole or absent and never replaces what it must not (issue 11, items 7-9): an abandoned or failed
/// write leaves the old file, bundles never overwrite a different bundle, and user-named outputs refuse symlinks
/// and devices.
/// </summary>
public sealed class AtomicOutputTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-output-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Hmm.Spec.sln")))
                return d.FullName;
        }
        throw new InvalidOperationException($"no Hmm.Spec.sln above {AppContext.BaseDirectory}");
    }

    private static TraceBundle SampleBundle() =>
        TraceBundle.Read(Path.Combine(RepoRoot(), "traces", "catalog-hotplug-overlap.mutant-register-memory-ignores-conflict.random.s1.hmmtrace.json"));

    [Fact]
    public void A_write_that_fails_half_way_leaves_the_old_file_and_no_temporary_file()
    {
        var path = Path.Combine(dir, "out.jsonl");
        AtomicFile.WriteAllText(path, "old\n");
        var act = () => AtomicFile.Write(path, w =>
        {
            w.Write(new string('x', 100_000)); // past the writer's buffer: part of it is on disk when the failure comes
            throw new IOException("No space left on device");
        });
        act.Should().Throw<IOException>();
        File.ReadAllText(path).Should().Be("old\n");
        Directory.GetFiles(dir).Should().Equal(path);
    }

    [Fact]
    public void An_abandoned_write_replaces_nothing()
    {
        var path = Path.Combine(dir, "out.md");
        AtomicFile.WriteAllText(path, "old");
        AtomicFile.Write(path, w =>
        {
            w.Write("partial");
            return false;
        }).Should().BeFalse();
        File.ReadAllText(path).Should().Be("old");
        Directory.GetFiles(dir).Should().Equal(path);
    }

    [Fact]
    public void A_bundle_written_again_keeps_its_name_and_a_different_one_gets_the_next_free_name()
    {
        var bundle = SampleBundle();
        var first = bundle.WriteTo(dir);
        bundle.WriteTo(dir).Should().Be(first, "the same bundle again is the same file, not a copy");
        var other = bundle with { Message = bundle.Message + " (another scenario file with the same name)" };
        var second = other.WriteTo(dir);
        var third = (bundle with { Message = "a third" }).WriteTo(dir);
        second.Should().EndWith(".s1.2" + TraceBundle.FileSuffix);
        third.Should().EndWith(".s1.3" + TraceBundle.FileSuffix);
        TraceBundle.Read(first).Message.Should().Be(bundle.Message);
        TraceBundle.Read(second).Message.Should().Be(other.Message);
        Directory.GetFiles(dir).Should().HaveCount(3);
    }

    [Fact]
    public void Writers_racing_for_one_bundle_name_each_keep_their_own_file()
    {
        // Different contents, so no two may end at one path (the same bytes may: a re-run finds its own file).
        // A check-then-rename publication lets two writers both see the name free and the second replace the
        // first; the window is small, so the race runs in several rounds, each in a fresh directory.
        var bundle = SampleBundle();
        const int writers = 8, rounds = 8;
        for (var round = 0; round < rounds; round++)
        {
            var roundDir = Directory.CreateDirectory(Path.Combine(dir, $"round{round}")).FullName;
            var paths = new string[writers];
            // One dedicated thread per writer: a barrier over Parallel.For iterations waits for ever when the pool
            // runs fewer iterations at once than the barrier's count (2 cores).
            using var start = new Barrier(writers);
            var threads = Enumerable.Range(0, writers).Select(i => new Thread(() =>
            {
                var mine = bundle with { Message = $"process {i}" };
                start.SignalAndWait();
                paths[i] = mine.WriteTo(roundDir);
            })).ToArray();
            foreach (var t in threads)
                t.Start();
            foreach (var t in threads)
                t.Join();
            paths.Should().OnlyHaveUniqueItems($"round {round}");
            for (var i = 0; i < writers; i++)
                TraceBundle.Read(paths[i]).Message.Should().Be($"process {i}", $"round {round}");
            Directory.GetFiles(roundDir).Should().HaveCount(writers, "no temporary file is left");
        }
    }

    [Fact]
    public void Two_scenario_files_with_the_same_name_give_two_bundles_and_print_two_paths()
    {
        var source = File.ReadAllText(Path.Combine(RepoRoot(), "scenarios", "catalog-hotplug-overlap.json"));
        var a = Path.Combine(dir, "a.json");
        var b = Path.Combine(dir, "b.json");
        File.WriteAllText(a, source);
        File.WriteAllText(b, source.Replace("both must fail", "both must still fail", StringComparison.Ordinal));
        var outDir = Path.Combine(dir, "out");
        string Run(string file)
        {
            var r = CliRunner.Run("explore", "--scenario", file, "--variant", "mutant-register-memory-ignores-conflict",
                "--strategy", "random", "--seed", "1", "--iterations", "5", "--out", outDir);
            r.ExitCode.Should().Be(1, r.Err);
            return r.Out.Split('\n').Single(l => l.TrimStart().StartsWith("bundle:", StringComparison.Ordinal));
        }
        var first = Run(a);
        var second = Run(b);
        second.Should().NotBe(first);
        Directory.GetFiles(outDir).Should().HaveCount(2);
        Run(a).Should().Be(first, "re-running the first file finds its own bundle");
        Directory.GetFiles(outDir).Should().HaveCount(2);
    }

    [Fact]
    public void Replay_html_refuses_a_symlink_and_leaves_it_and_its_target_alone()
    {
        var bundle = SampleBundle().WriteTo(dir);
        var target = Path.Combine(dir, "target.html");
        File.WriteAllText(target, "kept");
        var link = Path.Combine(dir, "report.html");
        File.CreateSymbolicLink(link, target);
        CliRunner.Run("replay", bundle, "--html", link).ShouldBeBadInput("--html", "symbolic link");
        new FileInfo(link).LinkTarget.Should().Be(target);
        File.ReadAllText(target).Should().Be("kept");
    }

    [Fact]
    public void Replay_html_refuses_a_device_node_and_writes_a_regular_file_whole()
    {
        var bundle = SampleBundle().WriteTo(dir);
        if (OperatingSystem.IsLinux())
            CliRunner.Run("replay", bundle, "--html", "/dev/null").ShouldBeBadInput("--html", "not a regular file");
        var page = Path.Combine(dir, "report.html");
        CliRunner.Run("replay", bundle, "--html", page).ExitCode.Should().Be(1);
        File.ReadAllText(page).TrimEnd().Should().EndWith("</html>");
    }

    [Fact]
    public void History_generate_writes_its_file_whole_and_a_failed_run_keeps_the_old_one()
    {
        var path = Path.Combine(dir, "h.jsonl");
        CliRunner.Run("history", "generate", "--ops", "200", "-o", path).ExitCode.Should().Be(0);
        var text = File.ReadAllText(path);
        text.Should().EndWith("\n");
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(1 + 2 * 200, "a header, then each op's invocation and completion");
        CliRunner.Run("history", "generate", "--kind", "nonsense", "-o", path).ExitCode.Should().Be(2);
        File.ReadAllText(path).Should().Be(text);
        Directory.GetFiles(dir).Should().Equal(path);
    }

    [Fact]
    public void Catalog_out_that_cannot_be_written_fails_before_measuring()
    {
        var sub = Directory.CreateDirectory(Path.Combine(dir, "a-directory")).FullName;
        CliRunner.Run("catalog", "--entry", "mutant-max-swapfiles-not-reduced", "--out", sub).ShouldBeBadInput("--out", "directory");
        CliRunner.Run("bench", "--scenario", "fault-vs-fault", "--write", Path.Combine(dir, "missing", "perf.md"))
            .ShouldBeBadInput("--write");
        Directory.GetFileSystemEntries(dir).Should().Equal(sub);
    }
}
