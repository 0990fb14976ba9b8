using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Coyote.Specifications;

namespace Hmm.Spec.Actors.Harness;

/// <summary>
/// Where an iteration reports: Coyote's monitors under <c>explore</c> (<see cref="CoyoteMonitors"/>), the
/// verifier's execution under <c>verify</c>. The same <see cref="IterationRun"/> feeds both.
/// </summary>
internal interface IIterationObserver
{
    /// <summary>A CPU access (which may fault and retry) began.</summary>
    void AccessStarted();

    /// <summary>A CPU access completed.</summary>
    void AccessCompleted();

    /// <summary>An op finished; <paramref name="satisfied"/> is false when its expectation did not hold.</summary>
    void OpChecked(string actor, ScenarioOp op, OpResult result, bool satisfied);

    /// <summary>A violation (its message starts with the <c>[category]</c>).</summary>
    void ViolationRaised(string message);
}

/// <summary>The explore observer: the events go to <see cref="SafetyMonitor"/> and <see cref="FaultLivenessMonitor"/>.</summary>
internal sealed class CoyoteMonitors : IIterationObserver
{
    public static readonly CoyoteMonitors Instance = new();

    public void AccessStarted() => Specification.Monitor<FaultLivenessMonitor>(FaultLivenessMonitor.AccessStarted.Instance);

    public void AccessCompleted() => Specification.Monitor<FaultLivenessMonitor>(FaultLivenessMonitor.AccessCompleted.Instance);

    public void OpChecked(string actor, ScenarioOp op, OpResult result, bool satisfied) =>
        Specification.Monitor<SafetyMonitor>(new SafetyMonitor.OpChecked(actor, op, result, satisfied));

    public void ViolationRaised(string message) =>
        Specification.Monitor<SafetyMonitor>(new SafetyMonitor.ViolationRaised(message));
}
