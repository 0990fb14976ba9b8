namespace Hmm.Spec.Model;

/// <summary>
/// mm/shmem.c reduced to the page cache of a shared anonymous mapping: shmem_fault (find or allocate the page,
/// return it locked with a reference) and the final fput (truncate: drop every page-cache reference). The memfd
/// variant of the lookup is in ShmemMemfd.cs, its truncation in Truncate.cs.
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// shmem_fault → shmem_getpage_gfp (mm/shmem.c v4.11): find the page at <paramref name="pgoff"/>, or allocate
    /// and add it to the page cache; the page comes back locked with a reference. A memfd takes
    /// <see cref="shmem_getpage_memfd"/> (truncation can race with it). Returns 0, VM_FAULT_OOM or VM_FAULT_SIGBUS.
    /// </summary>
    private int shmem_fault(ShmemFile file, long pgoff, out Page? page, string caller)
    {
        const string fn = nameof(shmem_fault);
        _ = caller;
        if (file.Named)
            return shmem_getpage_memfd(file, pgoff, out page);
        Point(StepKind.Read, $"{file} page cache");
        page = file.Find(pgoff);
        Record(StepKind.Read, fn, $"{file} page cache", page is null ? $"index {pgoff}: none" : $"index {pgoff}: pfn={page.Pfn}");
        if (page is null)
        {
            page = Buddy.alloc_page(fn);
            if (page is null)
                return VmFault.VM_FAULT_OOM;
            page.WriteMapping(file, pgoff, fn);
            Step(StepKind.Write, fn, $"{file} page cache", $"index {pgoff} <- pfn={page.Pfn}");
            file.Insert(pgoff, page); // the page cache's reference is the allocation's
        }
        page.Lock(fn);
        get_page(page, fn);
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
