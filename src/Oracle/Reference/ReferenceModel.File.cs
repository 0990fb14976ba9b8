using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reference;

// docs/reference-model.md, "Files".
public sealed partial class ReferenceModel
{
    /// <summary>The key of page <paramref name="index"/> of shmem object <paramref name="obj"/> in <see cref="RefState.Shm"/>.</summary>
    private static long ShmKeyOf(long obj, long index) => (obj << 32) | (uint)index;

    /// <summary>
    /// Whether <paramref name="key"/> names a page of a memfd file, and if so whether that page lies at or beyond
    /// the file's size (an access there is SIGBUS). Shared anonymous objects are never files.
    /// </summary>
    private static bool IsFilePage(RefState s, long key, out bool beyondEof)
    {
        beyondEof = false;
        if (key == 0 || s.Files.Count == 0) return false;
        var obj = key >> 32;
        foreach (var f in s.Files.Values)
        {
            if (f.Object != obj) continue;
            beyondEof = (key & 0xFFFF_FFFFL) >= f.Size;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Whether <paramref name="key"/> names a file page that a truncation of this history may discard (index at
    /// or beyond the smallest size the file is truncated to): an access may fail and /proc may show it unmapped
    /// at any time, since the kernel writes i_size and unmaps before the truncation takes its full effect.
    /// </summary>
    private bool Doomed(RefState s, long key)
    {
        if (key == 0 || Setting.Truncations.Count == 0) return false;
        var obj = key >> 32;
        foreach (var (name, f) in s.Files)
        {
            if (f.Object == obj)
                return Setting.Truncations.TryGetValue(name, out var min) && (key & 0xFFFF_FFFFL) >= min;
        }
        return false;
    }

    /// <summary>A private page that still reads its file page (never written, or written and then discarded).</summary>
    private static bool ReadsFile(PageMap pm) => pm.Kind == MapKind.Private && pm.Slot <= 0 && pm.ShmKey != 0;

    /// <summary>The state with memfd <paramref name="name"/> created (size <paramref name="pages"/>) if it is new, and its object id.</summary>
    private static RefState WithFile(RefState s, string name, int pages, out long obj)
    {
        if (s.Files.TryGetValue(name, out var f))
        {
            obj = f.Object;
            return s;
        }
        obj = s.NextObject;
        return s.With(files: s.Files.Add(name, new FileState(obj, pages)), nextObject: s.NextObject + 1);
    }

    /// <summary>
    /// ftruncate: the file's new size; shrinking discards every page at or beyond it — the file's contents and
    /// every process's private copies of those pages, wherever they live (system or device memory). Accesses
    /// there then get SIGBUS; growing exposes zero pages.
    /// </summary>
    private void Ftruncate(RefState s, Op op, StepContext c)
    {
        if (!s.Files.TryGetValue(op.File!, out var file))
        {
            c.OfferAnyError(s);
            return;
        }
        var size = op.Pages!.Value;
        var shm = s.Shm;
        foreach (var key in s.Shm.Keys)
        {
            if (key >> 32 == file.Object && (key & 0xFFFF_FFFFL) >= size) shm = shm.Remove(key);
        }
        var frames = s.Frames;
        var mms = s.Mms;
        foreach (var (name, m) in s.Mms)
        {
            var pages = m.Pages;
            foreach (var (p, pm) in m.Pages)
            {
                if (pm.Kind != MapKind.Private || pm.Slot <= 0 || pm.ShmKey >> 32 != file.Object || (pm.ShmKey & 0xFFFF_FFFFL) < size) continue;
                frames = Unmap(frames, pm.Slot);
                pages = pages.SetItem(p, pm with { Slot = PageMap.SlotNone });
            }
            if (!ReferenceEquals(pages, m.Pages)) mms = mms.SetItem(name, m.WithPages(pages));
        }
        c.Offer(OpResult.Success, s.With(mms: mms, frames: frames, shm: shm, files: s.Files.SetItem(op.File!, file with { Size = size })));
    }
}
