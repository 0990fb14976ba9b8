namespace Hmm.Spec.Model;

/// <summary>
/// Why some model types carry <c>[SkipRewriting]</c>: Coyote's rewriter registers a call site on entry to every
/// method of a rewritten type, and each registered call site costs an execution-graph node per scheduling step —
/// most of what the model cost above Coyote's floor (docs/performance.md). Types that use no concurrency primitive
/// (no Task, lock, SemaphoreSlim, Interlocked, Monitor: they call the Coyote API and the rewritten lock types
/// only) lose nothing by staying as compiled. Model.Tests RewritingSkipTests checks their IL for primitives.
/// </summary>
internal static class NotRewritten
{
    public const string Reason = "no concurrency primitives: only the Coyote API and the rewritten lock types";
}
