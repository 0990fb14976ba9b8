using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Coyote.Specifications;
using CoyoteMonitor = Microsoft.Coyote.Specifications.Monitor;

namespace Hmm.Spec.Actors.Harness;

/// <summary>
/// The safety monitor of one iteration: every op's expectation and every kernel violation (an invariant the
/// model checks at the step where it must hold, or the quiescent checks at the end) is reported here, and a
/// failure is a Coyote assertion with the message <c>[category] ...</c>, so bug reports carry a stable category.
/// </summary>
internal sealed class SafetyMonitor : CoyoteMonitor
{
    /// <summary>
    /// An op finished with <see cref="Result"/>; <see cref="Satisfied"/> is false when the op's expectation did
    /// not hold. The op and result are kept as values: their JSON text is made only for a failed assertion.
    /// </summary>
    internal sealed class OpChecked(string actor, ScenarioOp op, OpResult result, bool satisfied) : Event
    {
        public string Actor { get; } = actor;
        public ScenarioOp Op { get; } = op;
        public OpResult Result { get; } = result;
        public bool Satisfied { get; } = satisfied;
    }

    /// <summary>The model raised a violation (<c>KernelViolation.Message</c> starts with its category).</summary>
    internal sealed class ViolationRaised(string message) : Event
    {
        public string Message { get; } = message;
    }

    [Start]
    [OnEventDoAction(typeof(OpChecked), nameof(OnOpChecked))]
    [OnEventDoAction(typeof(ViolationRaised), nameof(OnViolation))]
    private sealed class Watching : State
    {
    }

    private void OnOpChecked(Event e)
    {
        var c = (OpChecked)e;
        if (!c.Satisfied)
            Assert(false, "{0}", ExpectationMessage(c.Actor, c.Op, c.Result));
    }

    /// <summary>The report of an unmet expectation (also what a stress run, with no monitor, reports).</summary>
    internal static string ExpectationMessage(string actor, ScenarioOp op, OpResult result) =>
        $"[expectation] {actor}: {op.Path} {op.Op} returned {result}, expected {(object?)op.Expect ?? "{}"}";

    private void OnViolation(Event e) => Assert(false, "{0}", ((ViolationRaised)e).Message);
}
