using System.Text.RegularExpressions;

namespace Hmm.Spec.Actors.Exploration;

/// <summary>
/// The stable category of a Coyote bug report: our assertions start with <c>[category]</c>; Coyote's own
/// findings (deadlock, liveness) and unhandled exceptions are mapped to categories here.
/// </summary>
public static partial class BugCategory
{
    /// <summary>An exception the model did not turn into a violation: a defect of the model or harness.</summary>
    public const string Exception = "exception";
    public const string Deadlock = "deadlock", Livelock = "livelock";

    [GeneratedRegex(@"^\[([a-z0-9-]+)\]")]
    private static partial Regex TagPattern();

    /// <summary>The message with its category tag in front (Coyote's own reports carry none).</summary>
    public static string Tagged(string message) =>
        TagPattern().IsMatch(message) ? message : $"[{Of(message)}] {message}";

    public static string Of(string message)
    {
        var m = TagPattern().Match(message);
        if (m.Success)
            return m.Groups[1].Value;
        if (message.Contains("Deadlock", StringComparison.OrdinalIgnoreCase))
            return Deadlock;
        if (message.Contains("liveness", StringComparison.OrdinalIgnoreCase) || message.Contains("hot state", StringComparison.OrdinalIgnoreCase))
            return Livelock;
        return Exception;
    }
}
