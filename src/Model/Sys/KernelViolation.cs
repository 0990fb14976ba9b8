namespace Hmm.Spec.Model;

/// <summary>
/// A broken kernel rule, raised by the model where it happens. Plain tests assert on <see cref="Category"/>;
/// the Coyote harness turns it into a failed specification assertion.
/// </summary>
public sealed class KernelViolation(string category, string function, string actor, string detail)
    : Exception(FormatMessage(category, function, actor, detail))
{
    /// <summary>The message of a violation: <c>[category] function (actor): detail</c>.</summary>
    public static string FormatMessage(string category, string function, string actor, string detail) =>
        $"[{category}] {function} ({actor}): {detail}";

    /// <summary>What this violation says, as the value its violation note carries.</summary>
    public ViolationNote Note => new(Category, Function, Actor, Detail);

    public string Category { get; } = category;
    public string Function { get; } = function;
    public string Actor { get; } = actor;
    public string Detail { get; } = detail;
}
