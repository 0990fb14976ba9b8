namespace Hmm.Spec.Model;

/// <summary>
/// A broken kernel rule, raised by the model where it happens. Plain tests assert on <see cref="Category"/>;
/// the Coyote harness turns it into a failed specification assertion.
/// </summary>
public sealed class KernelViolation(string category, string function, string actor, string detail)
    : Exception($"[{category}] {function} ({actor}): {detail}")
{
    public string Category { get; } = category;
    public string Function { get; } = function;
    public string Actor { get; } = actor;
    public string Detail { get; } = detail;
}
