using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Checking;

/// <summary>The checker's answer. <see cref="Unknown"/>: the budget ran out first; <see cref="Malformed"/>: the history breaks the format's rules.</summary>
public enum Verdict
{
    Linearizable,
    NotLinearizable,
    Unknown,
    Malformed,
}

/// <summary>
/// Budget and execution options. <see cref="Parallel"/> = false checks partitions one after another on the
/// calling thread (required inside Coyote iterations). The search stops with <see cref="Verdict.Unknown"/> when
/// any budget runs out: <see cref="Budget"/> (wall time), <see cref="MaxStates"/> (memo entries) or
/// <see cref="MaxMemoryBytes"/> (an estimate of the bytes the memo cache and its states hold; it does not
/// depend on the machine's speed). Defaults: no time or entry bound, memory <see cref="DefaultMaxMemoryBytes"/>.
/// </summary>
public sealed record CheckOptions(TimeSpan? Budget = null, bool Parallel = true, long MaxStates = long.MaxValue, long? MaxMemoryBytes = null)
{
    /// <summary>A quarter of the memory the runtime may use (physical memory or the container's limit), at most 512 MiB.</summary>
    public static long DefaultMaxMemoryBytes { get; } =
        Math.Clamp(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4, 64L << 20, 512L << 20);

    /// <summary>The memory budget in force.</summary>
    public long MemoryBytes => MaxMemoryBytes ?? DefaultMaxMemoryBytes;

    public static CheckOptions Default { get; } = new();
    /// <summary>One thread, no time budget: for Coyote iterations and tests.</summary>
    public static CheckOptions Sequential { get; } = new(Parallel: false);

    /// <summary>False: one search over the whole history and state (tests compare the partitioned search with it).</summary>
    internal bool Partition { get; init; } = true;

    /// <summary>False: every partition goes to the search (tests compare <see cref="RegisterCheck"/> with it).</summary>
    internal bool RegisterFastPath { get; init; } = true;
}

/// <summary>One operation as the checker sees it: its invocation and completion (null result when indeterminate).</summary>
public sealed record OpRecord(int Id, int Process, Op Op, OpResult? Result, EventType Completion)
{
    public override string ToString() =>
        $"#{Id} p{Process} {Op} -> {(Result is null ? Completion.ToString().ToLowerInvariant() : Result.ToString())}";
}

/// <summary>
/// The deepest point a search reached in one partition: the ops it had linearized there, in linearization
/// order, and the op it got stuck on (the op whose return came before it could be linearized: for a violation,
/// the first op that cannot be linearized; for an exhausted budget, where the search stood deepest), with the
/// reference model's reason for refusing that op in the state reached (null when there is none to give).
/// </summary>
public sealed record PartialLinearization(IReadOnlyList<OpRecord> Ops, OpRecord? StuckOn, string? Reason)
{
    /// <summary>
    /// The reference states the search reached after <see cref="Ops"/> (of its partition's part of the state) and the
    /// model that stepped them, when it kept them; the evidence (<see cref="Evidence.WrongValue"/>) then need not
    /// replay the history to get there.
    /// </summary>
    internal (ReferenceModel Model, IReadOnlyList<RefState> States)? After { get; init; }
}

/// <summary>
/// The verdict with its evidence. For <see cref="Verdict.NotLinearizable"/>: the operation that could not be
/// linearized and the reference model's reason, the last operation linearized before it, and the longest
/// partial linearization found (event ids, in linearization order) of the failing partition. For
/// <see cref="Verdict.Unknown"/>: the longest partial linearization of the partition that ran out, and
/// <see cref="Deepest"/>.
/// </summary>
public sealed record CheckResult(
    Verdict Verdict,
    int Operations,
    int Partitions,
    long StatesExplored,
    TimeSpan Elapsed,
    OpRecord? FirstUnlinearizable = null,
    string? Reason = null,
    OpRecord? LastLinearized = null,
    IReadOnlyList<int>? LongestPartial = null,
    string? Message = null,
    PartialLinearization? Deepest = null)
{
    /// <summary>
    /// Set for <see cref="Verdict.NotLinearizable"/> (the failing partition) and <see cref="Verdict.Unknown"/>
    /// (the partition whose budget ran out): the deepest partial linearization and the op it got stuck on.
    /// </summary>
    public PartialLinearization? Deepest { get; init; } = Deepest;

    public bool IsLinearizable => Verdict == Verdict.Linearizable;

    /// <summary>
    /// A few lines for logs and bug reports. <paramref name="withTime"/> false leaves the elapsed time out, for
    /// text that must be the same on every run (the message a trace bundle stores).
    /// </summary>
    public string Explain(bool withTime = true)
    {
        var head = $"{Verdict switch { Verdict.Linearizable => "linearizable", Verdict.NotLinearizable => "not linearizable", Verdict.Unknown => "unknown", _ => "malformed" }}: " +
                   $"{Operations} operations, {Partitions} partitions, {StatesExplored} states" +
                   (withTime ? $", {Elapsed.TotalMilliseconds:F0} ms" : "");
        var lines = new List<string> { head };
        if (Message is not null) lines.Add(Message);
        if (FirstUnlinearizable is not null) lines.Add($"first operation that cannot be linearized: {FirstUnlinearizable}");
        if (Reason is not null) lines.Add($"reason: {Reason}");
        if (Verdict == Verdict.NotLinearizable)
            lines.Add($"last operation linearized: {(LastLinearized is null ? "none" : LastLinearized.ToString())}");
        if (Verdict == Verdict.Unknown && Deepest is { } d)
            lines.Add($"deepest point of the search: stuck on {(d.StuckOn is null ? "nothing" : d.StuckOn.ToString())}{(d.Reason is null ? "" : $" ({d.Reason})")}");
        if (LongestPartial is { Count: > 0 })
            lines.Add($"longest partial linearization ({LongestPartial.Count} ops): {string.Join(" ", LongestPartial.Take(50).Select(i => $"#{i}"))}{(LongestPartial.Count > 50 ? " ..." : "")}");
        return string.Join(Environment.NewLine, lines);
    }
}
