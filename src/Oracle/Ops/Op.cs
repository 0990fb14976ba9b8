namespace Hmm.Spec.Oracle.Ops;

/// <summary>
/// One operation, in the scenario/history vocabulary. Fields that an op does not use are null;
/// <see cref="OpCodec"/> enforces which fields each kind requires and allows.
/// Addresses are page indexes in the named address space <see cref="Mm"/>.
/// </summary>
public sealed record Op
{
    public required OpKind Kind { get; init; }
    /// <summary>Address space name ("A", "B", ...). Null only for device_remove, hotplug_add and ftruncate.</summary>
    public string? Mm { get; init; }
    public int? Page { get; init; }
    public int? Pages { get; init; }
    public Prot? Prot { get; init; }
    public bool? Shared { get; init; }
    /// <summary>First MMIO pfn for mmap_pfn.</summary>
    public long? Pfn { get; init; }
    public long? Value { get; init; }
    /// <summary>Name of the child address space for fork.</summary>
    public string? Child { get; init; }
    public long? StartPfn { get; init; }
    /// <summary>Name of a memfd file: mmap maps it (created on first use), ftruncate resizes it.</summary>
    public string? File { get; init; }
    /// <summary>
    /// pagemap: the reader may see physical frames (CAP_SYS_ADMIN when it opened the file: pm->show_pfn). Absent or
    /// false: an unprivileged reader.
    /// </summary>
    public bool? Privileged { get; init; }

    public override string ToString() => OpCodec.Format(this);
}
