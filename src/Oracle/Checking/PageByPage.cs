using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Checking;

/// <summary>
/// Operations Linux does not perform atomically across a page range are checked as one sub-operation per page,
/// each with the whole op's real-time interval, so each page's effect may take place at its own point
/// (docs/reference-model.md, "Loosened rules"):
/// <list type="bullet">
/// <item><c>madvise_dontneed</c> that succeeded (or whose outcome is unknown): madvise holds mmap_sem for read
/// and zap_pte_range clears one pte after another, while faults on other pages proceed.</item>
/// <item><c>migrate_to_device</c>/<c>migrate_to_system</c> that moved every page of its range (or whose outcome
/// is unknown): the driver migrates in chunks (migrate_vma_setup/pages/finalize per chunk) and
/// remove_migration_ptes restores one pte after another, so one page may be seen moved while another is not yet.
/// A partial count keeps the one-op rule, which already leaves every candidate on either side.</item>
/// </list>
/// Sub-operations keep the op's id (evidence names the original op, now with one page).
/// </summary>
internal static class PageByPage
{
    /// <summary>The per-page sub-operations of an op with its result, or null when it stays whole.</summary>
    public static (Op Op, OpResult? Result)[]? Split(Op op, OpResult? result, bool indeterminate)
    {
        if (op.Pages is not (> 1 and var n) || op.Page is not { } page) return null;
        OpResult? each;
        switch (op.Kind)
        {
            case OpKind.MadviseDontneed when indeterminate || result == OpResult.Success:
                each = indeterminate ? null : OpResult.Success;
                break;
            case OpKind.MigrateToDevice or OpKind.MigrateToSystem when indeterminate || result == OpResult.OfMigrated(n):
                each = indeterminate ? null : OpResult.OfMigrated(1);
                break;
            default:
                return null;
        }
        var parts = new (Op, OpResult?)[n];
        for (var i = 0; i < n; i++) parts[i] = (op with { Page = page + i, Pages = 1 }, each);
        return parts;
    }

    /// <summary>The table with every splittable op replaced by its sub-operations (same call and return).</summary>
    public static OpTable Apply(OpTable table)
    {
        var any = false;
        for (var i = 0; i < table.Ops.Length && !any; i++)
            any = Split(table.Ops[i].Op, table.Ops[i].Result, table.Indeterminate(i)) is not null;
        if (!any) return table;
        var ops = new List<OpRecord>(table.Ops.Length);
        var call = new List<long>(table.Ops.Length);
        var ret = new List<long>(table.Ops.Length);
        for (var i = 0; i < table.Ops.Length; i++)
        {
            var o = table.Ops[i];
            var parts = Split(o.Op, o.Result, table.Indeterminate(i));
            foreach (var (op, result) in parts ?? [(o.Op, o.Result)])
            {
                ops.Add(o with { Op = op, Result = result });
                call.Add(table.Call[i]);
                ret.Add(table.Return[i]);
            }
        }
        return new OpTable { Ops = ops.ToArray(), Call = call.ToArray(), Return = ret.ToArray(), Processes = table.Processes };
    }
}
