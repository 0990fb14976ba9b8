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

/// <summary>The one naming of step kinds, used by the step log's text, the plain-text report and the HTML report.</summary>
public static class StepKinds
{
    /// <summary><c>read</c>, <c>write</c>, <c>lock</c>, <c>unlock</c>, <c>call</c> or <c>note</c>.</summary>
    public static string Name(this StepKind kind) => kind switch
    {
        StepKind.Read => "read",
        StepKind.Write => "write",
        StepKind.Lock => "lock",
        StepKind.Unlock => "unlock",
        StepKind.Call => "call",
        _ => "note",
    };
}

/// <summary>
/// One shared-state access (or lock operation, call, note) of the kernel model, in execution order.
/// <paramref name="Function"/> is the kernel function that made it, <paramref name="Resource"/> what it touched
/// (<c>pte A:3</c>, <c>page 1027 refcount</c>, <c>ptl A</c>), <paramref name="Detail"/> what was read or written.
/// </summary>
public readonly record struct StepRecord(int Seq, string Actor, string Function, StepKind Kind, string Resource, string Detail)
{
    /// <summary>
    /// The structured facts the step carries, or null: the harness's <c>OpOutcome</c> on a <c>result</c> note, a
    /// <see cref="LockStep"/> on every Lock and Unlock step, a <see cref="CountChange"/> on a counter write, the
    /// <see cref="ViolationNote"/> on a <c>violation</c> note. The facts are values (records): the steps of two runs
    /// of one interleaving compare equal. Code that needs a step's data reads it here: the
    /// <see cref="Detail"/> text is rendered from these facts for people and is never parsed back.
    /// </summary>
    public object? Value { get; init; }

    public override string ToString() => $"#{Seq} {Actor} {Function} {Kind.Name()} {Resource}: {Detail}";
}
