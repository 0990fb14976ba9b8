namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// A [Fact] that is reported as skipped, with the reason, when headless Chromium is not installed (Debian:
/// <c>apt-get install -y chromium</c>). Local to the oracle tests; a shared attribute for every project's
/// Chromium tests may replace it.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path is null)
            Skip = "chromium is not installed (Debian: apt-get install -y chromium); the HTML view is not rendered";
    }
}

/// <summary>Where Chromium is: /usr/bin/chromium, /usr/bin/chromium-browser, or `chromium` on the PATH; null if nowhere.</summary>
public static class Chromium
{
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" })
        {
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, "chromium");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
