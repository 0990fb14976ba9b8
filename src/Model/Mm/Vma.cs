namespace Hmm.Spec.Model;

/// <summary>
/// struct vm_area_struct: [Start, End) in pages of its mm, vm_flags, page protection, anon_vma (private
/// anonymous), vm_file (a <see cref="ShmemFile"/> for shared anonymous), and for VM_PFNMAP the first MMIO pfn.
/// VMA bounds and flags change only under mmap_sem held for write.
/// </summary>
internal sealed class Vma
{
    internal Vma(MmStruct mm, long start, long end, ulong flags)
    {
        Mm = mm;
        Start = start;
        End = end;
        Flags = flags;
        PageProt = VmFlags.vm_get_page_prot(flags);
    }

    public MmStruct Mm { get; }
    public long Start { get; internal set; }
    public long End { get; internal set; }
    public ulong Flags { get; internal set; }
    /// <summary>vm_page_prot: the PTE bits for a fresh mapping.</summary>
    public ulong PageProt { get; internal set; }
    public AnonVma? AnonVma { get; internal set; }
    public ShmemFile? File { get; internal set; }
    /// <summary>vm_pgoff: for shmem, page offset of Start in the object; for VM_PFNMAP, the pfn of Start.</summary>
    public long Pgoff { get; internal set; }

    public bool IsPfnMap => (Flags & (VmFlags.VM_PFNMAP | VmFlags.VM_MIXEDMAP)) != 0;
    public bool IsShared => (Flags & VmFlags.VM_SHARED) != 0;
    public bool IsAnonymous => File is null && !IsPfnMap;

    /// <summary>vma_is_accessible.</summary>
    public bool vma_is_accessible() => (Flags & (VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC)) != 0;

    /// <summary>linear_page_index.</summary>
    public long linear_page_index(long address) => address - Start + Pgoff;

    public bool Contains(long address) => address >= Start && address < End;

    public override string ToString() => $"vma {Mm.Name}:[{Start},{End}) {VmFlags.Format(Flags)}";
}
