namespace Hmm.Spec.Model;

public enum StepKind
{
    Read,
    Write,
    Lock,
    Unlock,
    Call,
    Note,
}

/// <summary>
/// One shared-state access (or lock operation, call, note) of the kernel model, in execution order.
/// <paramref name="Function"/> is the kernel function that made it, <paramref name="Resource"/> what it touched
/// (<c>pte A:3</c>, <c>page 1027 refcount</c>, <c>ptl A</c>), <paramref name="Detail"/> what was read or written.
/// </summary>
public readonly record struct StepRecord(int Seq, string Actor, string Function, StepKind Kind, string Resource, string Detail)
{
    /// <summary>
    /// The structured value the step carries (the harness's op outcome on a <c>result</c> note), or null. Code that
    /// needs a step's data reads it here: the <see cref="Detail"/> text is for people and is never parsed back.
    /// </summary>
    public object? Value { get; init; }

    public override string ToString() => $"#{Seq} {Actor} {Function} {Kind.ToString().ToLowerInvariant()} {Resource}: {Detail}";
}
