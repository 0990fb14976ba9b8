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
    /// <summary>No task took a scheduling step for a whole hang bound (Coyote's periodic monitor, not a lock cycle).</summary>
    public const string Hang = "hang";

    /// <summary>How Coyote's periodic monitor starts its report; its advice names flags hmm-spec does not have.</summary>
    private const string CoyoteHangReport = "Potential deadlock or hang detected. The periodic deadlock detection monitor";

    /// <summary>Our words for a hang report, naming the option that exists (<c>explore --hang-timeout</c>).</summary>
    public static readonly string HangMessage = "[hang] no task took a scheduling step for a whole hang bound: a task " +
        "waits on something Coyote does not control, or one step ran longer than the bound (explore --hang-timeout " +
        $"SECONDS, default {ExploreOptions.DefaultHangTimeoutSeconds}; a replay uses the bound recorded in its bundle)";

    [GeneratedRegex(@"^\[([a-z0-9-]+)\]")]
    private static partial Regex TagPattern();

    /// <summary>The message with its category tag in front (Coyote's own reports carry none).</summary>
    public static string Tagged(string message) =>
        message.StartsWith(CoyoteHangReport, StringComparison.Ordinal) ? HangMessage
        : TagPattern().IsMatch(message) ? message
        : $"[{Of(message)}] {message}";

    public static string Of(string message)
    {
        var m = TagPattern().Match(message);
        if (m.Success)
            return m.Groups[1].Value;
        if (message.StartsWith(CoyoteHangReport, StringComparison.Ordinal))
            return Hang;
        if (message.Contains("Deadlock", StringComparison.OrdinalIgnoreCase))
            return Deadlock;
        if (message.Contains("liveness", StringComparison.OrdinalIgnoreCase) || message.Contains("hot state", StringComparison.OrdinalIgnoreCase))
            return Livelock;
        return Exception;
    }
}
