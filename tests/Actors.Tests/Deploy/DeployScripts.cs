using System.Diagnostics;

namespace Hmm.Spec.Actors.Tests.Deploy;

/// <summary>A [Fact] reported as skipped, with the reason, when <c>bash</c> is not on the PATH (the deploy/ scripts are bash).</summary>
public sealed class BashFactAttribute : FactAttribute
{
    public static string? Bash { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, "bash")).FirstOrDefault(File.Exists);

    public BashFactAttribute()
    {
        if (Bash is null) Skip = "bash is not installed: the deploy/ entry scripts are not run";
    }
}

/// <summary>Runs the scripts under <c>deploy/</c> with exactly the engine variables a test gives.</summary>
internal static class DeployScripts
{
    public sealed record Outcome(int ExitCode, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        /// <summary>The one line a dry run prints: the command it would run.</summary>
        public string Command
        {
            get
            {
                ExitCode.Should().Be(0, $"the dry run succeeds (stderr: {Err})");
                var lines = Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                lines.Should().ContainSingle($"a dry run prints one line, got: {Out}");
                return lines[0];
            }
        }

        /// <summary>The scripts' bad-input contract: exit 2, one line on stderr naming the problem, nothing run.</summary>
        public void ShouldBeRejected(params string[] fragments)
        {
            ExitCode.Should().Be(2, $"bad shard variables exit 2 (stdout: {Out}, stderr: {Err})");
            ErrLines.Should().ContainSingle($"one line, got: {Err}");
            Out.Should().BeEmpty("nothing is run");
            foreach (var f in fragments)
                Err.Should().Contain(f);
        }
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hmm.Spec.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Hmm.Spec.sln above {AppContext.BaseDirectory}");
    }

    public static string DeployPath(params string[] parts) => Path.Combine([RepoRoot(), "deploy", .. parts]);

    /// <summary>Variables that would leak an engine's shard into a test from the environment the tests run in.</summary>
    private static bool EngineVariable(string name) =>
        name.StartsWith("SLURM_", StringComparison.Ordinal) || name.StartsWith("HMM_SPEC", StringComparison.Ordinal)
        || name == "JOB_COMPLETION_INDEX" || name.StartsWith("GITHUB_", StringComparison.Ordinal);

    /// <summary>Runs <paramref name="script"/> (a path, or a bash command line with <paramref name="viaShell"/>) with
    /// the test's environment minus every engine variable, plus <paramref name="env"/>.</summary>
    public static Outcome Run(string script, IReadOnlyDictionary<string, string> env, IEnumerable<string> args,
        string? workingDirectory = null, bool viaShell = false, string? pathPrefix = null)
    {
        var psi = new ProcessStartInfo(BashFactAttribute.Bash!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoRoot(),
        };
        if (viaShell)
        {
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
        }
        else
        {
            psi.ArgumentList.Add(script);
            foreach (var a in args) psi.ArgumentList.Add(a);
        }
        foreach (var name in psi.Environment.Keys.Where(EngineVariable).ToList())
            psi.Environment.Remove(name);
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        if (pathPrefix is not null)
            psi.Environment["PATH"] = pathPrefix + Path.PathSeparator + psi.Environment["PATH"];
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit(TimeSpan.FromSeconds(60)).Should().BeTrue("the script finishes");
        return new Outcome(p.ExitCode, output, err.Result);
    }

    /// <summary>chmod 700 (the scripts only run where bash does; Windows has no mode bits to set).</summary>
    public static void MakeExecutable(string path)
    {
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public static Outcome RunShard(IReadOnlyDictionary<string, string> env, params string[] args) =>
        Run(DeployPath("run-shard.sh"), DryRun(env), args);

    public static Dictionary<string, string> DryRun(IReadOnlyDictionary<string, string> env) =>
        new(env) { ["HMM_SPEC_DRY_RUN"] = "1" };
}
