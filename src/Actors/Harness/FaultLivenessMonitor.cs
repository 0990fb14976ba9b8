using Microsoft.Coyote.Specifications;
using CoyoteMonitor = Microsoft.Coyote.Specifications.Monitor;

namespace Hmm.Spec.Actors.Harness;

/// <summary>
/// Liveness: a CPU access that faults must eventually complete. The monitor is hot while any CPU access
/// (which may run handle_mm_fault and retry it) is in flight, cold when none is; Coyote reports a liveness
/// bug when an execution stays hot past its temperature threshold (a fault retried forever, e.g. the
/// livelock between several CPUs faulting the same device page that 1afaeb8293c9 fixed).
/// </summary>
internal sealed class FaultLivenessMonitor : CoyoteMonitor
{
    internal sealed class AccessStarted : Event
    {
        public static readonly AccessStarted Instance = new();
    }

    internal sealed class AccessCompleted : Event
    {
        public static readonly AccessCompleted Instance = new();
    }

    private int inFlight;

    [Start]
    [Cold]
    [OnEventDoAction(typeof(AccessStarted), nameof(OnStarted))]
    [IgnoreEvents(typeof(AccessCompleted))]
    private sealed class NoFaultInFlight : State
    {
    }

    [Hot]
    [OnEventDoAction(typeof(AccessStarted), nameof(OnStartedWhileHot))]
    [OnEventDoAction(typeof(AccessCompleted), nameof(OnCompleted))]
    private sealed class FaultInFlight : State
    {
    }

    private void OnStarted()
    {
        inFlight++;
        RaiseGotoStateEvent<FaultInFlight>();
    }

    private void OnStartedWhileHot() => inFlight++;

    private void OnCompleted()
    {
        inFlight--;
        Assert(inFlight >= 0, "[bug-on] liveness monitor: more accesses completed than started");
        if (inFlight == 0)
            RaiseGotoStateEvent<NoFaultInFlight>();
    }
}
