using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// Which results each op kind can return (docs/history-format.md, "Results"): a result is exactly one of
/// its kind's shapes — no mixed fields, no <c>{}</c>, every field of the shape present — with signal and
/// errno names from the documented vocabulary and numbers in range. A result outside this is a malformed
/// history, not a wrong answer: the checker would otherwise call a typo ("SIGSEV") a bug.
/// </summary>
public static class ResultShape
{
    /// <summary>Signals a CPU access may get.</summary>
    public static readonly IReadOnlyList<string> Signals = [Outcomes.SIGSEGV, Outcomes.SIGBUS];

    /// <summary>Errno names an op may return: the scenario vocabulary plus EAGAIN and ENODEV (a device gone).</summary>
    public static readonly IReadOnlyList<string> Errors =
        [Outcomes.EFAULT, Outcomes.EPERM, Outcomes.EEXIST, Outcomes.ENOMEM, Outcomes.EBUSY, Outcomes.EINVAL, "EAGAIN", "ENODEV"];

    [Flags]
    private enum F
    {
        None = 0, Value = 1, Signal = 2, Error = 4, Ok = 8, Migrated = 16, Rss = 32, Anon = 64, Swap = 128,
        Present = 256, SwapEntry = 512, SwapType = 1024, Exclusive = 2048, File = 4096, Frame = 8192,
    }

    private const F Smaps = F.Rss | F.Anon | F.Swap;
    private const F Pagemap = F.Present | F.SwapEntry | F.Exclusive | F.File;

    /// <summary>Per op kind (by value), its result shapes: built once, consulted for every completion.</summary>
    private static readonly (F Fields, string Text)[][] ByKind =
        Enum.GetValues<OpKind>().OrderBy(k => (int)k).Select(ShapesOf).ToArray();

    /// <summary>The shapes of <paramref name="kind"/>'s results (each a set of fields), with how to write them.</summary>
    private static (F Fields, string Text)[] ShapesOf(OpKind kind) => kind switch
    {
        OpKind.Read => [(F.Value, "{\"value\": n}"), (F.Signal, "{\"signal\": ...}")],
        OpKind.Write => [(F.Ok, "{\"ok\": true}"), (F.Signal, "{\"signal\": ...}")],
        OpKind.DeviceRead => [(F.Value, "{\"value\": n}"), (F.Error, "{\"error\": ...}")],
        OpKind.MigrateToDevice or OpKind.MigrateToSystem => [(F.Migrated, "{\"migrated\": k}"), (F.Error, "{\"error\": ...}")],
        OpKind.Smaps => [(Smaps, "{\"rss\", \"anon\", \"swap\"}"), (F.Error, "{\"error\": ...}")],
        OpKind.Pagemap => [(Pagemap, "{\"present\", \"swap\", \"exclusive\", \"file\"} (+ \"swap_type\", \"frame\")"), (F.Error, "{\"error\": ...}")],
        _ => [(F.Ok, "{\"ok\": true}"), (F.Error, "{\"error\": ...}")],
    };

    private static F FieldsOf(OpResult r) =>
        (r.Value is not null ? F.Value : 0) | (r.Signal is not null ? F.Signal : 0) | (r.Error is not null ? F.Error : 0)
        | (r.Ok is not null ? F.Ok : 0) | (r.Migrated is not null ? F.Migrated : 0) | (r.Rss is not null ? F.Rss : 0)
        | (r.Anon is not null ? F.Anon : 0) | (r.Swap is not null ? F.Swap : 0) | (r.Present is not null ? F.Present : 0)
        | (r.SwapEntry is not null ? F.SwapEntry : 0) | (r.SwapType is not null ? F.SwapType : 0)
        | (r.Exclusive is not null ? F.Exclusive : 0) | (r.File is not null ? F.File : 0) | (r.Frame is not null ? F.Frame : 0);

    /// <summary>The problem with <paramref name="r"/> as a result of <paramref name="kind"/>, as "FIELD: PROBLEM", or null.</summary>
    public static string? Problem(OpKind kind, OpResult r)
    {
        var fields = FieldsOf(r);
        var shapes = ByKind[(int)kind];
        if (fields == F.None)
            return $"result: an empty result; \"{kind.WireName()}\" returns {Alternatives(shapes)}";
        if (kind == OpKind.Pagemap && r.Swap is not null)
            return $"result.swap: pagemap's \"swap\" is a boolean (PM_SWAP), found the number {r.Swap}";
        if (kind == OpKind.Smaps && r.SwapEntry is not null)
            return "result.swap: smaps's \"swap\" is a page count, found a boolean";
        // pagemap's swap_type and frame ride along with its four flags.
        var core = kind == OpKind.Pagemap ? fields & ~(F.SwapType | F.Frame) : fields;
        if (!Fits(shapes, core))
        {
            // Name a field that no shape containing the others allows, or the first missing one.
            var best = shapes.OrderByDescending(s => BitCount(s.Fields & core)).First();
            var extra = core & ~best.Fields;
            var missing = best.Fields & ~core;
            if (kind == OpKind.Pagemap && (fields & (F.SwapType | F.Frame)) != 0 && core == F.None) missing = Pagemap;
            return extra != 0
                ? $"result.{Wire(Lowest(extra))}: \"{kind.WireName()}\" returns {Alternatives(shapes)}, not this field{(BitCount(best.Fields & core) > 0 ? $" with \"{Wire(Lowest(best.Fields & core))}\"" : "")}"
                : $"result: \"{kind.WireName()}\" result needs field \"{Wire(Lowest(missing))}\" ({Alternatives(shapes)})";
        }
        if (r.Signal is { } sig && !Signals.Contains(sig))
            return $"result.signal: unknown signal \"{sig}\" (known: {string.Join(", ", Signals)})";
        if (r.Error is { } err && !Errors.Contains(err))
            return $"result.error: unknown errno \"{err}\" (known: {string.Join(", ", Errors)})";
        if (r.Ok == false)
            return "result.ok: must be true (an op that failed with an errno is {\"error\": ...}; one that did not happen is a \"fail\" completion)";
        if (kind == OpKind.Pagemap)
        {
            if (r.SwapEntry == true && r.SwapType is null) return "result: a pagemap swap entry needs \"swap_type\"";
            if (r.SwapType > HistoryLimits.MaxSwapType) return $"result.swap_type: at most {HistoryLimits.MaxSwapType} (a 5-bit field), found {r.SwapType}";
            if (r.Frame > HistoryLimits.MaxFrame) return $"result.frame: at most {HistoryLimits.MaxFrame} (bits 0-54 of the entry), found {r.Frame}";
            if (r.Frame is { } frame && r.SwapEntry == true && r.SwapType is { } type && frame != 0 && (frame & HistoryLimits.MaxSwapType) != type)
                return $"result.frame: a swap entry's frame carries its type in bits 0-4 ({frame & HistoryLimits.MaxSwapType}), which differs from swap_type {type}";
        }
        // Counts are of pages of one address space, which has at most MaxPages.
        return Count(r.Migrated, "migrated") ?? Count(r.Rss, "rss") ?? Count(r.Anon, "anon") ?? Count(r.Swap, "swap");
    }

    private static string? Count(int? v, string field) =>
        v > HistoryLimits.MaxPages ? $"result.{field}: at most {HistoryLimits.MaxPages} pages (an address space's limit), found {v}" : null;

    private static bool Fits((F Fields, string Text)[] shapes, F fields)
    {
        foreach (var s in shapes)
        {
            if (s.Fields == fields) return true;
        }
        return false;
    }

    private static string Alternatives((F Fields, string Text)[] shapes) => string.Join(" or ", shapes.Select(s => s.Text));
    private static F Lowest(F f) => (F)((int)f & -(int)f);
    private static int BitCount(F f) => System.Numerics.BitOperations.PopCount((uint)f);

    private static string Wire(F f) => f switch
    {
        F.Value => "value", F.Signal => "signal", F.Error => "error", F.Ok => "ok", F.Migrated => "migrated",
        F.Rss => "rss", F.Anon => "anon", F.Swap => "swap", F.Present => "present",
        F.SwapEntry => "swap", F.SwapType => "swap_type", F.Exclusive => "exclusive", F.Frame => "frame", _ => "file",
    };
}
