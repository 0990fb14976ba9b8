namespace Hmm.Spec.Model;

/// <summary>
/// The one list of what Coyote's binary rewriter leaves alone in this repository, and why
/// (docs/building-and-rewriting.md). Everything else that runs under Coyote is rewritten by every build.
/// <para>
/// Guards, next to this list: Actors.Tests <c>Foundation/NotRewrittenTests</c> checks that the types carrying
/// <c>[SkipRewriting]</c> in the model and actor assemblies are exactly <see cref="Types"/>, and that every project
/// is either in coyote.json or in <see cref="Assemblies"/> (and those are not rewritten); Actors.Tests
/// <c>Foundation/RewritingTests</c> checks that the others are rewritten; Model.Tests
/// <c>RewritingSkipTests</c> scans the IL of every <see cref="TypeKind.Hot"/> type for concurrency primitives.
/// </para>
/// <para>
/// A <c>[SkipRewriting]</c> type covers every method of the type, including each method added later to any of its
/// partial files: every file of <see cref="KernelWorld"/> (src/Model/Sys/KernelWorld*.cs and the kernel-named
/// files under src/Model/*/) and of <c>Dmirror</c> (src/Model/Driver/Dmirror*.cs) is unrewritten code. Such code
/// must not use a concurrency primitive of its own; it calls the Coyote API and the rewritten lock types.
/// </para>
/// </summary>
internal static class NotRewritten
{
    /// <summary>
    /// Why the model's hot types carry <c>[SkipRewriting]</c>: Coyote's rewriter registers a call site on entry to
    /// every method of a rewritten type, and each registered call site costs an execution-graph node per
    /// scheduling step — most of what the model cost above Coyote's floor (docs/performance.md). Types that use no
    /// concurrency primitive (no Task, lock, SemaphoreSlim, Interlocked, Monitor: they call the Coyote API and the
    /// rewritten lock types only) lose nothing by staying as compiled.
    /// </summary>
    public const string Reason = "no concurrency primitives: only the Coyote API and the rewritten lock types";

    /// <summary>Why a type is left unrewritten.</summary>
    public enum TypeKind
    {
        /// <summary>
        /// A model type on the per-step path, skipped for speed (<see cref="Reason"/>); it must use no concurrency
        /// primitive (checked on its IL).
        /// </summary>
        Hot,

        /// <summary>
        /// A type of <c>verify</c>'s own scheduler, which runs outside Coyote on real threads: its hand-off
        /// primitives must be the real ones, not Coyote's controlled replacements.
        /// </summary>
        VerifyOnly,
    }

    /// <summary>Every type (full name, nested types with <c>+</c>) that carries <c>[SkipRewriting]</c>.</summary>
    public static readonly IReadOnlyDictionary<string, TypeKind> Types = new Dictionary<string, TypeKind>(StringComparer.Ordinal)
    {
        // The kernel functions: one partial class over src/Model/Sys/KernelWorld*.cs and the kernel-named files.
        ["Hmm.Spec.Model.KernelWorld"] = TypeKind.Hot,
        // struct mm_struct: every PTE access goes through it.
        ["Hmm.Spec.Model.MmStruct"] = TypeKind.Hot,
        // The reference driver (lib/test_hmm.c), partial over src/Model/Driver/Dmirror*.cs.
        ["Hmm.Spec.Model.Dmirror"] = TypeKind.Hot,
        // The step log: one append per step. Its plain monitor serves stress runs on real threads (RewritingSkipTests).
        ["Hmm.Spec.Model.StepLog"] = TypeKind.Hot,
        ["Hmm.Spec.Actors.Verification.CarrierThreads"] = TypeKind.VerifyOnly,
        ["Hmm.Spec.Actors.Verification.CarrierThreads+Carrier"] = TypeKind.VerifyOnly,
        ["Hmm.Spec.Actors.Verification.ControlledScheduler"] = TypeKind.VerifyOnly,
        ["Hmm.Spec.Actors.Verification.ControlledScheduler+Worker"] = TypeKind.VerifyOnly,
        ["Hmm.Spec.Actors.Verification.ControlledScheduler+Semaphore"] = TypeKind.VerifyOnly,
        ["Hmm.Spec.Actors.Verification.Footprint"] = TypeKind.VerifyOnly,
        ["Hmm.Spec.Actors.Verification.ScheduleSearch"] = TypeKind.VerifyOnly,
    };

    /// <summary>
    /// Assemblies of ours (by assembly name) that are not rewritten at all (coyote.json does not list them), and
    /// why. Every other assembly of ours is listed in coyote.json and rewritten by the build.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Assemblies = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Hmm.Spec.Oracle"] = "holds no concurrency primitive (it judges a finished history single-threaded), and staying "
            + "unrewritten keeps it free of a Coyote dependency for users who only check histories",
        ["hmm-spec"] = "the command line (src/Cli): it starts Coyote's testing engine or verify's scheduler and never runs under them",
        ["Hmm.Spec.Oracle.Tests"] = "tests of the oracle, which never runs under Coyote",
    };
}
