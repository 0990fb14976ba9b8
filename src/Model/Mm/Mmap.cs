namespace Hmm.Spec.Model;

/// <summary>
/// mm/mmap.c, mm/mprotect.c, mm/madvise.c and kernel/fork.c reduced to what the facade needs: mmap_region,
/// split_vma, do_munmap/unmap_region, mprotect_fixup, madvise_dontneed, dup_mmap and exit_mmap. Callers hold
/// mmap_sem as v4.11 does (write for mmap/munmap/mprotect/fork; read for madvise).
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// mmap_region for an anonymous mapping (private, or shared = shmem_zero_setup), or for a memfd
    /// (<paramref name="file"/>, shared or private, from file offset 0: get_file, then vma_link →
    /// __vma_link_file under i_mmap_rwsem held for write).
    /// </summary>
    internal Vma mmap_region(MmStruct mm, long start, long pages, ulong vmFlags, ShmemFile? file = null)
    {
        const string fn = nameof(mmap_region);
        mm.MmapSem.AssertWriteHeld(fn, "mmap");
        var vma = new Vma(mm, start, start + pages, vmFlags);
        if (file is not null)
        {
            vma.File = file;
            shmem_get_file(file, fn);
            LinkFileVma(vma, mm, fn);
            return vma;
        }
        if ((vmFlags & VmFlags.VM_SHARED) != 0 && (vmFlags & VmFlags.VM_PFNMAP) == 0)
        {
            vma.File = new ShmemFile($"dev/zero:{mm.Name}@{start}"); // shmem_zero_setup
            shmem_get_file(vma.File, fn);
        }
        mm.InsertVma(vma);
        Record(StepKind.Write, fn, $"vmas {mm.Name}", $"insert {vma}");
        return vma;
    }

    /// <summary>vma_link for a memfd VMA: insert it with its file's i_mmap_rwsem held for write (__vma_link_file).</summary>
    private void LinkFileVma(Vma vma, MmStruct mm, string function)
    {
        var lk = vma.File!.IMmapRwsem!;
        lk.DownWrite(function);
        mm.InsertVma(vma);
        Record(StepKind.Write, function, $"vmas {mm.Name}", $"insert {vma}");
        lk.UpWrite(function);
    }

    /// <summary>True if any VMA of <paramref name="mm"/> overlaps [start, start+pages).</summary>
    private static bool Overlaps(MmStruct mm, long start, long pages) =>
        mm.Vmas.Any(v => v.Start < start + pages && start < v.End);

    /// <summary>True if [start, start+pages) is entirely covered by VMAs.</summary>
    private static bool FullyMapped(MmStruct mm, long start, long pages)
    {
        for (var a = start; a < start + pages; a++)
        {
            if (mm.find_vma(a) is null)
                return false;
        }
        return true;
    }

    /// <summary>split_vma: <paramref name="vma"/> keeps [Start, addr), a new VMA gets [addr, End).</summary>
    internal Vma split_vma(Vma vma, long addr)
    {
        const string fn = nameof(split_vma);
        vma.Mm.MmapSem.AssertWriteHeld(fn, "split_vma");
        var tail = new Vma(vma.Mm, addr, vma.End, vma.Flags)
        {
            PageProt = vma.PageProt,
            AnonVma = vma.AnonVma,
            File = vma.File,
            Pgoff = vma.Pgoff + (addr - vma.Start),
        };
        if (tail.File is not null)
            shmem_get_file(tail.File, fn);
        // __vma_adjust: a memfd VMA's bounds change under its file's i_mmap_rwsem.
        var lk = tail.File?.IMmapRwsem;
        lk?.DownWrite(fn);
        vma.End = addr;
        vma.Mm.InsertVma(tail);
        Record(StepKind.Write, fn, $"vmas {vma.Mm.Name}", $"{vma} | {tail}");
        lk?.UpWrite(fn);
        return tail;
    }

    /// <summary>The VMAs covering [start, end), split so that each lies inside the range.</summary>
    private List<Vma> SplitToRange(MmStruct mm, long start, long end)
    {
        foreach (var v in mm.Vmas.ToList())
        {
            if (v.Start < start && start < v.End)
                split_vma(v, start);
        }
        foreach (var v in mm.Vmas.ToList())
        {
            if (v.Start < end && end < v.End)
                split_vma(v, end);
        }
        return mm.Vmas.Where(v => v.Start >= start && v.End <= end).ToList();
    }

    /// <summary>remove_vma: fput for shmem; a memfd VMA is unlinked under i_mmap_rwsem (unlink_file_vma).</summary>
    private void remove_vma(Vma vma, string function)
    {
        var lk = vma.File?.IMmapRwsem;
        lk?.DownWrite(function);
        vma.Mm.RemoveVma(vma);
        Record(StepKind.Write, function, $"vmas {vma.Mm.Name}", $"remove {vma}");
        lk?.UpWrite(function);
        if (vma.File is not null)
            shmem_fput(vma.File, function);
    }

    /// <summary>do_munmap → detach the VMAs, unmap_region (unmap_vmas with details NULL, tlb_finish_mmu), remove_vma.</summary>
    internal void do_munmap(MmStruct mm, long start, long pages)
    {
        const string fn = nameof(do_munmap);
        mm.MmapSem.AssertWriteHeld(fn, "munmap");
        var vmas = SplitToRange(mm, start, start + pages);
        if (vmas.Count == 0)
            return;
        var tlb = tlb_gather_mmu(mm, fullmm: false);
        // unmap_region → unmap_vmas: mmu_notifier_invalidate_range_start/end around the VMAs' zap.
        mmu_notifier_invalidate_range_start(mm, start, start + pages);
        foreach (var vma in vmas)
            unmap_single_vma(tlb, vma, start, start + pages, details: null);
        mmu_notifier_invalidate_range_end(mm, start, start + pages);
        tlb_finish_mmu(tlb);
        foreach (var vma in vmas)
            remove_vma(vma, fn);
    }

    /// <summary>
    /// mprotect_fixup + change_protection: new vm_flags and vm_page_prot for the VMAs in the range, then
    /// change_pte_range with the new protection.
    /// </summary>
    internal void mprotect_fixup(MmStruct mm, long start, long pages, VmProt prot)
    {
        const string fn = nameof(mprotect_fixup);
        mm.MmapSem.AssertWriteHeld(fn, "mprotect");
        foreach (var vma in SplitToRange(mm, start, start + pages))
        {
            var newFlags = (vma.Flags & ~(VmFlags.VM_READ | VmFlags.VM_WRITE)) | VmFlags.FromProt(prot);
            vma.Flags = newFlags;
            vma.PageProt = VmFlags.vm_get_page_prot(newFlags);
            Record(StepKind.Write, fn, $"vmas {mm.Name}", $"{vma}");
            change_protection_range(vma, vma.Start, vma.End, vma.PageProt);
        }
    }

    /// <summary>madvise_dontneed: VM_PFNMAP (and locked/hugetlb) VMAs are refused; zap_page_range with details NULL.</summary>
    internal Errno madvise_dontneed(MmStruct mm, long start, long pages)
    {
        const string fn = nameof(madvise_dontneed);
        mm.MmapSem.AssertHeld(fn, "madvise");
        var unmapped = !FullyMapped(mm, start, pages);
        foreach (var vma in mm.Vmas.Where(v => v.Start < start + pages && start < v.End).ToList())
        {
            if (vma.IsPfnMap)
                return Errno.EINVAL;
            var s = Math.Max(start, vma.Start);
            var e = Math.Min(start + pages, vma.End);
            zap_page_range(vma, s, e - s, details: null);
        }
        return unmapped ? Errno.ENOMEM : Errno.OK;
    }

    /// <summary>
    /// dup_mmap: with both mmap_sems held for write, copy each VMA (anon_vma_fork, get_file) and its page table
    /// (copy_page_range), then flush the parent's TLB.
    /// </summary>
    internal void dup_mmap(MmStruct child, MmStruct parent)
    {
        const string fn = nameof(dup_mmap);
        parent.MmapSem.AssertWriteHeld(fn, "fork (parent)");
        child.MmapSem.AssertWriteHeld(fn, "fork (child)");
        foreach (var vma in parent.Vmas.ToList())
        {
            var copy = new Vma(child, vma.Start, vma.End, vma.Flags)
            {
                PageProt = vma.PageProt,
                File = vma.File,
                Pgoff = vma.Pgoff,
                AnonVma = vma.AnonVma is null ? null : new AnonVma($"{child.Name}@{vma.Start}") { Parent = vma.AnonVma },
            };
            if (copy.File is not null)
                shmem_get_file(copy.File, fn);
            var lk = copy.File?.IMmapRwsem;
            lk?.DownWrite(fn);
            child.InsertVma(copy);
            Record(StepKind.Write, fn, $"vmas {child.Name}", $"insert {copy}");
            lk?.UpWrite(fn);
            copy_page_range(child, parent, vma);
        }
        // v4.11 dup_mmap: flush_tlb_mm(oldmm) after every VMA is copied, before up_write(&oldmm->mmap_sem): until
        // then another CPU may still store through a writable translation of a page copy_one_pte write-protected.
        flush_tlb_mm(parent, fn);
    }

    /// <summary>
    /// exit_mmap: mmu_notifier_release (the mirror lets go of the mm), then unmap every VMA (fullmm, details NULL;
    /// unmap_vmas' range_start/end reach no subscriber any more), free the pages, remove the VMAs.
    /// </summary>
    internal void exit_mmap(MmStruct mm)
    {
        const string fn = nameof(exit_mmap);
        mm.Exited = true;
        mmu_notifier_release(mm);
        var tlb = tlb_gather_mmu(mm, fullmm: true);
        mmu_notifier_invalidate_range_start(mm, 0, long.MaxValue);
        foreach (var vma in mm.Vmas.ToList())
            unmap_single_vma(tlb, vma, vma.Start, vma.End, details: null);
        mmu_notifier_invalidate_range_end(mm, 0, long.MaxValue);
        tlb_finish_mmu(tlb);
        foreach (var vma in mm.Vmas.ToList())
            remove_vma(vma, fn);
    }
}
