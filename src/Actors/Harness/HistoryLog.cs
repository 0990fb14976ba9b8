using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Harness;

/// <summary>
/// The iteration's history: each actor op's invocation and completion, recorded at the moment they happen.
/// Coyote serializes the actors, so the recorder's order is an exact real-time order. Setup ops are the
/// header's setup (they run before any actor). At the end the linearizability checker runs on one thread.
/// </summary>
public sealed class HistoryLog(ScenarioPlan plan)
{
    private readonly HistoryRecorder recorder = new(CreateHeader(plan));

    /// <summary>Marker id for a setup op (setup ops are in the header, not events): completing it records nothing.</summary>
    public const int SetupId = -1;

    private static HistoryHeader CreateHeader(ScenarioPlan plan)
    {
        var m = plan.Layout;
        return new HistoryHeader(HistoryHeader.CurrentVersion, plan.Variant.Name, plan.ConfigSymbols,
            new MachineSpec(m.RamPages, m.DevicePages, m.DeviceStartPfn), plan.Scenario.Setup.Select(s => s.Op).ToArray());
    }

    public int Invoke(int process, Op op) => recorder.Invoke(process, op);

    public void Complete(int id, OpResult result)
    {
        if (id != SetupId)
            recorder.Ok(id, result);
    }

    /// <summary>
    /// Per-iteration budget of the checker: bytes of memo and states (estimated), not time, so whether a check
    /// is decided does not depend on the machine's speed or load. An undecided check is no finding, but is
    /// counted (<see cref="Undecided"/>, <c>IterationCapture.UndecidedChecks</c>) and reported by explore.
    /// </summary>
    public const long CheckMemoryBytes = 64L << 20;

    /// <summary>Set by <see cref="Check"/> when the checker ran out of its budget (verdict unknown).</summary>
    public bool Undecided { get; private set; }

    public History ToHistory() => recorder.ToHistory();

    /// <summary>Null when the history is linearizable (or undecided within the budget), else the violation message.</summary>
    public string? Check(long maxMemoryBytes = CheckMemoryBytes)
    {
        var result = LinearizabilityChecker.Check(ToHistory(), CheckOptions.Sequential with { MaxMemoryBytes = maxMemoryBytes });
        Undecided = result.Verdict == Verdict.Unknown;
        // No elapsed time: the message goes into trace bundles, which must be the same bytes on every run.
        var explanation = result.Explain(withTime: false).Replace(Environment.NewLine, "; ", StringComparison.Ordinal);
        return result.Verdict switch
        {
            Verdict.NotLinearizable => $"[not-linearizable] {explanation}",
            Verdict.Malformed => $"[bug-on] the recorded history is malformed: {explanation}",
            _ => null,
        };
    }
}
