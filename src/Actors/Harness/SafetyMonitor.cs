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
    /// An op finished; <see cref="Satisfied"/> is false when its expectation did not hold. The op, result and
    /// expectation are objects whose text is only made (by <c>ToString</c>) for a failed assertion.
    /// </summary>
    internal sealed class OpChecked(string actor, object op, object result, object? expect, bool satisfied) : Event
    {
        public string Actor { get; } = actor;
        public object Op { get; } = op;
        public object Result { get; } = result;
        public object? Expect { get; } = expect;
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
        Assert(c.Satisfied, "[expectation] {0}: {1} returned {2}, expected {3}", c.Actor, c.Op, c.Result, c.Expect ?? "{}");
    }

    private void OnViolation(Event e) => Assert(false, "{0}", ((ViolationRaised)e).Message);
}
