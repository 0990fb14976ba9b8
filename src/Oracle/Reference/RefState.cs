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

/// <summary>Where a private page's data lives. <see cref="Either"/>: after a partial migration the reference does
/// not track which pages moved; an observation (pagemap) resolves it.</summary>
public enum Residency : byte
{
    System,
    Device,
    Either,
}

/// <summary>
/// A private page's contents and residency; <see cref="MapCount"/> counts the address spaces mapping it.
/// <see cref="Tentative"/>: the frame exists only if a migration chose to populate an untouched page (value 0);
/// otherwise the page is still untouched or the zero page.
/// </summary>
public readonly record struct Frame(long Value, Residency Residency, int MapCount, bool Tentative = false)
{
    public bool MayBeOnDevice => Residency != Residency.System;
    public bool MayBeOnSystem => Residency != Residency.Device;
}

/// <summary>
/// A memfd file (docs/reference-model.md, "Files"): the object id its pages' keys use (as a shmem object's) and
/// its size in pages. A private mapping's page of the file is a <see cref="MapKind.Private"/> page whose
/// <see cref="PageMap.ShmKey"/> names the file page it reads until written.
/// </summary>
public readonly record struct FileState(long Object, int Size);

/// <summary>An address space: exited or not, and its mapped pages by page index.</summary>
public sealed class MmState : IEquatable<MmState>
{
    public static readonly MmState Fresh = new(false, SortedArrayMap<int, PageMap>.Empty);

    public MmState(bool exited, SortedArrayMap<int, PageMap> pages)
    {
        Exited = exited;
        Pages = pages;
    }

    public bool Exited { get; }
    public SortedArrayMap<int, PageMap> Pages { get; }

    public MmState WithPages(SortedArrayMap<int, PageMap> pages) => new(Exited, pages);

    public bool Equals(MmState? other) =>
        ReferenceEquals(this, other) || other is not null && other.Exited == Exited && other.Pages.Equals(Pages);

    public override bool Equals(object? obj) => Equals(obj as MmState);
    public override int GetHashCode() => HashCode.Combine(Exited, Pages.GetHashCode());
}

/// <summary>
/// The reference model's whole abstract state (docs/reference-model.md). Immutable; equality is structural
/// (allocation counters excluded), so it can key the checker's memo cache.
/// </summary>
public sealed class RefState : IEquatable<RefState>
{
    public static readonly RefState Empty = new(
        SortedArrayMap<string, MmState>.Empty,
        SortedArrayMap<int, Frame>.Empty,
        SortedArrayMap<long, long>.Empty,
        ImmutableList<(long Start, long End)>.Empty,
        deviceGone: false, nextObject: 1);

    public RefState(
        SortedArrayMap<string, MmState> mms,
        SortedArrayMap<int, Frame> frames,
        SortedArrayMap<long, long> shm,
        ImmutableList<(long Start, long End)> hotplugged,
        bool deviceGone,
        int nextObject,
        int hiddenSystemPages = 0,
        SortedArrayMap<string, FileState>? files = null)
    {
        HiddenSystemPages = hiddenSystemPages;
        Files = files ?? SortedArrayMap<string, FileState>.Empty;
        Mms = mms;
        Frames = frames;
        Shm = shm;
        Hotplugged = hotplugged;
        DeviceGone = deviceGone;
        NextObject = nextObject;
    }

    public SortedArrayMap<string, MmState> Mms { get; }
    /// <summary>Private pages' contents by frame id.</summary>
    public SortedArrayMap<int, Frame> Frames { get; }
    /// <summary>Populated shmem pages: key (object &lt;&lt; 32 | page) to contents.</summary>
    public SortedArrayMap<long, long> Shm { get; }
    /// <summary>System-RAM ranges added by hotplug_add, [Start, End).</summary>
    public ImmutableList<(long Start, long End)> Hotplugged { get; }
    /// <summary>device_remove has released the device memory.</summary>
    public bool DeviceGone { get; }
    /// <summary>Next shmem object id (a counter; not part of equality).</summary>
    public int NextObject { get; }
    /// <summary>System pages held by the parts of the state a partition does not see (not part of equality).</summary>
    public int HiddenSystemPages { get; }
    /// <summary>memfd files by name (created by their first mmap; they stay open).</summary>
    public SortedArrayMap<string, FileState> Files { get; }

    private int _hash;

    public RefState With(
        SortedArrayMap<string, MmState>? mms = null,
        SortedArrayMap<int, Frame>? frames = null,
        SortedArrayMap<long, long>? shm = null,
        ImmutableList<(long Start, long End)>? hotplugged = null,
        bool? deviceGone = null,
        int? nextObject = null,
        SortedArrayMap<string, FileState>? files = null)
    {
        // Unchanged parts keep the very same state object: the checker recognises a step that changed nothing.
        if ((mms is null || ReferenceEquals(mms, Mms)) && (frames is null || ReferenceEquals(frames, Frames))
            && (shm is null || ReferenceEquals(shm, Shm)) && (hotplugged is null || ReferenceEquals(hotplugged, Hotplugged))
            && (deviceGone is null || deviceGone == DeviceGone) && (nextObject is null || nextObject == NextObject)
            && (files is null || ReferenceEquals(files, Files)))
            return this;
        return new(mms ?? Mms, frames ?? Frames, shm ?? Shm, hotplugged ?? Hotplugged, deviceGone ?? DeviceGone,
            nextObject ?? NextObject, HiddenSystemPages, files ?? Files);
    }

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

    /// <summary>
    /// The same state with frame ids numbered in order of first use (address spaces by name, pages ascending),
    /// so that states reached by different orders of independent allocations compare equal.
    /// </summary>
    public RefState Canonical()
    {
        var expected = 1;
        Dictionary<int, int>? renumber = null;
        foreach (var m in Mms.Values)
        {
            foreach (var pm in m.Pages.Values)
            {
                if (pm.Kind != MapKind.Private || pm.Slot <= 0) continue;
                if (renumber is null)
                {
                    if (pm.Slot == expected) { expected++; continue; }
                    if (pm.Slot < expected) continue;   // a frame seen before (shared after fork)
                    renumber = new Dictionary<int, int>();
                    for (var id = 1; id < expected; id++) renumber[id] = id;
                }
                if (!renumber.ContainsKey(pm.Slot)) renumber[pm.Slot] = renumber.Count + 1;
            }
        }
        if (renumber is null) return this;
        var ids = new int[Frames.Count];
        var values = new Frame[Frames.Count];
        var n = 0;
        foreach (var (id, f) in Frames) { ids[n] = renumber[id]; values[n++] = f; }
        Array.Sort(ids, values);
        var frames = SortedArrayMap<int, Frame>.FromSorted(ids, values);
        var mms = Mms;
        foreach (var (name, m) in Mms)
        {
            var pages = m.Pages;
            foreach (var (p, pm) in m.Pages)
            {
                if (pm.Kind == MapKind.Private && pm.Slot > 0 && renumber[pm.Slot] != pm.Slot)
                    pages = pages.SetItem(p, pm with { Slot = renumber[pm.Slot] });
            }
            if (!ReferenceEquals(pages, m.Pages)) mms = mms.SetItem(name, new MmState(m.Exited, pages));
        }
        return With(mms: mms, frames: frames);
    }

    /// <summary>
    /// The part of this state a partition sees: <paramref name="visibility"/> says, per address space, whether
    /// it is visible and which page indexes (null: all). Frames are shared only between the same page index of
    /// address spaces of one fork family, so projecting whole families by page index keeps map counts exact;
    /// they are recounted anyway.
    /// </summary>
    public RefState Project(Func<string, (bool Visible, HashSet<int>? Pages)> visibility)
    {
        // Linear in what the partition sees (a page set is looked up, not filtered page by page): a history with
        // thousands of pages has thousands of one-page partitions, each projected from the same large state.
        var mms = SortedArrayMap<string, MmState>.Empty;
        var used = new Dictionary<int, int>();
        foreach (var (name, m) in Mms)
        {
            var (visible, only) = visibility(name);
            if (!visible) continue;
            var pages = only is null ? m.Pages : Only(m.Pages, only);
            foreach (var pm in pages.Values)
            {
                if (pm.Kind == MapKind.Private && pm.Slot > 0) used[pm.Slot] = used.GetValueOrDefault(pm.Slot) + 1;
            }
            mms = mms.SetItem(name, ReferenceEquals(pages, m.Pages) ? m : new MmState(m.Exited, pages));
        }
        var ids = used.Keys.ToArray();
        Array.Sort(ids);
        var kept = new Frame[ids.Length];
        for (var i = 0; i < ids.Length; i++) kept[i] = Frames[ids[i]] with { MapCount = used[ids[i]] };
        var projected = With(mms: mms, frames: SortedArrayMap<int, Frame>.FromSorted(ids, kept));
        return new RefState(projected.Mms, projected.Frames, Shm, Hotplugged, DeviceGone, NextObject,
            SystemPages - projected.SystemPagesUpperBound(), Files).Canonical();
    }

    private static SortedArrayMap<int, PageMap> Only(SortedArrayMap<int, PageMap> pages, HashSet<int> only)
    {
        if (only.Count >= pages.Count)
        {
            var all = true;
            foreach (var p in pages.Keys) all &= only.Contains(p);
            if (all) return pages;
        }
        var keys = only.Where(pages.ContainsKey).ToArray();
        Array.Sort(keys);
        var values = new PageMap[keys.Length];
        for (var i = 0; i < keys.Length; i++) values[i] = pages[keys[i]];
        return SortedArrayMap<int, PageMap>.FromSorted(keys, values);
    }

    private int _systemPages = -1;

    /// <summary><see cref="SystemPagesUpperBound"/>, computed once (every partition's projection asks for it).</summary>
    private int SystemPages => _systemPages >= 0 ? _systemPages : _systemPages = SystemPagesUpperBound();

    /// <summary>Pages of system RAM this state certainly or possibly occupies (zero-page slots counted).</summary>
    public int SystemPagesUpperBound()
    {
        var n = Shm.Count + HiddenSystemPages;
        foreach (var f in Frames.Values)
        {
            if (f.MayBeOnSystem) n++;
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
            || other.Hotplugged.Count != Hotplugged.Count) return false;
        return Mms.Equals(other.Mms) && Frames.Equals(other.Frames) && Shm.Equals(other.Shm)
               && (Hotplugged.Count == 0 || Hotplugged.SequenceEqual(other.Hotplugged)) && Files.Equals(other.Files);
    }

    public override bool Equals(object? obj) => Equals(obj as RefState);

    public override int GetHashCode()
    {
        if (_hash != 0) return _hash;
        var h = new HashCode();
        h.Add(DeviceGone);
        h.Add(Mms.GetHashCode());
        h.Add(Frames.GetHashCode());
        h.Add(Shm.GetHashCode());
        foreach (var r in Hotplugged) h.Add(r);
        if (Files.Count > 0) h.Add(Files.GetHashCode());
        var result = h.ToHashCode();
        return _hash = result == 0 ? 1 : result;
    }
}
