using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// Checks an in-memory <see cref="Op"/> has the fields its kind needs (the reader gets this from
/// <see cref="OpCodec"/>; recorders build ops in code), and that its numbers are within <see cref="HistoryLimits"/>.
/// Returns the problem or null.
/// </summary>
internal static class OpShape
{
    public static string? Problem(Op op)
    {
        var needsMm = op.Kind is not (OpKind.DeviceRemove or OpKind.HotplugAdd or OpKind.Ftruncate);
        if (needsMm && string.IsNullOrEmpty(op.Mm)) return $"op \"{op.Kind.WireName()}\" needs field \"mm\"";
        string? Need(bool present, string field) => present ? null : $"op \"{op.Kind.WireName()}\" needs field \"{field}\"";
        var missing = op.Kind switch
        {
            OpKind.Mmap or OpKind.Munmap or OpKind.MadviseDontneed => Need(op.Page is >= 0, "page") ?? Need(op.Pages is >= 1, "pages"),
            OpKind.MmapPfn => Need(op.Page is >= 0, "page") ?? Need(op.Pages is >= 1, "pages") ?? Need(op.Pfn is >= 0, "pfn"),
            OpKind.Mprotect => Need(op.Page is >= 0, "page") ?? Need(op.Pages is >= 1, "pages") ?? Need(op.Prot is not null, "prot"),
            OpKind.Read or OpKind.DeviceRead or OpKind.Pagemap or OpKind.MemRead => Need(op.Page is >= 0, "page"),
            OpKind.Write or OpKind.DeviceWrite => Need(op.Page is >= 0, "page") ?? Need(op.Value is not null, "value"),
            OpKind.Fork => Need(!string.IsNullOrEmpty(op.Child), "child"),
            OpKind.MigrateToDevice or OpKind.MigrateToSystem => Need(op.Page is >= 0, "page") ?? Need(op.Pages is null or >= 1, "pages"),
            OpKind.HotplugAdd => Need(op.StartPfn is >= 0, "start_pfn") ?? Need(op.Pages is >= 1, "pages"),
            OpKind.Ftruncate => Need(!string.IsNullOrEmpty(op.File), "file") ?? Need(op.Pages is >= 0, "pages"),
            _ => null,
        };
        return missing ?? HistoryLimits.Problem(op);
    }
}
