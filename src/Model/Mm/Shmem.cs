namespace Hmm.Spec.Model;

/// <summary>
/// mm/shmem.c reduced to the page cache of a shared anonymous mapping: shmem_fault (find or allocate the page,
/// return it locked with a reference) and the final fput (truncate: drop every page-cache reference).
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// shmem_fault → shmem_getpage_gfp (mm/shmem.c v4.11): find_lock_entry at <paramref name="pgoff"/>, or
    /// allocate and add to the page cache; the page comes back locked with a reference. For a memfd the found
    /// page is re-checked under its lock (page->mapping: truncation may have removed it meanwhile, then repeat)
    /// and an index at or beyond i_size is VM_FAULT_SIGBUS (-EINVAL from shmem_getpage_gfp for SGP_CACHE).
    /// Returns 0, VM_FAULT_OOM or VM_FAULT_SIGBUS.
    /// </summary>
    private int shmem_fault(ShmemFile file, long pgoff, out Page? page, string caller)
    {
        const string fn = nameof(shmem_fault);
        _ = caller;
        while (true)
        {
            Point(StepKind.Read, $"{file} page cache");
            page = file.Find(pgoff);
            Record(StepKind.Read, fn, $"{file} page cache", page is null ? $"index {pgoff}: none" : $"index {pgoff}: pfn={page.Pfn}");
            if (!file.Named)
                break;
            if (page is not null)
            {
                page.Lock(fn);
                if (!ReferenceEquals(page.ReadMapping(fn), file))
                {
                    page.Unlock(fn); // truncated meanwhile: repeat
                    continue;
                }
            }
            Point(StepKind.Read, $"{file} i_size");
            var size = file.SizePages;
            Record(StepKind.Read, fn, $"{file} i_size", $"{size} pages");
            if (pgoff >= size)
            {
                page?.Unlock(fn);
                page = null;
                return VmFault.VM_FAULT_SIGBUS;
            }
            if (page is not null)
            {
                get_page(page, fn);
                return 0;
            }
            break;
        }
        if (page is null)
        {
            page = Buddy.alloc_page(fn);
            if (page is null)
                return VmFault.VM_FAULT_OOM;
            if (file.Named)
                return shmem_add_new_page(file, pgoff, ref page);
            page.WriteMapping(file, pgoff, fn);
            Step(StepKind.Write, fn, $"{file} page cache", $"index {pgoff} <- pfn={page.Pfn}");
            file.Insert(pgoff, page); // the page cache's reference is the allocation's
        }
        page.Lock(fn);
        get_page(page, fn);
        return 0;
    }

    /// <summary>
    /// The memfd allocation path of shmem_getpage_gfp: __SetPageLocked, shmem_add_to_page_cache, then "perhaps
    /// the file has been truncated since we checked": i_size again, and beyond it delete_from_page_cache and
    /// -EINVAL (VM_FAULT_SIGBUS).
    /// </summary>
    private int shmem_add_new_page(ShmemFile file, long pgoff, ref Page? page)
    {
        const string fn = "shmem_getpage_gfp";
        var p = page!;
        p.Lock(fn);
        p.WriteMapping(file, pgoff, fn);
        Step(StepKind.Write, fn, $"{file} page cache", $"index {pgoff} <- pfn={p.Pfn}");
        file.Insert(pgoff, p); // the page cache's reference is the allocation's
        Point(StepKind.Read, $"{file} i_size");
        var size = file.SizePages;
        Record(StepKind.Read, fn, $"{file} i_size", $"{size} pages");
        if (pgoff >= size)
        {
            file.Remove(pgoff);
            Step(StepKind.Write, "delete_from_page_cache", $"{file} page cache", $"index {pgoff} -> none");
            p.WriteMapping(null, 0, "delete_from_page_cache");
            p.Unlock(fn);
            put_page(p, fn);
            page = null;
            return VmFault.VM_FAULT_SIGBUS;
        }
        get_page(p, fn);
        return 0;
    }

    /// <summary>get_file: one more VMA maps the shmem object.</summary>
    private void shmem_get_file(ShmemFile file, string function)
    {
        file.Users++;
        Record(StepKind.Write, function, $"{file}", $"f_count -> {file.Users}");
    }

    /// <summary>fput; the last reference evicts the inode (shmem_evict_inode → truncate_inode_pages).</summary>
    private void shmem_fput(ShmemFile file, string function)
    {
        file.Users--;
        Record(StepKind.Write, function, $"{file}", $"f_count -> {file.Users}");
        if (file.Users > 0)
            return;
        foreach (var (pgoff, page) in file.PageCache.ToList())
        {
            page.Lock(nameof(shmem_fput));
            file.Remove(pgoff);
            Step(StepKind.Write, "truncate_inode_pages", $"{file} page cache", $"index {pgoff} -> none");
            page.WriteMapping(null, 0, "truncate_inode_pages");
            page.Unlock("truncate_inode_pages");
            put_page(page, "truncate_inode_pages");
        }
    }
}
