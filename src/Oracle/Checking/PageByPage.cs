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
/// Sub-operations keep the op's id (evidence names the original op, now with one page). A range of more than
/// <see cref="MaxParts"/> pages is split into that many runs of neighbouring pages: sub-ops of one op are all
/// concurrent, and a search over many of them can take exponential time in a failing partition.
/// </summary>
internal static class PageByPage
{
    /// <summary>At most this many sub-ops per op (the dmirror driver also migrates in batches of 64 pages).</summary>
    public const int MaxParts = 64;

    /// <summary>The per-page sub-operations of an op with its result, or null when it stays whole.</summary>
    public static (Op Op, OpResult? Result)[]? Split(Op op, OpResult? result, bool indeterminate)
    {
        if (op.Pages is not (> 1 and var n) || op.Page is not { } page) return null;
        bool migration;
        switch (op.Kind)
        {
            case OpKind.MadviseDontneed when indeterminate || result == OpResult.Success:
                migration = false;
                break;
            case OpKind.MigrateToDevice or OpKind.MigrateToSystem when indeterminate || result == OpResult.OfMigrated(n):
                migration = true;
                break;
            default:
                return null;
        }
        var count = Math.Min(n, MaxParts);
        var parts = new (Op, OpResult?)[count];
        for (var i = 0; i < count; i++)
        {
            int from = (int)((long)n * i / count), to = (int)((long)n * (i + 1) / count);
            var each = indeterminate ? null : migration ? OpResult.OfMigrated(to - from) : OpResult.Success;
            parts[i] = (op with { Page = page + from, Pages = to - from }, each);
        }
        return parts;
    }

    /// <summary>The table with every splittable op replaced by its sub-operations (same call and return).</summary>
    /// <remarks>
    /// Only ops that overlap another op in real time are split: run alone, the pages of an op are done one after
    /// another with nothing in between, the same as all at once, and each sub-op costs a model step over the whole
    /// address space.
    /// </remarks>
    public static OpTable Apply(OpTable table)
    {
        var n = table.Ops.Length;
        var split = new (Op, OpResult?)[]?[n];
        var any = false;
        var latestReturn = long.MinValue;   // over the ops called before op i (the table is in call order)
        for (var i = 0; i < n; i++)
        {
            var concurrent = latestReturn > table.Call[i] || (i + 1 < n && table.Call[i + 1] < table.Return[i]);
            latestReturn = Math.Max(latestReturn, table.Return[i]);
            if (!concurrent) continue;
            split[i] = Split(table.Ops[i].Op, table.Ops[i].Result, table.Indeterminate(i));
            any |= split[i] is not null;
        }
        if (!any) return table;
        var ops = new List<OpRecord>(table.Ops.Length);
        var call = new List<long>(table.Ops.Length);
        var ret = new List<long>(table.Ops.Length);
        for (var i = 0; i < n; i++)
        {
            var o = table.Ops[i];
            foreach (var (op, result) in split[i] ?? [(o.Op, o.Result)])
            {
                ops.Add(o with { Op = op, Result = result });
                call.Add(table.Call[i]);
                ret.Add(table.Return[i]);
            }
        }
        return new OpTable { Ops = ops.ToArray(), Call = call.ToArray(), Return = ret.ToArray(), Processes = table.Processes };
    }
}
