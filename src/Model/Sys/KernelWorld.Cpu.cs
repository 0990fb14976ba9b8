namespace Hmm.Spec.Model;

/// <summary>
/// CPU accesses (UserRead/UserWrite). A load/store through the CPU's TLB, or through a present, permitted PTE
/// that the walk then caches, is one atomic hardware step (KernelWorld.Tlb.cs; the kernel frees a page only after
/// clearing its PTE and flushing the TLBs). Otherwise the
/// CPU faults: arch do_page_fault takes mmap_sem for read, finds the VMA (none → SIGSEGV), checks access
/// (access_error → SIGSEGV), calls handle_mm_fault, and the instruction is re-executed.
/// VM_FAULT_SIGBUS and VM_FAULT_HWPOISON deliver SIGBUS; VM_FAULT_SIGSEGV SIGSEGV (mm_fault_error, v4.11). VM_FAULT_OOM
/// is not a signal: mm_fault_error calls pagefault_out_of_memory and returns to user space, which re-executes the
/// instruction, so the fault is retried and counts towards the livelock bound (docs/kernel-model.md, "Fault errors").
/// </summary>
public sealed partial class KernelWorld
{
    public AccessOutcome UserRead(string mm, int page)
    {
        var (value, sig) = CpuAccess(mm, page, write: false, 0);
        return new AccessOutcome(sig == Sig.None ? value : 0, sig);
    }

    public Sig UserWrite(string mm, int page, long value) => CpuAccess(mm, page, write: true, value).Sig;

    private (long Value, Sig Sig) CpuAccess(string mmName, long address, bool write, long value)
    {
        var mm = FindMm(mmName);
        if (mm is null || address < 0)
            return (0, Sig.SIGSEGV);
        var livelock = new FaultRetryGuard(this, write ? "cpu_store" : "cpu_load", $"{mmName}:{address}");
        while (true)
        {
            livelock.BeforeAttempt();
            if (TryHardwareAccess(mm, address, write, value, out var loaded))
                return (loaded, Sig.None);

            int ret;
            mm.MmapSem.DownRead("do_page_fault");
            try
            {
                if (mm.Exited)
                    return (0, Sig.SIGSEGV);
                var vma = mm.find_vma(address);
                if (vma is null)
                    return (0, Sig.SIGSEGV); // bad_area
                if (access_error(write, vma))
                    return (0, Sig.SIGSEGV); // bad_area_access_error
                var flags = VmFault.FAULT_FLAG_USER | (write ? VmFault.FAULT_FLAG_WRITE : 0);
                ret = handle_mm_fault(vma, address, flags);
            }
            finally
            {
                mm.MmapSem.UpRead("do_page_fault");
            }
            if ((ret & VmFault.VM_FAULT_SIGSEGV) != 0)
                return (0, Sig.SIGSEGV);
            if ((ret & VmFault.VM_FAULT_OOM) != 0)
                pagefault_out_of_memory(mm); // mm_fault_error: "return the userspace (which will retry the fault ...)"
            else if ((ret & (VmFault.VM_FAULT_SIGBUS | VmFault.VM_FAULT_HWPOISON)) != 0)
                return (0, Sig.SIGBUS); // do_sigbus
        }
    }

    /// <summary>access_error (arch/x86/mm/fault.c): write needs VM_WRITE; read needs VM_READ/VM_EXEC.</summary>
    private static bool access_error(bool write, Vma vma)
    {
        if (write)
            return (vma.Flags & VmFlags.VM_WRITE) == 0;
        return (vma.Flags & (VmFlags.VM_READ | VmFlags.VM_EXEC | VmFlags.VM_WRITE)) == 0;
    }

    /// <summary>
    /// The MMU. The CPU first looks in its own TLB (a step reading <c>tlb {mm}:{cpu}</c>): a load through any cached
    /// translation, or a store through a writable one whose dirty bit is set, uses the cached pfn without walking
    /// the page table — even if the PTE has changed since, until a flush reaches this CPU. Otherwise the CPU walks
    /// the PTE in the same step: not present, or a store through a read-only PTE, faults (false) and drops this
    /// CPU's entry; else the hardware sets the accessed (and dirty) bit, fills the TLB from the present PTE and
    /// accesses the page. A translation that reaches a free page is use-after-free; one that reaches
    /// un-addressable device memory is unaddressable-mapped.
    /// </summary>
    private bool TryHardwareAccess(MmStruct mm, long address, bool write, long value, out long loaded)
    {
        var fn = write ? "cpu_store" : "cpu_load";
        var cpu = CurrentActor;
        var tlbRes = TlbRes(mm, cpu);
        Point(StepKind.Read, tlbRes);
        loaded = 0;
        long pfn;
        string res;
        var hit = TlbLookupRaw(mm, cpu, address) is { } cached && (!write || (cached.Write && cached.Dirty));
        if (hit)
        {
            pfn = TlbLookupRaw(mm, cpu, address)!.Value.Pfn;
            res = tlbRes;
        }
        else
        {
            res = mm.PteRes(address);
            Touch(StepKind.Read, res);
            var pte = mm.PageTableRaw.GetValueOrDefault(address);
            if (!pte.HardwarePresent || (write && !pte.Has(Pte._PAGE_RW)))
            {
                if (TlbLookupRaw(mm, cpu, address) is not null)
                {
                    Touch(StepKind.Write, tlbRes);
                    TlbDropOwn(mm, cpu, address);
                }
                Record(StepKind.Read, fn, res, new StepDetail(static (mm, a, _) => $"{((MmStruct)mm!).Describe(new Pte((ulong)a))}: page fault", (long)pte.Raw, state: mm));
                return false;
            }
            pfn = pte.RawPfn;
            var updated = pte.Set(Pte._PAGE_ACCESSED | (write ? Pte._PAGE_DIRTY : 0));
            if (updated.Raw != pte.Raw)
            {
                Touch(StepKind.Write, res);
                mm.HardwareSetPte(address, updated);
            }
            Touch(StepKind.Write, tlbRes);
            TlbFill(mm, cpu, address, new TlbEntry(pfn, updated.Has(Pte._PAGE_RW), updated.Has(Pte._PAGE_DIRTY)));
        }
        var page = Memmap.Find(pfn);
        var via = hit ? " (tlb hit)" : "";
        if (page is null)
        {
            if (write)
                MmioWriteRaw(pfn, value);
            else
                loaded = _mmio.GetValueOrDefault(pfn);
            Record(write ? StepKind.Write : StepKind.Read, fn, res, write
                ? new StepDetail(static (_, a, b) => $"mmio pfn={a} <- {b}", pfn, value)
                : new StepDetail(static (_, a, b) => $"mmio pfn={a} = {b}", pfn, loaded));
            return true;
        }
        // The page's state, its pgmap's flags and its data are read or written here without steps of their own.
        Touch(write ? StepKind.Write : StepKind.Read, page.ResourceOf("data"));
        if (page.PgmapRaw is { } devPgmap)
            Touch(StepKind.Read, devPgmap.ResourceOf("flags"));
        if (page.State != PageState.InUse)
            Violation(ViolationCategory.UseAfterFree, fn, $"{res} maps pfn={pfn}{via}, which is {page.State.ToString().ToLowerInvariant()}");
        if (page.Zone == Zone.Device && page.PgmapRaw is { } pgmap && (pgmap.FlagsRaw & MemoryFlags.MEMORY_DEVICE_UNADDRESSABLE) != 0)
            Violation(ViolationCategory.UnaddressableMapped, fn, $"{res} maps un-addressable device page pfn={pfn}{via}");
        if (write)
        {
            page.WriteContentsByHardware(value);
            page.WrittenGhost = true;
        }
        else
            loaded = page.ContentsRaw;
        Record(write ? StepKind.Write : StepKind.Read, fn, res, write
            ? new StepDetail(static (_, a, b) => $"pfn={a} <- {b}", pfn, value)
            : new StepDetail(static (_, a, b) => $"pfn={a} = {b}", pfn, loaded));
        return true;
    }
}
