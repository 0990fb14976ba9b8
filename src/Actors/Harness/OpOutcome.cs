using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Harness;

/// <summary>
/// An op and the result it returned, carried by the harness's <c>result</c> note as the step's
/// <see cref="Model.StepRecord.Value"/>: a stress run re-checks expectations from these, not from the note's text.
/// Its text is the result's JSON, what a replay prints.
/// </summary>
public sealed record OpOutcome(ScenarioOp Op, OpResult Result)
{
    public override string ToString() => Result.ToString();
}
