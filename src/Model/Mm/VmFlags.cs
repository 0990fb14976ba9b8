namespace Hmm.Spec.Model;

/// <summary>vm_flags bits (include/linux/mm.h, v4.11 values).</summary>
internal static class VmFlags
{
    public const ulong VM_READ = 0x00000001;
    public const ulong VM_WRITE = 0x00000002;
    public const ulong VM_EXEC = 0x00000004;
    public const ulong VM_SHARED = 0x00000008;
    public const ulong VM_MAYREAD = 0x00000010;
    public const ulong VM_MAYWRITE = 0x00000020;
    public const ulong VM_MAYEXEC = 0x00000040;
    public const ulong VM_MAYSHARE = 0x00000080;
    public const ulong VM_PFNMAP = 0x00000400;
    public const ulong VM_IO = 0x00004000;
    public const ulong VM_DONTEXPAND = 0x00040000;
    public const ulong VM_ACCOUNT = 0x00100000;
    public const ulong VM_DONTDUMP = 0x04000000;
    public const ulong VM_SOFTDIRTY = 0x08000000;
    public const ulong VM_MIXEDMAP = 0x10000000;

    /// <summary>is_cow_mapping: private and may become writable.</summary>
    public static bool is_cow_mapping(ulong flags) => (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;

    /// <summary>calc_vm_prot_bits for the facade's protections.</summary>
    public static ulong FromProt(VmProt prot) => prot switch
    {
        VmProt.None => 0,
        VmProt.Read => VM_READ,
        VmProt.ReadWrite => VM_READ | VM_WRITE,
        _ => throw new ArgumentOutOfRangeException(nameof(prot)),
    };

    /// <summary>
    /// vm_get_page_prot (x86 protection_map): PAGE_NONE = PROTNONE|ACCESSED; readable = P|USER|ACCESSED;
    /// writable only for shared mappings (PAGE_SHARED); a private writable mapping gets PAGE_COPY (read-only,
    /// written through COW).
    /// </summary>
    public static ulong vm_get_page_prot(ulong flags)
    {
        if ((flags & (VM_READ | VM_WRITE | VM_EXEC)) == 0)
            return Pte._PAGE_PROTNONE | Pte._PAGE_ACCESSED;
        var prot = Pte._PAGE_PRESENT | Pte._PAGE_USER | Pte._PAGE_ACCESSED;
        if ((flags & VM_WRITE) != 0 && (flags & VM_SHARED) != 0)
            prot |= Pte._PAGE_RW;
        return prot;
    }

    public static string Format(ulong flags)
    {
        var parts = new List<string>();
        if ((flags & VM_READ) != 0) parts.Add("r");
        if ((flags & VM_WRITE) != 0) parts.Add("w");
        parts.Add((flags & VM_SHARED) != 0 ? "s" : "p");
        if ((flags & VM_PFNMAP) != 0) parts.Add("pfnmap");
        if ((flags & VM_MIXEDMAP) != 0) parts.Add("mixedmap");
        return string.Join("", parts);
    }
}

/// <summary>The per-mm rss counters (enum of include/linux/mm_types_task.h).</summary>
internal enum MmCounter
{
    MM_FILEPAGES = 0,
    MM_ANONPAGES = 1,
    MM_SWAPENTS = 2,
    MM_SHMEMPAGES = 3,
}
