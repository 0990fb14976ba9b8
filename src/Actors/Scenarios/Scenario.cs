using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Scenarios;

/// <summary>
/// A scenario file (docs/scenario-format.md): the machine, the kernel variant and config, a sequential
/// setup, concurrent actors and sequential final ops. Immutable; one scenario drives many iterations.
/// </summary>
public sealed record Scenario
{
    public const string FormatName = "hmm-scenario";
    public const int FormatVersion = 1;

    public required string Name { get; init; }
    public string Description { get; init; } = "";
    /// <summary>Variant name as written in the file (null: the caller's default, normally <c>seed</c>).</summary>
    public string? Variant { get; init; }
    /// <summary>Kconfig symbols set in the file; symbols not named keep their default (on).</summary>
    public required IReadOnlyDictionary<string, bool> Config { get; init; }
    public required ScenarioMachine Machine { get; init; }
    /// <summary>
    /// Retries one CPU access (or mirror fault-in) may make while other tasks keep running before it is reported
    /// as a <c>livelock</c> (<c>KernelWorld.FaultRetryLimit</c>); the file's <c>fault_retry_limit</c>.
    /// </summary>
    public int FaultRetryLimit { get; init; } = DefaultFaultRetryLimit;
    public const int DefaultFaultRetryLimit = 100;
    /// <summary>
    /// The file's <c>track_dirty</c>: also check at quiescent points that no written page lost its dirty state
    /// (<c>KernelWorld.TrackDirty</c>, category <c>dirty-lost</c>; docs/kernel-model.md, "Dirty and young bits").
    /// </summary>
    public bool TrackDirty { get; init; }
    public required IReadOnlyList<ScenarioOp> Setup { get; init; }
    public required IReadOnlyList<ScenarioActor> Actors { get; init; }
    public required IReadOnlyList<ScenarioOp> Final { get; init; }
    /// <summary>Where it came from: <c>builtin:NAME</c> or a file path (for messages).</summary>
    public string Source { get; init; } = "";
    /// <summary>The exact JSON text it was read from, embedded whole in trace bundles.</summary>
    public string Json { get; init; } = "";

    /// <summary>Every op of the scenario in file order, for static checks.</summary>
    public IEnumerable<ScenarioOp> AllOps => Setup.Concat(Actors.SelectMany(a => a.Ops)).Concat(Final);
}

/// <summary>The <c>machine</c> object: system RAM is pfns [0, RamPages); the device range follows DeviceStartPfn.</summary>
public sealed record ScenarioMachine(int RamPages, int DevicePages, long DeviceStartPfn);

/// <summary>One actor: a CPU thread, a driver thread, a /proc reader... its ops run in order.</summary>
public sealed record ScenarioActor(string Name, IReadOnlyList<ScenarioOp> Ops);

/// <summary>An op plus the optional expectation that must hold in every interleaving, and its JSON path.</summary>
public sealed record ScenarioOp(Op Op, OpResult? Expect, string Path);
