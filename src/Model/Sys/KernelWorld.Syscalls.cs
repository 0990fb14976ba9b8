namespace Hmm.Spec.Model;

/// <summary>
/// The syscall facade (src/Model/README.md, "The facade"), /proc reads included. Each call takes the locks the
/// kernel takes: mmap_sem for write in mmap/munmap/mprotect/fork (parent and child) and exit; for read in madvise
/// and the /proc walks.
/// An mm comes into existence with its first Mmap/MmapPfn or as a fork child; an unknown or exited mm gives
/// EINVAL. Names of exited mms are not reused.
/// </summary>
public sealed partial class KernelWorld
{
    private static bool BadRange(int page, int pages) => page < 0 || pages <= 0;

    /// <summary>The mm for a facade call that may create it (mmap), or null if the name belongs to an exited mm.</summary>
    private MmStruct? FindOrCreateMm(string name)
    {
        if (_mms.TryGetValue(name, out var mm))
            return mm.Exited || !mm.Born ? null : mm;
        return CreateMm(name);
    }

    /// <summary>mmap(page, pages, prot, MAP_ANONYMOUS | (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED_NOREPLACE).</summary>
    public Errno Mmap(string mm, int page, int pages, VmProt prot, bool shared)
    {
        if (BadRange(page, pages))
            return Errno.EINVAL;
        var flags = shared ? VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE : VmFlags.VM_ACCOUNT;
        return SysMmap(mm, page, pages, prot, flags, vma => Errno.OK);
    }

    /// <summary>
    /// mmap(page, pages, prot, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED_NOREPLACE, fd, 0) of the memfd named
    /// <paramref name="file"/> (scenario op <c>mmap</c> with <c>"file"</c>). The memfd is created on first use
    /// (memfd_create + ftruncate to <paramref name="pages"/>) and stays open for the rest of the run; later
    /// mappings of it keep its size. A private mapping reads the page cache until written (COW).
    /// </summary>
    public Errno Mmap(string mm, int page, int pages, VmProt prot, bool shared, string file)
    {
        if (BadRange(page, pages) || string.IsNullOrEmpty(file))
            return Errno.EINVAL;
        var f = memfd_open(file, pages);
        var flags = shared ? VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE : VmFlags.VM_ACCOUNT;
        return SysMmap(mm, page, pages, prot, flags, vma => Errno.OK, f);
    }

    /// <summary>
    /// sys_mmap's common part: the mm (created on first use), mmap_sem for write, MAP_FIXED_NOREPLACE (EEXIST on
    /// overlap), mmap_region, then <paramref name="populate"/> (the driver's ->mmap for a pfn mapping).
    /// </summary>
    private Errno SysMmap(string mm, int page, int pages, VmProt prot, ulong extraFlags, Func<Vma, Errno> populate, ShmemFile? file = null)
    {
        var m = FindOrCreateMm(mm);
        if (m is null)
            return Errno.EINVAL;
        return UnderMmapSem(m, write: true, "sys_mmap", () =>
        {
            if (Overlaps(m, page, pages))
                return Errno.EEXIST;
            var flags = VmFlags.FromProt(prot) | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC | extraFlags;
            return populate(mmap_region(m, page, pages, flags, file));
        });
    }

    /// <summary>
    /// mmap of a device's MMIO registers: a shared VM_PFNMAP mapping populated by the driver's ->mmap with
    /// remap_pfn_range. The pfns must have no struct page (EINVAL otherwise).
    /// </summary>
    public Errno MmapPfn(string mm, int page, int pages, long pfn, VmProt prot) =>
        MmapPfnMapping(mm, page, pages, pfn, prot, shared: true);

    /// <summary>
    /// As <see cref="MmapPfn"/>, optionally private: a COW VM_PFNMAP mapping (scenario op <c>mmap_pfn</c> with
    /// <c>"shared": false</c>), whose write faults after fork reach the seed's pfn_to_page check in handle_pte_fault
    /// on a pfn that has no struct page.
    /// </summary>
    public Errno MmapPfnMapping(string mm, int page, int pages, long pfn, VmProt prot, bool shared)
    {
        if (BadRange(page, pages) || pfn < 0)
            return Errno.EINVAL;
        for (var p = pfn; p < pfn + pages; p++)
        {
            if (Memmap.pfn_valid(p))
                return Errno.EINVAL;
        }
        // VM_PFNMAP is set by remap_pfn_range; set early so mmap_region makes no shmem object.
        var flags = VmFlags.VM_PFNMAP | (shared ? VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE : 0);
        return SysMmap(mm, page, pages, prot, flags, vma =>
        {
            if (remap_pfn_range(vma, page, pfn, pages, vma.PageProt) == 0)
                return Errno.OK;
            do_munmap(vma.Mm, page, pages);
            return Errno.EINVAL;
        });
    }

    /// <summary>munmap.</summary>
    public Errno Munmap(string mm, int page, int pages)
    {
        if (BadRange(page, pages))
            return Errno.EINVAL;
        var m = FindMm(mm);
        if (m is null)
            return Errno.EINVAL;
        return UnderMmapSem(m, write: true, "sys_munmap", () =>
        {
            do_munmap(m, page, pages);
            return Errno.OK;
        });
    }

    /// <summary>madvise(MADV_DONTNEED): ENOMEM if part of the range is unmapped, EINVAL on VM_PFNMAP.</summary>
    public Errno MadviseDontneed(string mm, int page, int pages)
    {
        if (BadRange(page, pages))
            return Errno.EINVAL;
        var m = FindMm(mm);
        if (m is null)
            return Errno.EINVAL;
        return UnderMmapSem(m, write: false, "sys_madvise", () => madvise_dontneed(m, page, pages));
    }

    /// <summary>mprotect: ENOMEM if part of the range is unmapped (nothing changed then).</summary>
    public Errno Mprotect(string mm, int page, int pages, VmProt prot)
    {
        if (BadRange(page, pages))
            return Errno.EINVAL;
        var m = FindMm(mm);
        if (m is null)
            return Errno.EINVAL;
        return UnderMmapSem(m, write: true, "sys_mprotect", () =>
        {
            if (!FullyMapped(m, page, pages))
                return Errno.ENOMEM;
            mprotect_fixup(m, page, pages, prot);
            return Errno.OK;
        });
    }

    /// <summary>fork: the child gets a copy of the address space. EEXIST if the child name was ever used.</summary>
    public Errno Fork(string mm, string child)
    {
        var parent = FindMm(mm);
        if (parent is null)
            return Errno.EINVAL;
        if (MmNameUsed(child))
            return Errno.EEXIST;
        parent.MmapSem.DownWrite("dup_mmap");
        try
        {
            if (parent.Exited)
                return Errno.EINVAL;
            if (MmNameUsed(child))
                return Errno.EEXIST;
            // The name is taken at once; the child becomes visible (Born) only when fork returns.
            var c = new MmStruct(this, child) { Born = false };
            _mms[child] = c;
            c.MmapSem.DownWrite("dup_mmap");
            try
            {
                dup_mmap(c, parent);
            }
            finally
            {
                c.MmapSem.UpWrite("dup_mmap");
                c.Born = true;
            }
            return Errno.OK;
        }
        finally
        {
            parent.MmapSem.UpWrite("dup_mmap");
        }
    }

    /// <summary>
    /// exit: exit_mmap. v4.11 runs it without mmap_sem once mm_users is 0 (other users, such as a driver mirroring
    /// the mm, fail mmget_not_zero); the model takes mmap_sem for write to exclude them the same way.
    /// </summary>
    public Errno Exit(string mm)
    {
        var m = FindMm(mm);
        if (m is null)
            return Errno.EINVAL;
        return UnderMmapSem(m, write: true, "exit_mmap", () =>
        {
            exit_mmap(m);
            return Errno.OK;
        });
    }

    /// <summary>
    /// A system call body under the mm's mmap_sem, taken for read or write as the kernel takes it; an mm that has
    /// exited meanwhile gives EINVAL.
    /// </summary>
    private static Errno UnderMmapSem(MmStruct m, bool write, string function, Func<Errno> body)
    {
        if (write)
            m.MmapSem.DownWrite(function);
        else
            m.MmapSem.DownRead(function);
        try
        {
            return m.Exited ? Errno.EINVAL : body();
        }
        finally
        {
            if (write)
                m.MmapSem.UpWrite(function);
            else
                m.MmapSem.UpRead(function);
        }
    }

    /// <summary>/proc/PID/smaps totals (Rss, Anonymous, Swap in pages) over all VMAs.</summary>
    public SmapsOutcome Smaps(string mm)
    {
        var m = FindMm(mm);
        if (m is null)
            return new SmapsOutcome(0, 0, 0);
        var mss = new MemSizeStats();
        m.MmapSem.DownRead("show_smap");
        try
        {
            if (m.Exited)
                return new SmapsOutcome(0, 0, 0);
            foreach (var vma in m.Vmas.ToList())
            {
                m.Ptl.Lock("smaps_pte_range");
                try
                {
                    for (var addr = vma.Start; addr < vma.End; addr++)
                        smaps_pte_entry(vma, addr, mss);
                }
                finally
                {
                    m.Ptl.Unlock("smaps_pte_range");
                }
            }
        }
        finally
        {
            m.MmapSem.UpRead("show_smap");
        }
        return new SmapsOutcome(mss.Resident, mss.Anonymous, mss.Swap);
    }

    /// <summary>
    /// One /proc/PID/pagemap entry; SwapType is -1 unless Swap; Frame is the entry's bits 0-54 as
    /// pte_to_pagemap_entry shows them to this reader (<paramref name="privileged"/>: pm->show_pfn, CAP_SYS_ADMIN).
    /// A hole reads as all false.
    /// </summary>
    public PagemapOutcome Pagemap(string mm, int page, bool privileged = false)
    {
        var empty = new PagemapOutcome(false, false, -1, false, false);
        var m = FindMm(mm);
        if (m is null || page < 0)
            return empty;
        m.MmapSem.DownRead("pagemap_read");
        try
        {
            if (m.Exited)
                return empty;
            var vma = m.find_vma(page);
            if (vma is null)
                return empty;
            m.Ptl.Lock("pagemap_pmd_range");
            try
            {
                var pte = m.ReadPte(page, "pagemap_pmd_range");
                var (flags, frame) = pte_to_pagemap_entry(vma, page, pte, showPfn: privileged);
                var swap = (flags & PagemapFlags.PM_SWAP) != 0;
                return new PagemapOutcome(
                    Present: (flags & PagemapFlags.PM_PRESENT) != 0,
                    Swap: swap,
                    SwapType: swap ? (int)(frame & ((1UL << SwapEntry.MAX_SWAPFILES_SHIFT) - 1)) : -1,
                    Exclusive: (flags & PagemapFlags.PM_MMAP_EXCLUSIVE) != 0,
                    File: (flags & PagemapFlags.PM_FILE) != 0,
                    Frame: (long)frame);
            }
            finally
            {
                m.Ptl.Unlock("pagemap_pmd_range");
            }
        }
        finally
        {
            m.MmapSem.UpRead("pagemap_read");
        }
    }

    /// <summary>ftruncate(fd of <paramref name="file"/>, pages): EINVAL for a file no mmap created.</summary>
    public Errno Ftruncate(string file, int pages)
    {
        if (pages < 0 || !_files.TryGetValue(file, out var f))
            return Errno.EINVAL;
        shmem_setattr(f, pages);
        return Errno.OK;
    }

    /// <summary>
    /// pread of one page of /proc/PID/mem: the page's value, or EIO when access_remote_vm copied nothing (a hole,
    /// VM_IO/VM_PFNMAP, a fault that failed; an exited mm reads as nothing too).
    /// </summary>
    public DeviceOutcome MemRead(string mmName, int page)
    {
        const string fn = "access_remote_vm";
        var mm = FindMm(mmName);
        if (mm is null || page < 0)
            return new DeviceOutcome(0, Errno.EIO);
        mm.MmapSem.DownRead(fn);
        try
        {
            if (mm.Exited)
                return new DeviceOutcome(0, Errno.EIO);
            var got = get_user_pages_remote(mm, page, FOLL_FORCE | FOLL_GET | FOLL_TOUCH | FOLL_REMOTE);
            if (got is null)
                return new DeviceOutcome(0, Errno.EIO);
            var value = got.ReadContents("copy_from_user_page");
            put_page(got, fn);
            return new DeviceOutcome(value, Errno.OK);
        }
        finally
        {
            mm.MmapSem.UpRead(fn);
        }
    }
}
