using System.Runtime.CompilerServices;

namespace Hmm.Spec.Actors.Tests.Support;

/// <summary>
/// What some tests need beyond the clone: the seed patch (not part of the repository) and headless Chromium.
/// A test that needs one is skipped, with the reason and how to get it, when it is absent, so `git clone` +
/// `dotnet test` passes on a bare machine and the runner lists what did not run (.ci/run prints the names).
/// </summary>
internal static class Requirements
{
    /// <summary>The environment variable naming the seed patch file when it is not at ../shared/seed beside the clone.</summary>
    public const string SeedVariable = "HMM_SPEC_SEED";
    public const string SeedFile = "000_f0445c4590ad8e61.txt";

    /// <summary>
    /// The seed patch: the file <c>$HMM_SPEC_SEED</c> names, else <c>../shared/seed/</c> beside the repository (as in
    /// CI), looked for above the test binaries and above this source file; null when neither exists.
    /// </summary>
    public static string? SeedPatch => FindSeed();

    public static string SeedSkipReason =>
        $"the seed patch is not here: put the shared folder beside the repository (../shared/seed/{SeedFile}) " +
        $"or set {SeedVariable} to the patch file";

    private static string? FindSeed([CallerFilePath] string here = "")
    {
        if (Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } named)
            return File.Exists(named) ? Path.GetFullPath(named) : null;
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(here) })
        {
            for (var dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (!File.Exists(Path.Combine(dir, "Hmm.Spec.sln")))
                    continue;
                var candidate = Path.GetFullPath(Path.Combine(dir, "..", "shared", "seed", SeedFile));
                if (File.Exists(candidate))
                    return candidate;
                break;
            }
        }
        return null;
    }

    /// <summary>The Chromium executable (Debian package <c>chromium</c>), or null when it is not installed.</summary>
    public static string? Chromium
    {
        get
        {
            var dirs = new[] { "/usr/bin" }.Concat((Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
            foreach (var dir in dirs)
            {
                foreach (var name in new[] { "chromium", "chromium-browser" })
                {
                    var candidate = Path.Combine(dir, name);
                    if (File.Exists(candidate))
                        return candidate;
                }
            }
            return null;
        }
    }

    public const string ChromiumSkipReason =
        "headless Chromium is not installed (Debian/Ubuntu: apt-get install -y chromium; .ci/run installs it when it runs as root)";
}

/// <summary>
/// A fact that needs the seed patch: skipped, saying how to provide it, when it is absent. The reason is also put
/// in the skipped test's name, because <c>dotnet test</c> at its default verbosity prints only the name.
/// </summary>
public sealed class SeedFactAttribute : FactAttribute
{
    public SeedFactAttribute([CallerMemberName] string test = "")
    {
        if (Requirements.SeedPatch is null)
        {
            Skip = Requirements.SeedSkipReason;
            DisplayName = $"{test} (skipped: {Skip})";
        }
    }
}

/// <summary>A fact that needs headless Chromium: skipped, saying how to install it, when it is absent (as above).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute([CallerMemberName] string test = "")
    {
        if (Requirements.Chromium is null)
        {
            Skip = Requirements.ChromiumSkipReason;
            DisplayName = $"{test} (skipped: {Skip})";
        }
    }
}
