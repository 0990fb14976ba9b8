using System.Runtime;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// Asks the runtime not to collect while a short batch job runs. Almost everything a check allocates stays
/// live until the verdict (the memo cache holds every explored state), so collections there copy and mark
/// live data and free nothing; skipping them is measured in docs/performance.md ("Oracle"). The allowance is
/// bounded: past it the runtime simply collects as usual. Taking part is best-effort: when another region is
/// already taken (two checks at once in one process), the second does nothing.
/// </summary>
internal sealed class NoGcRegion : IDisposable
{
    /// <summary>At most this much is allocated without collecting (so peak memory stays well under 1 GiB).</summary>
    public const long MaxAllowance = 512L << 20;

    /// <summary>1 while some instance owns the region. Asking for a second region would end the first one
    /// (the runtime's rule), so only one instance in the process ever asks.</summary>
    private static int _owned;

    private NoGcRegion(long bytes)
    {
        if (Interlocked.CompareExchange(ref _owned, 1, 0) != 0) return;
        try
        {
            Entered = GCSettings.LatencyMode != GCLatencyMode.NoGCRegion && GC.TryStartNoGCRegion(bytes);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException)
        {
            Entered = false;
        }
        if (!Entered)
        {
            Volatile.Write(ref _owned, 0);
            return;
        }
        // The region's memory is committed now and not yet touched: the place to ask for huge pages.
        HugePageBytes = HugePages.AdviseHeap();
    }

    /// <summary>
    /// A region sized for reading and checking <paramref name="path"/>: a check allocates about 9 bytes per byte
    /// of history (measured on the generated histories), so 12 per byte plus 32 MiB, capped.
    /// </summary>
    public static NoGcRegion ForHistory(string path)
    {
        long size;
        try
        {
            size = new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            size = 0;   // the reader reports the problem
        }
        return new NoGcRegion(Math.Min(MaxAllowance, (32L << 20) + 12 * size));
    }

    /// <summary>This instance started the region (and ends it on dispose).</summary>
    public bool Entered { get; }

    /// <summary>Bytes of the heap's mappings advised to use transparent huge pages (<see cref="HugePages"/>).</summary>
    public long HugePageBytes { get; }

    public void Dispose()
    {
        if (!Entered) return;
        // Allocating past the allowance ends the region by itself; ending it again would throw.
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // Ended meanwhile (a collection was induced or the allowance ran out).
            }
        }
        Volatile.Write(ref _owned, 0);
    }
}
