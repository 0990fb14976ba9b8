namespace Hmm.Spec.Model;

/// <summary>
/// struct anon_vma: page->mapping of anonymous pages (PageAnon). A fork child gets its own anon_vma chained to
/// the parent's; pages keep the anon_vma they were first mapped with, as in the kernel.
/// </summary>
internal sealed class AnonVma(string name)
{
    public string Name { get; } = name;

    /// <summary>
    /// anon_vma->parent: the anon_vma of the VMA this one's VMA was forked from (anon_vma_fork). A fork child's VMA
    /// is linked (anon_vma_chain) into its parent's anon_vmas too, so an rmap walk from a page whose anon_vma is an
    /// ancestor finds the child's VMA.
    /// </summary>
    public AnonVma? Parent { get; init; }

    /// <summary>Whether a VMA with this anon_vma is on <paramref name="other"/>'s chain (it or an ancestor).</summary>
    public bool ChainContains(AnonVma other)
    {
        for (var a = this; a is not null; a = a.Parent)
        {
            if (ReferenceEquals(a, other))
                return true;
        }
        return false;
    }

    public override string ToString() => $"anon_vma {Name}";
}

/// <summary>
/// The shmem object behind a shared anonymous mapping or a memfd (mm/shmem.c reduced to its page cache): pages
/// indexed by pgoff, each holding one page-cache reference. A shared anonymous object (shmem_zero_setup) lives
/// while a VMA maps it (get_file/fput); a <see cref="Named"/> memfd object is held open by the scenario's file
/// descriptor, has an i_size that ftruncate changes, an i_rwsem (inode_lock) and an i_mmap_rwsem over the VMAs
/// that map it. Pages are PageSwapBacked and not PageAnon (MM_SHMEMPAGES).
/// </summary>
internal sealed class ShmemFile(string name)
{
    private readonly SortedDictionary<long, Page> _cache = [];

    public string Name { get; } = name;
    /// <summary>Number of VMAs mapping the object (the file's f_count in the model).</summary>
    public int Users { get; internal set; }
    public IReadOnlyDictionary<long, Page> PageCache => _cache;

    /// <summary>A memfd_create'd file named in a scenario (truncatable); false for shmem_zero_setup objects.</summary>
    public bool Named => IRwsem is not null;
    /// <summary>i_size in pages (memfd only; a shmem_zero_setup object is exactly as large as its one VMA).</summary>
    public long SizePages { get; internal set; } = long.MaxValue;
    /// <summary>inode->i_rwsem (inode_lock), taken by ftruncate; memfd only.</summary>
    public Locking.RwSemaphore? IRwsem { get; internal set; }
    /// <summary>mapping->i_mmap_rwsem: read for the unmap_mapping_range walk, write to link/unlink a VMA; memfd only.</summary>
    public Locking.RwSemaphore? IMmapRwsem { get; internal set; }

    internal Page? Find(long pgoff) => _cache.GetValueOrDefault(pgoff);
    internal void Insert(long pgoff, Page page) => _cache[pgoff] = page;
    internal bool Remove(long pgoff) => _cache.Remove(pgoff);

    public override string ToString() => $"shmem {Name}";
}
