using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// Kinds of history events, as in Knossos/Jepsen: an invocation, then at most one completion.
/// <see cref="Ok"/>: the op took effect and returned its result; <see cref="Fail"/>: it certainly did not take
/// effect (the checker drops it); <see cref="Info"/>: unknown whether it took effect (pending forever).
/// </summary>
public enum EventType
{
    Invoke,
    Ok,
    Fail,
    Info,
}

/// <summary>
/// One line of a history. An invocation carries <see cref="Op"/>; a completion carries <see cref="Result"/>
/// (optional for fail/info). <see cref="Id"/> pairs a completion with its invocation.
/// </summary>
public sealed record HistoryEvent(EventType Type, int Process, int Id, Op? Op, OpResult? Result);

/// <summary>The machine layout a history ran on (system RAM is pfns [0, RamPages)).</summary>
public sealed record MachineSpec(int RamPages, int DevicePages, long DeviceStartPfn);

/// <summary>
/// The header line: format version, optional kernel variant/config/machine, and the setup ops that ran
/// sequentially (and completed) before the first event.
/// </summary>
public sealed record HistoryHeader(
    int Version,
    string? Variant,
    IReadOnlyDictionary<string, bool>? Config,
    MachineSpec? Machine,
    IReadOnlyList<Op> Setup)
{
    public const string Format = "hmm-history";
    public const int CurrentVersion = 1;

    public static HistoryHeader Empty { get; } = new(CurrentVersion, null, null, null, []);
}

/// <summary>A whole history: header plus events in real-time order.</summary>
public sealed class History(HistoryHeader header, IReadOnlyList<HistoryEvent> events)
{
    public HistoryHeader Header { get; } = header;
    public IReadOnlyList<HistoryEvent> Events { get; } = events;

    /// <summary>Set by <see cref="HistoryReader"/>, which has already applied <see cref="HistoryValidator"/> line by line.</summary>
    internal bool Validated { get; init; }

    /// <summary>
    /// The checker's op table of <see cref="Events"/>, when the reader built it while validating (null otherwise:
    /// the checker builds it). Only for the events it was built from: a history with other events is a new instance.
    /// </summary>
    internal Checking.OpTable? Table { get; init; }

    /// <summary>Warnings of the reader (one line each, file name first): things allowed but often a producer's mistake.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Number of invocations (operations) in the history.</summary>
    public int OperationCount => Events.Count(e => e.Type == EventType.Invoke);
}
