using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reference;

/// <summary>
/// Collects the successors of one model step that agree with the observed result. A step offers each
/// allowed (result, next state) pair; with no observed result (an <c>info</c> completion or a setup op)
/// every offer is accepted. When explaining, the descriptions of all offers are kept for the report.
/// </summary>
public sealed class StepContext
{
    private readonly List<RefState> _into;
    private readonly List<string>? _allowed;

    public StepContext(OpResult? observed, List<RefState> into, List<string>? allowed = null, bool sequential = false)
    {
        Observed = observed;
        _into = into;
        _allowed = allowed;
        Sequential = sequential;
    }

    /// <summary>The result the history recorded; null when unknown.</summary>
    public OpResult? Observed { get; private set; }

    /// <summary>
    /// The op ran with nothing concurrent (setup): nondeterminism that only concurrency causes (pages a
    /// migration fails to move) is excluded.
    /// </summary>
    public bool Sequential { get; }

    public bool Explaining => _allowed is not null;

    /// <summary>The same collector for the next step with another observed result (the checker's inner loop
    /// makes one per search, not one per step).</summary>
    internal StepContext For(OpResult? observed)
    {
        Observed = observed;
        return this;
    }

    /// <summary>Offers exactly <paramref name="result"/> leading to <paramref name="next"/>.</summary>
    public void Offer(OpResult result, RefState next)
    {
        _allowed?.Add(OpCodec.Format(result));
        if (Observed is null || Observed == result) _into.Add(next.Canonical());
    }

    /// <summary>Offers exactly <c>{"value": value}</c> leading to <paramref name="next"/> (no result built unless explaining).</summary>
    public void OfferValue(long value, RefState next)
    {
        _allowed?.Add(OpCodec.Format(OpResult.OfValue(value)));
        if (Observed is null || Observed.IsValue(value)) _into.Add(next.Canonical());
    }

    /// <summary>Offers every result matching <paramref name="match"/>, described by <paramref name="description"/>.</summary>
    public void OfferIf(Func<OpResult, bool> match, string description, RefState next)
    {
        _allowed?.Add(description);
        if (Observed is null || match(Observed)) _into.Add(next.Canonical());
    }

    /// <summary>Offers "some error": the reference does not fix which errno an invalid request gets.</summary>
    public void OfferAnyError(RefState next) =>
        OfferIf(r => r.Error is not null && r == new OpResult { Error = r.Error }, "{\"error\": any}", next);
}
