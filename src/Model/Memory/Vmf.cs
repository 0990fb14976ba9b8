namespace Hmm.Spec.Model;

/// <summary>struct vm_fault (v4.11): the state a page fault carries through mm/memory.c.</summary>
internal sealed class Vmf(Vma vma, long address, int flags)
{
    public Vma Vma { get; } = vma;
    public MmStruct Mm => Vma.Mm;
    public long Address { get; } = address;
    /// <summary>FAULT_FLAG_*.</summary>
    public int Flags { get; set; } = flags;
    /// <summary>The PTE value read (locklessly) at the start of the fault.</summary>
    public Pte OrigPte { get; set; }
    /// <summary>vmf->page.</summary>
    public Page? Page { get; set; }

    public bool IsWrite => (Flags & VmFault.FAULT_FLAG_WRITE) != 0;
}
