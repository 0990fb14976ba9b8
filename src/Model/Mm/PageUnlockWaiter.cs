namespace Hmm.Spec.Model;

/// <summary>
/// One <c>wait_page_queue</c> entry of migration_entry_wait_on_locked (mm/filemap.c, ffa65753c431): queued on
/// the page's hashed wait queue while the PTL pinned the page, woken by the next unlock_page. Sleeping on it
/// touches only the wait queue entry (which lives on the sleeper's stack), never the page, so a page freed or
/// reused meanwhile is not a use-after-free.
/// </summary>
public sealed class PageUnlockWaiter
{
    private readonly KernelWorld _w;
    private readonly SemaphoreSlim _woken = new(0, 1);

    internal PageUnlockWaiter(KernelWorld world, long pfn)
    {
        _w = world;
        Pfn = pfn;
    }

    /// <summary>The pfn the sleeper waited on (for the step log only; the page is not dereferenced).</summary>
    public long Pfn { get; }

    private int _wokenFlag;

    /// <summary>wake_page_function: marks the entry WQ_FLAG_WOKEN (once).</summary>
    internal void Wake()
    {
        if (Interlocked.Exchange(ref _wokenFlag, 1) == 0)
            _woken.Release();
    }

    /// <summary>The io_schedule loop until WQ_FLAG_WOKEN, then finish_wait (queue entry only).</summary>
    public void Sleep(string function)
    {
        _woken.Wait();
        _w.Record(StepKind.Read, function, $"wait_page_queue pfn={Pfn}", "woken by unlock_page (page not touched)");
    }
}
