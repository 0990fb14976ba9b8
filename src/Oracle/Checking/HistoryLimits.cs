using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Checking;

/// <summary>
/// The page limits of a history (docs/history-format.md, "Limits"), the scenario format's: page indexes of an
/// address space and file sizes within <see cref="MaxPages"/>. The reference model's state grows with the pages
/// an op maps, so they are checked before anything is built from the ops.
/// </summary>
internal static class HistoryLimits
{
    public const int MaxPages = 4096;

    /// <summary>Why <paramref name="op"/> breaks the limits, or null.</summary>
    public static string? Problem(Op op)
    {
        long end = (long)(op.Page ?? 0) + (op.Pages ?? 1);
        if (op.Page is { } page && (page < 0 || end > MaxPages))
            return $"pages [{page}, {end}) exceed the address-space limit of {MaxPages} pages";
        if (op.File is not null && op.Pages is > MaxPages)
            return $"a file size of {op.Pages} pages exceeds the limit of {MaxPages} pages";
        return null;
    }
}
