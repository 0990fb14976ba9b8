using System.Collections.Immutable;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reference;

/// <summary>How a page of an address space is backed.</summary>
public enum MapKind : byte
{
    /// <summary>Private anonymous memory: copy-on-write across fork; may migrate to device memory.</summary>
    Private,
    /// <summary>Shared anonymous memory (shmem): one object shared by every process that maps it.</summary>
    Shared,
    /// <summary>MMIO pfns (VM_PFNMAP): no struct page, no memory semantics.</summary>
    Pfn,
}

/// <summary>
/// One mapped page of an address space. For <see cref="MapKind.Private"/>, <see cref="Slot"/> is
/// <see cref="SlotNone"/> (never touched or zapped), <see cref="SlotZero"/> (read-faulted, reads 0) or a frame id.
/// For <see cref="MapKind.Shared"/>, <see cref="ShmKey"/> names the shmem page.
/// </summary>
public readonly record struct PageMap(Prot Prot, MapKind Kind, int Slot, long ShmKey)
{
    public const int SlotNone = 0;
    public const int SlotZero = -1;
}

/// <summary>A private page's contents and residency; <see cref="MapCount"/> counts the address spaces mapping it.</summary>
public readonly record struct Frame(long Value, bool OnDevice, int MapCount);

/// <summary>An address space: exited or not, and its mapped pages by page index.</summary>
public sealed class MmState : IEquatable<MmState>
{
    public static readonly MmState Fresh = new(false, ImmutableSortedDictionary<int, PageMap>.Empty);

    public MmState(bool exited, ImmutableSortedDictionary<int, PageMap> pages)
    {
        Exited = exited;
        Pages = pages;
    }

    public bool Exited { get; }
    public ImmutableSortedDictionary<int, PageMap> Pages { get; }

    private int _hash;

    public MmState WithPages(ImmutableSortedDictionary<int, PageMap> pages) => new(Exited, pages);

    public bool Equals(MmState? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other.Exited != Exited || other.Pages.Count != Pages.Count
            || other.GetHashCode() != GetHashCode()) return false;
        return RefState.SameEntries(Pages, other.Pages);
    }

    public override bool Equals(object? obj) => Equals(obj as MmState);

    public override int GetHashCode()
    {
        if (_hash != 0) return _hash;
        var h = new HashCode();
        h.Add(Exited);
        foreach (var (k, v) in Pages) { h.Add(k); h.Add(v); }
        var r = h.ToHashCode();
        return _hash = r == 0 ? 1 : r;
    }
}

/// <summary>
/// The reference model's whole abstract state (docs/reference-model.md). Immutable; equality is structural
/// (allocation counters excluded), so it can key the checker's memo cache.
/// </summary>
public sealed class RefState : IEquatable<RefState>
{
    public static readonly RefState Empty = new(
        ImmutableSortedDictionary<string, MmState>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableSortedDictionary<int, Frame>.Empty,
        ImmutableSortedDictionary<long, long>.Empty,
        ImmutableList<(long Start, long End)>.Empty,
        deviceGone: false, nextObject: 1);

    public RefState(
        ImmutableSortedDictionary<string, MmState> mms,
        ImmutableSortedDictionary<int, Frame> frames,
        ImmutableSortedDictionary<long, long> shm,
        ImmutableList<(long Start, long End)> hotplugged,
        bool deviceGone,
        int nextObject)
    {
        Mms = mms;
        Frames = frames;
        Shm = shm;
        Hotplugged = hotplugged;
        DeviceGone = deviceGone;
        NextObject = nextObject;
    }

    public ImmutableSortedDictionary<string, MmState> Mms { get; }
    /// <summary>Private pages' contents by frame id.</summary>
    public ImmutableSortedDictionary<int, Frame> Frames { get; }
    /// <summary>Populated shmem pages: key (object &lt;&lt; 32 | page) to contents.</summary>
    public ImmutableSortedDictionary<long, long> Shm { get; }
    /// <summary>System-RAM ranges added by hotplug_add, [Start, End).</summary>
    public ImmutableList<(long Start, long End)> Hotplugged { get; }
    /// <summary>device_remove has released the device memory.</summary>
    public bool DeviceGone { get; }
    /// <summary>Next shmem object id (a counter; not part of equality).</summary>
    public int NextObject { get; }

    private int _hash;

    public RefState With(
        ImmutableSortedDictionary<string, MmState>? mms = null,
        ImmutableSortedDictionary<int, Frame>? frames = null,
        ImmutableSortedDictionary<long, long>? shm = null,
        ImmutableList<(long Start, long End)>? hotplugged = null,
        bool? deviceGone = null,
        int? nextObject = null) =>
        new(mms ?? Mms, frames ?? Frames, shm ?? Shm, hotplugged ?? Hotplugged, deviceGone ?? DeviceGone,
            nextObject ?? NextObject);

    public bool TryGetLive(string? mm, out MmState state)
    {
        if (mm is not null && Mms.TryGetValue(mm, out var s) && !s.Exited)
        {
            state = s;
            return true;
        }
        state = MmState.Fresh;
        return false;
    }

    /// <summary>The smallest frame id not in use, so equal contents tend to get equal ids.</summary>
    public int FreeFrameId()
    {
        var expect = 1;
        foreach (var k in Frames.Keys)
        {
            if (k != expect) break;
            expect++;
        }
        return expect;
    }

    /// <summary>Pages of system RAM this state certainly or possibly occupies (zero-page slots counted).</summary>
    public int SystemPagesUpperBound()
    {
        var n = Shm.Count;
        foreach (var f in Frames.Values)
        {
            if (!f.OnDevice) n++;
        }
        foreach (var mm in Mms.Values)
        {
            foreach (var p in mm.Pages.Values)
            {
                if (p.Kind == MapKind.Private && p.Slot == PageMap.SlotZero) n++;
            }
        }
        return n;
    }

    public bool Equals(RefState? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other.GetHashCode() != GetHashCode() || other.DeviceGone != DeviceGone
            || other.Mms.Count != Mms.Count || other.Frames.Count != Frames.Count || other.Shm.Count != Shm.Count
            || other.Hotplugged.Count != Hotplugged.Count) return false;
        return SameEntries(Mms, other.Mms) && SameEntries(Frames, other.Frames) && SameEntries(Shm, other.Shm)
               && Hotplugged.SequenceEqual(other.Hotplugged);
    }

    public override bool Equals(object? obj) => Equals(obj as RefState);

    public override int GetHashCode()
    {
        if (_hash != 0) return _hash;
        var h = new HashCode();
        h.Add(DeviceGone);
        foreach (var (k, v) in Mms) { h.Add(k); h.Add(v.GetHashCode()); }
        foreach (var (k, v) in Frames) { h.Add(k); h.Add(v); }
        foreach (var (k, v) in Shm) { h.Add(k); h.Add(v); }
        foreach (var r in Hotplugged) h.Add(r);
        var result = h.ToHashCode();
        return _hash = result == 0 ? 1 : result;
    }

    internal static bool SameEntries<TKey, TValue>(ImmutableSortedDictionary<TKey, TValue> a, ImmutableSortedDictionary<TKey, TValue> b)
        where TKey : notnull
    {
        using var ea = a.GetEnumerator();
        using var eb = b.GetEnumerator();
        while (ea.MoveNext())
        {
            if (!eb.MoveNext()) return false;
            if (!EqualityComparer<TKey>.Default.Equals(ea.Current.Key, eb.Current.Key)
                || !EqualityComparer<TValue>.Default.Equals(ea.Current.Value, eb.Current.Value)) return false;
        }
        return !eb.MoveNext();
    }
}
