namespace Hmm.Spec.Model.Hotplug;

/// <summary>
/// Resource descriptors, include/linux/ioport.h (v4.11) plus the seed hunk that adds
/// <see cref="UnaddressableMemory"/> = 6.
/// </summary>
internal enum IoresDesc
{
    None = 0,
    CrashKernel = 1,
    AcpiTables = 2,
    AcpiNvStorage = 3,
    PersistentMemory = 4,
    PersistentMemoryLegacy = 5,
    /// <summary>Seed hunk, include/linux/ioport.h: IORES_DESC_UNADDRESSABLE_MEMORY.</summary>
    UnaddressableMemory = 6,
}

/// <summary>IORESOURCE_* flag bits used by the hotplug paths (include/linux/ioport.h, v4.11 values).</summary>
[Flags]
internal enum IoresourceFlags : ulong
{
    None = 0,
    Mem = 0x0000_0200,
    Sysram = 0x0100_0000,
    Busy = 0x8000_0000,
    /// <summary>IORESOURCE_SYSTEM_RAM = IORESOURCE_MEM | IORESOURCE_SYSRAM.</summary>
    SystemRam = Mem | Sysram,
}

/// <summary>Answer of region_intersects() (kernel/resource.c, v4.11).</summary>
internal enum RegionIntersection
{
    Disjoint,
    Intersects,
    Mixed,
}
