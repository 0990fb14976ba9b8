using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Harness;

/// <summary>
/// The iteration's history: each actor op's invocation and completion, recorded at the moment they happen.
/// Coyote serializes the actors, so the recorder's order is an exact real-time order. Setup ops go into the
/// header (they run before any actor). At the end the linearizability checker runs on one thread.
/// </summary>
public sealed class HistoryLog(ScenarioPlan plan)
{
    private readonly HistoryRecorder recorder = new();
    private readonly List<Op> setup = [];

    /// <summary>Marker id for a setup op (setup ops are not events).</summary>
    private const int SetupId = -1;

    public int SetupOp(Op op)
    {
        setup.Add(op);
        return SetupId;
    }

    public int Invoke(int process, Op op) => recorder.Invoke(process, op);

    public void Complete(int id, OpResult result)
    {
        if (id != SetupId)
            recorder.Complete(id, EventType.Ok, result);
    }

    public History ToHistory()
    {
        var m = plan.Layout;
        var header = new HistoryHeader(HistoryFormatVersion, plan.Variant.Name, plan.ConfigSymbols,
            new MachineSpec(m.RamPages, m.DevicePages, m.DeviceStartPfn), setup.ToArray());
        return recorder.ToHistory(header);
    }

    /// <summary>The history format version the recorder writes.</summary>
    public const int HistoryFormatVersion = 1;

    /// <summary>Null when the history is linearizable (or undecided within the budget), else the violation message.</summary>
    public string? Check()
    {
        var result = LinearizabilityChecker.Check(ToHistory(), new CheckOptions(Parallel: false));
        return result.Verdict switch
        {
            Verdict.NotLinearizable => $"[not-linearizable] history: {result.Explain()}",
            Verdict.Malformed => $"[bug-on] history recorder produced a malformed history: {result.Explain()}",
            _ => null,
        };
    }
}
