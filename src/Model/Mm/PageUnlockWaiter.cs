namespace Hmm.Spec.Model;

/// <summary>
/// One <c>wait_page_queue</c> entry of migration_entry_wait_on_locked (mm/filemap.c, ffa65753c431): queued on
/// the page's hashed wait queue while the PTL pinned the page, woken by the next unlock_page. Sleeping on it
/// touches only the wait queue entry (which lives on the sleeper's stack), never the page, so a page freed or
/// reused meanwhile is not a use-after-free.
/// </summary>
internal sealed class PageUnlockWaiter
{
    private readonly KernelWorld _w;
    // Coyote's controlled semaphore (explore) or the verify scheduler's (IControlledScheduler).
    private readonly SemaphoreSlim? _woken;
    private readonly IControlledSemaphore? _ctlWoken;

    internal PageUnlockWaiter(KernelWorld world, long pfn)
    {
        _w = world;
        Pfn = pfn;
        if (world.Controlled is { } scheduler)
            _ctlWoken = scheduler.CreateSemaphore(0, $"wait_page_queue pfn={pfn}");
        else
            _woken = new(0, 1);
    }

    /// <summary>The pfn the sleeper waited on (for the step log only; the page is not dereferenced).</summary>
    public long Pfn { get; }

    private int _wokenFlag;

    /// <summary>wake_page_function: marks the entry WQ_FLAG_WOKEN (once).</summary>
    internal void Wake()
    {
        if (Interlocked.Exchange(ref _wokenFlag, 1) == 0)
        {
            if (_ctlWoken is null)
                _woken!.Release();
            else
                _ctlWoken.Release();
        }
    }

    /// <summary>The io_schedule loop until WQ_FLAG_WOKEN, then finish_wait (queue entry only).</summary>
    public void Sleep(string function)
    {
        if (_ctlWoken is null)
            _woken!.Wait();
        else
            _ctlWoken.Wait();
        _w.Record(StepKind.Read, function, $"wait_page_queue pfn={Pfn}", "woken by unlock_page (page not touched)");
    }
}
