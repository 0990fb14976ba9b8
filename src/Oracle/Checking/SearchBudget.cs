using System.Diagnostics;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Checking;

/// <summary>
/// What the searches of one check have spent, shared by its partitions: memo entries and an estimate of the
/// bytes they hold, against <see cref="CheckOptions"/>'s bounds, plus the time budget.
/// </summary>
internal sealed class SearchBudget(CheckOptions options, Stopwatch clock)
{
    private long _states, _bytes;

    public long States => Interlocked.Read(ref _states);
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>One memo entry more, holding <paramref name="bytes"/>.</summary>
    public void Spend(long bytes)
    {
        Interlocked.Increment(ref _states);
        Interlocked.Add(ref _bytes, bytes);
    }

    public long MaxStates => options.MaxStates;

    public void AddStates(long states) => Interlocked.Add(ref _states, states);

    public bool Exhausted(CancellationToken cancel) =>
        cancel.IsCancellationRequested || options.Budget is { } b && clock.Elapsed > b
        || States > options.MaxStates || Bytes > options.MemoryBytes;

    /// <summary>Which budget ran out, for the verdict's message.</summary>
    public string Why() =>
        States > options.MaxStates ? $"state budget of {options.MaxStates} exhausted"
        : Bytes > options.MemoryBytes ? $"memory budget of {options.MemoryBytes >> 20} MiB exhausted ({States} states)"
        : $"time budget of {options.Budget?.TotalSeconds:0.###} s exhausted";

    /// <summary>
    /// Estimated bytes of a memo entry: the hash-set slot with its key (about 72 bytes with the table's slack),
    /// the extras array, and a state set built for it (shared parts of states are counted again: an over-estimate).
    /// </summary>
    public static long EntryBytes(int extras, StateSet? fresh)
    {
        long bytes = 72 + (extras == 0 ? 0 : 24 + 4L * extras) + 24;   // the last 24: its node of the linearization path
        if (fresh is null) return bytes;
        bytes += 48 + 8L * fresh.Count;
        foreach (var s in fresh.States)
        {
            bytes += 96 + 20L * s.Frames.Count + 16L * s.Shm.Count;
            foreach (var (_, m) in s.Mms) bytes += 40 + 12L * m.Pages.Count;
        }
        return bytes;
    }
}
