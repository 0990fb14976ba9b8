namespace Hmm.Spec.Model;

/// <summary>
/// struct anon_vma: page->mapping of anonymous pages (PageAnon). A fork child gets its own anon_vma chained to
/// the parent's; pages keep the anon_vma they were first mapped with, as in the kernel.
/// </summary>
public sealed class AnonVma(string name)
{
    public string Name { get; } = name;
    public override string ToString() => $"anon_vma {Name}";
}

/// <summary>
/// The shmem object behind a shared anonymous mapping (mm/shmem.c reduced to its page cache): pages indexed by
/// pgoff, each holding one page-cache reference; the object lives while a VMA maps it (get_file/fput).
/// Pages are PageSwapBacked and not PageAnon (MM_SHMEMPAGES).
/// </summary>
public sealed class ShmemFile(string name)
{
    private readonly SortedDictionary<long, Page> _cache = [];

    public string Name { get; } = name;
    /// <summary>Number of VMAs mapping the object (the file's f_count in the model).</summary>
    public int Users { get; internal set; }
    public IReadOnlyDictionary<long, Page> PageCache => _cache;

    internal Page? Find(long pgoff) => _cache.GetValueOrDefault(pgoff);
    internal void Insert(long pgoff, Page page) => _cache[pgoff] = page;
    internal bool Remove(long pgoff) => _cache.Remove(pgoff);

    public override string ToString() => $"shmem {Name}";
}
