namespace Hmm.Spec.Oracle.Ops;

/// <summary>
/// The user-visible operations of the scenario and history vocabulary (docs/scenario-format.md,
/// docs/history-format.md). The wire name of each kind is given by <c>OpKinds.WireName</c>.
/// </summary>
public enum OpKind
{
    Mmap,
    MmapPfn,
    Munmap,
    MadviseDontneed,
    Mprotect,
    Read,
    Write,
    Fork,
    Exit,
    MigrateToDevice,
    MigrateToSystem,
    DeviceRead,
    DeviceWrite,
    DeviceRemove,
    HotplugAdd,
    Smaps,
    Pagemap,
    /// <summary>ftruncate of a memfd named by an mmap's "file" (new size in pages).</summary>
    Ftruncate,
    /// <summary>pread of one page of /proc/PID/mem (get_user_pages_remote with FOLL_FORCE).</summary>
    MemRead,
}

/// <summary>Page protections as written in scenarios: <c>none</c>, <c>r</c>, <c>rw</c>.</summary>
public enum Prot
{
    None,
    Read,
    ReadWrite,
}

public static class OpKinds
{
    private static readonly (OpKind Kind, string Name)[] Names =
    [
        (OpKind.Mmap, "mmap"),
        (OpKind.MmapPfn, "mmap_pfn"),
        (OpKind.Munmap, "munmap"),
        (OpKind.MadviseDontneed, "madvise_dontneed"),
        (OpKind.Mprotect, "mprotect"),
        (OpKind.Read, "read"),
        (OpKind.Write, "write"),
        (OpKind.Fork, "fork"),
        (OpKind.Exit, "exit"),
        (OpKind.MigrateToDevice, "migrate_to_device"),
        (OpKind.MigrateToSystem, "migrate_to_system"),
        (OpKind.DeviceRead, "device_read"),
        (OpKind.DeviceWrite, "device_write"),
        (OpKind.DeviceRemove, "device_remove"),
        (OpKind.HotplugAdd, "hotplug_add"),
        (OpKind.Smaps, "smaps"),
        (OpKind.Pagemap, "pagemap"),
        (OpKind.Ftruncate, "ftruncate"),
        (OpKind.MemRead, "mem_read"),
    ];

    public static string WireName(this OpKind kind) => Names[(int)kind].Name;

    public static bool TryParse(string name, out OpKind kind)
    {
        foreach (var (k, n) in Names)
        {
            if (n == name)
            {
                kind = k;
                return true;
            }
        }
        kind = default;
        return false;
    }

    public static IEnumerable<string> AllWireNames => Names.Select(n => n.Name);

    public static string WireName(this Prot prot) => prot switch
    {
        Prot.None => "none",
        Prot.Read => "r",
        _ => "rw",
    };

    public static bool TryParseProt(string text, out Prot prot)
    {
        switch (text)
        {
            case "none": prot = Prot.None; return true;
            case "r": prot = Prot.Read; return true;
            case "rw": prot = Prot.ReadWrite; return true;
            default: prot = default; return false;
        }
    }
}
