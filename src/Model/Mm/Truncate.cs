using Hmm.Spec.Model.Locking;

namespace Hmm.Spec.Model;

/// <summary>
/// Named memfd (shmem) files and their truncation: memfd_create (mm/shmem.c), ftruncate → do_truncate →
/// shmem_setattr (mm/shmem.c v4.11), unmap_mapping_range / unmap_mapping_range_vma (mm/memory.c v4.11),
/// shmem_truncate_range → shmem_undo_range → truncate_inode_page (mm/shmem.c, mm/truncate.c v4.11).
/// ftruncate holds the inode's i_rwsem, takes i_mmap_rwsem for read around the VMA walk and the PTL in
/// zap_pte_range; it takes no mmap_sem.
/// </summary>
public sealed partial class KernelWorld
{
    private readonly Dictionary<string, ShmemFile> _files = new(StringComparer.Ordinal);

    /// <summary>The memfd files by name (they stay open for the whole run).</summary>
    internal IReadOnlyDictionary<string, ShmemFile> Files => _files;

    /// <summary>
    /// memfd_create(name) + ftruncate(fd, pages) the first time a scenario names the file; the same file after
    /// that. The scenario's descriptor keeps the file open, so its page cache lives until the end of the run.
    /// </summary>
    private ShmemFile memfd_open(string name, long pages)
    {
        if (_files.TryGetValue(name, out var f))
            return f;
        f = new ShmemFile($"memfd:{name}")
        {
            SizePages = pages,
            IRwsem = new RwSemaphore(this, $"i_rwsem memfd:{name}"),
            IMmapRwsem = new RwSemaphore(this, $"i_mmap_rwsem memfd:{name}"),
        };
        f.Users = 1; // the descriptor
        _files[name] = f;
        Record(StepKind.Write, "memfd_create", $"{f}", $"i_size {pages} pages");
        return f;
    }

    /// <summary>
    /// shmem_setattr with ATTR_SIZE (mm/shmem.c v4.11), under inode_lock: i_size_write first (new faults beyond
    /// it get SIGBUS); when shrinking, unmap_mapping_range(holebegin, 0, even_cows=1), shmem_truncate_range, and
    /// "unmap again to remove racily COWed private pages".
    /// </summary>
    private void shmem_setattr(ShmemFile file, long newSize)
    {
        const string fn = nameof(shmem_setattr);
        file.IRwsem!.DownWrite(fn);
        try
        {
            var oldSize = file.SizePages;
            if (newSize != oldSize)
            {
                Step(StepKind.Write, fn, $"{file} i_size", $"{oldSize} -> {newSize} pages");
                file.SizePages = newSize;
            }
            if (newSize > oldSize)
                return;
            var holebegin = newSize;
            if (oldSize > holebegin)
                unmap_mapping_range(file, holebegin, 0, evenCows: true);
            shmem_truncate_range(file, newSize);
            if (oldSize > holebegin)
                unmap_mapping_range(file, holebegin, 0, evenCows: true);
        }
        finally
        {
            file.IRwsem.UpWrite(fn);
        }
    }

    /// <summary>
    /// unmap_mapping_range (mm/memory.c v4.11), in pages: <paramref name="holelen"/> 0 means to the end of the
    /// file. details.check_mapping is NULL with <paramref name="evenCows"/> (truncation: private COW pages go
    /// too), else the file's mapping (only its page-cache pages go). Walks the file's VMAs under i_mmap_rwsem
    /// held for read (unmap_mapping_range_tree) and zaps each one's part with the details.
    /// </summary>
    internal void unmap_mapping_range(ShmemFile file, long holebegin, long holelen, bool evenCows)
    {
        const string fn = nameof(unmap_mapping_range);
        var last = holelen == 0 ? long.MaxValue : holebegin + holelen - 1;
        var details = new ZapDetails(evenCows ? null : file, holebegin, last);
        Record(StepKind.Call, fn, $"{file}", $"pgoff [{holebegin}, {(holelen == 0 ? "eof" : (last + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))}) even_cows={(evenCows ? 1 : 0)}");
        var lk = file.IMmapRwsem!;
        lk.DownRead(fn);
        try
        {
            // The i_mmap tree in a fixed order: address spaces by name, VMAs by address.
            var vmas = _mms.Values.OrderBy(m => m.Name, StringComparer.Ordinal)
                .SelectMany(m => m.Vmas.Where(v => ReferenceEquals(v.File, file)).OrderBy(v => v.Start))
                .ToList();
            foreach (var vma in vmas)
                unmap_mapping_range_vma(vma, details);
        }
        finally
        {
            lk.UpRead(fn);
        }
    }

    /// <summary>unmap_mapping_range_vma: the VMA's addresses whose file index lies in [first_index, last_index].</summary>
    private void unmap_mapping_range_vma(Vma vma, ZapDetails details)
    {
        var vbaFirst = vma.Pgoff;
        var vbaLast = vma.Pgoff + (vma.End - vma.Start) - 1;
        var first = Math.Max(vbaFirst, details.FirstIndex);
        var last = Math.Min(vbaLast, details.LastIndex);
        if (first > last)
            return;
        var start = vma.Start + (first - vma.Pgoff);
        zap_page_range_single(vma, start, last - first + 1, details);
    }

    /// <summary>
    /// shmem_truncate_range → shmem_undo_range (mm/shmem.c v4.11): the page-cache pages at or beyond
    /// <paramref name="newSize"/> are looked up with a reference each (pagevec_lookup_entries →
    /// find_get_entries), then each is locked, re-checked (page->mapping still the file), removed with
    /// truncate_inode_page, unlocked, and the lookup reference dropped (pagevec_release).
    /// </summary>
    private void shmem_truncate_range(ShmemFile file, long newSize)
    {
        const string fn = "shmem_undo_range";
        Point(StepKind.Read, $"{file} page cache");
        var slots = file.PageCache.Where(kv => kv.Key >= newSize).Select(kv => kv.Key).ToList();
        Record(StepKind.Read, fn, $"{file} page cache", $"{slots.Count} pages from index {newSize}");
        foreach (var pgoff in slots)
        {
            var page = find_get_entry(file, pgoff, fn);
            if (page is null)
                continue;
            page.Lock(fn);
            if (ReferenceEquals(page.ReadMapping(fn), file))
                truncate_inode_page(file, pgoff, page);
            page.Unlock(fn);
            put_page(page, "pagevec_release");
        }
    }

    /// <summary>
    /// truncate_inode_page (mm/truncate.c v4.11), page locked: a page still mapped is first unmapped with
    /// unmap_mapping_range(index, 1 page, even_cows=0) — check_mapping set, so private COW copies (and device
    /// entries whose page_rmapping is an anon_vma) are kept; then truncate_complete_page →
    /// delete_from_page_cache, which drops the page cache's reference (the caller still holds its own).
    /// </summary>
    private void truncate_inode_page(ShmemFile file, long pgoff, Page page)
    {
        const string fn = nameof(truncate_inode_page);
        if (page_mapcount(page, fn) > 0)
            unmap_mapping_range(file, pgoff, 1, evenCows: false);
        file.Remove(pgoff);
        Step(StepKind.Write, "delete_from_page_cache", $"{file} page cache", $"index {pgoff} -> none");
        page.WriteMapping(null, 0, "delete_from_page_cache");
        put_page(page, "delete_from_page_cache");
    }
}
