namespace Hmm.Spec.Model;

/// <summary>
/// mm/shmem.c reduced to the page cache of a shared anonymous mapping: shmem_fault (find or allocate the page,
/// return it locked with a reference) and the final fput (truncate: drop every page-cache reference).
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>shmem_fault → shmem_getpage_gfp: the page at <paramref name="pgoff"/>, locked, with a reference; null on ENOMEM.</summary>
    private Page? shmem_fault(ShmemFile file, long pgoff, string caller)
    {
        const string fn = nameof(shmem_fault);
        _ = caller;
        Point(StepKind.Read, $"{file} page cache");
        var page = file.Find(pgoff);
        Record(StepKind.Read, fn, $"{file} page cache", page is null ? $"index {pgoff}: none" : $"index {pgoff}: pfn={page.Pfn}");
        if (page is null)
        {
            page = Buddy.alloc_page(fn);
            if (page is null)
                return null;
            page.WriteMapping(file, pgoff, fn);
            Step(StepKind.Write, fn, $"{file} page cache", $"index {pgoff} <- pfn={page.Pfn}");
            file.Insert(pgoff, page); // the page cache's reference is the allocation's
        }
        page.Lock(fn);
        get_page(page, fn);
        return page;
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
