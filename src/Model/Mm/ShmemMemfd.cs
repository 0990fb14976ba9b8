namespace Hmm.Spec.Model;

/// <summary>
/// shmem_getpage_gfp for a memfd (mm/shmem.c v4.11, SGP_CACHE), where ftruncate can run concurrently: the
/// lookup takes its reference before locking (find_lock_entry), insertion fails on an occupied slot, and i_size
/// is checked with the page locked, before and after allocation.
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// find_lock_entry (find_get_entry: page_cache_get_speculative, then the slot must still hold the page;
    /// lock_page; page->mapping re-checked, else repeat); an index at or beyond i_size is -EINVAL
    /// (VM_FAULT_SIGBUS). A missing page is allocated, locked and added (radix_tree_insert: -EEXIST on an
    /// occupied slot, then repeat), and "perhaps the file has been truncated since we checked": i_size again,
    /// beyond it delete_from_page_cache and VM_FAULT_SIGBUS. Returns the page locked with a reference.
    /// </summary>
    private int shmem_getpage_memfd(ShmemFile file, long pgoff, out Page? page)
    {
        const string fn = "shmem_getpage_gfp";
        while (true)
        {
            page = null;
            var found = find_get_entry(file, pgoff, fn);
            if (found is not null)
            {
                found.Lock(fn);
                if (!ReferenceEquals(found.ReadMapping(fn), file))
                {
                    found.Unlock(fn); // truncated meanwhile
                    put_page(found, fn);
                    continue;
                }
            }
            if (pgoff >= memfd_i_size(file, fn))
            {
                if (found is not null)
                {
                    found.Unlock(fn);
                    put_page(found, fn);
                }
                return VmFault.VM_FAULT_SIGBUS;
            }
            if (found is not null)
            {
                page = found;
                return 0;
            }

            var fresh = Buddy.alloc_page(fn);
            if (fresh is null)
                return VmFault.VM_FAULT_OOM;
            fresh.Lock(fn); // __SetPageLocked before shmem_add_to_page_cache
            Point(StepKind.Write, $"{file} page cache");
            if (file.Find(pgoff) is not null)
            {
                Record(StepKind.Write, fn, $"{file} page cache", $"index {pgoff}: -EEXIST");
                fresh.Unlock(fn);
                put_page(fresh, fn);
                continue;
            }
            file.Insert(pgoff, fresh); // the page cache's reference is the allocation's
            Record(StepKind.Write, fn, $"{file} page cache", $"index {pgoff} <- pfn={fresh.Pfn}");
            fresh.WriteMapping(file, pgoff, fn);
            if (pgoff >= memfd_i_size(file, fn))
            {
                file.Remove(pgoff);
                Step(StepKind.Write, "delete_from_page_cache", $"{file} page cache", $"index {pgoff} -> none");
                fresh.WriteMapping(null, 0, "delete_from_page_cache");
                fresh.Unlock(fn);
                put_page(fresh, fn);
                return VmFault.VM_FAULT_SIGBUS;
            }
            get_page(fresh, fn);
            page = fresh;
            return 0;
        }
    }

    /// <summary>
    /// find_get_entry (mm/filemap.c v4.11): the page in the slot with a reference (page_cache_get_speculative,
    /// which fails on a page being freed), re-checked to still be in the slot; null for an empty slot.
    /// </summary>
    private Page? find_get_entry(ShmemFile file, long pgoff, string function)
    {
        while (true)
        {
            Point(StepKind.Read, $"{file} page cache");
            var page = file.Find(pgoff);
            Record(StepKind.Read, function, $"{file} page cache", page is null ? $"index {pgoff}: none" : $"index {pgoff}: pfn={page.Pfn}");
            if (page is null)
                return null;
            if (!get_page_unless_zero(page, function))
                continue;
            Point(StepKind.Read, $"{file} page cache");
            var again = file.Find(pgoff);
            Record(StepKind.Read, function, $"{file} page cache", ReferenceEquals(again, page) ? $"index {pgoff}: still pfn={page.Pfn}" : $"index {pgoff}: changed");
            if (ReferenceEquals(again, page))
                return page;
            put_page(page, function);
        }
    }

    /// <summary>i_size_read, in pages.</summary>
    private long memfd_i_size(ShmemFile file, string function)
    {
        Point(StepKind.Read, $"{file} i_size");
        var size = file.SizePages;
        Record(StepKind.Read, function, $"{file} i_size", $"{size} pages");
        return size;
    }
}
