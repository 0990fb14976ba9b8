using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reference;

// docs/reference-model.md, "Address spaces".
public sealed partial class ReferenceModel
{
    /// <summary>The mm an mmap creates or extends: null when the name belongs to an exited process.</summary>
    private static MmState? MappableMm(RefState s, string mm) =>
        s.Mms.TryGetValue(mm, out var m) ? (m.Exited ? null : m) : MmState.Fresh;

    private void Mmap(RefState s, Op op, StepContext c)
    {
        var mm = op.Mm!;
        // A memfd is created by its first mmap, even one that then fails ("Files").
        long fileObj = 0;
        if (op.File is not null) s = WithFile(s, op.File, op.Pages!.Value, out fileObj);
        var m = MappableMm(s, mm);
        if (m is null)
        {
            c.OfferAnyError(s);
            return;
        }
        var from = op.Page!.Value;
        var count = op.Pages!.Value;
        var prot = op.Prot ?? Prot.ReadWrite;
        var shared = op.Shared ?? false;
        Covered(m, from, count, out var overlap);
        RefState s0 = s;
        if (overlap)
        {
            // Over an existing mapping: refused, or MAP_FIXED semantics (the old pages are unmapped first).
            c.OfferAnyError(s);
            s0 = DropPages(s, mm, m, from, from + count, keepMappings: false);
            m = s0.Mms[mm];
        }
        var obj = s0.NextObject;
        var pages = m.Pages;
        if (op.File is not null)
        {
            // A file mapping from offset 0: shared pages are the file's; private pages read it until written.
            for (var p = from; p < from + count; p++)
            {
                var key = ShmKeyOf(fileObj, p - from);
                pages = pages.SetItem(p, shared
                    ? new PageMap(prot, MapKind.Shared, 0, key)
                    : new PageMap(prot, MapKind.Private, PageMap.SlotNone, key));
            }
            c.Offer(OpResult.Success, s0.With(mms: s0.Mms.SetItem(mm, m.WithPages(pages))));
            return;
        }
        for (var p = from; p < from + count; p++)
        {
            pages = pages.SetItem(p, shared
                ? new PageMap(prot, MapKind.Shared, 0, ((long)obj << 32) | (uint)(p - from))
                : new PageMap(prot, MapKind.Private, PageMap.SlotNone, 0));
        }
        c.Offer(OpResult.Success, s0.With(mms: s0.Mms.SetItem(mm, m.WithPages(pages)), nextObject: shared ? obj + 1 : obj));
    }

    private void MmapPfn(RefState s, Op op, StepContext c)
    {
        var mm = op.Mm!;
        var m = MappableMm(s, mm);
        if (m is null)
        {
            c.OfferAnyError(s);
            return;
        }
        var from = op.Page!.Value;
        var count = op.Pages!.Value;
        Covered(m, from, count, out var overlap);
        var pfn = op.Pfn!.Value;
        // pfns with a struct page are not MMIO: a driver may refuse them.
        if (overlap || HasStructPages(s, pfn, count)) c.OfferAnyError(s);
        var s0 = overlap ? DropPages(s, mm, m, from, from + count, keepMappings: false) : s;
        var m0 = overlap ? s0.Mms[mm] : m;
        var pages = m0.Pages;
        for (var p = from; p < from + count; p++)
            pages = pages.SetItem(p, new PageMap(op.Prot ?? Prot.ReadWrite, MapKind.Pfn, 0, 0));
        c.Offer(OpResult.Success, s0.With(mms: s0.Mms.SetItem(mm, m0.WithPages(pages))));
    }

    private bool HasStructPages(RefState s, long start, long count)
    {
        if (Setting.Machine is not { } machine) return true;
        var end = start + count;
        if (start < machine.RamPages) return true;
        if (machine.DevicePages > 0 && start < machine.DeviceStartPfn + machine.DevicePages && machine.DeviceStartPfn < end) return true;
        return s.Hotplugged.Any(r => start < r.End && r.Start < end);
    }

    private void Munmap(RefState s, Op op, StepContext c)
    {
        if (!s.TryGetLive(op.Mm, out var m))
        {
            c.OfferAnyError(s);
            return;
        }
        var from = op.Page!.Value;
        // munmap of a range with holes (or nothing mapped) succeeds, as in Linux.
        c.Offer(OpResult.Success, DropPages(s, op.Mm!, m, from, from + op.Pages!.Value, keepMappings: false));
    }

    private void MadviseDontneed(RefState s, Op op, StepContext c)
    {
        if (!s.TryGetLive(op.Mm, out var m))
        {
            c.OfferAnyError(s);
            return;
        }
        var from = op.Page!.Value;
        var count = op.Pages!.Value;
        var full = Covered(m, from, count, out _);
        var pfn = false;
        for (var p = from; p < from + count; p++)
            pfn |= m.Pages.TryGetValue(p, out var pm) && pm.Kind == MapKind.Pfn;
        // Private pages are discarded (later reads see 0); shmem pages keep their contents.
        var after = DropPages(s, op.Mm!, m, from, from + count, keepMappings: true);
        if (pfn)
        {
            // madvise(MADV_DONTNEED) refuses VM_PFNMAP vmas with EINVAL; other vmas may already be done.
            c.Offer(OpResult.OfError(Outcomes.EINVAL), s);
            c.Offer(OpResult.OfError(Outcomes.EINVAL), after);
            c.Offer(OpResult.Success, after);
            return;
        }
        c.Offer(OpResult.Success, after);
        if (!full) c.Offer(OpResult.OfError(Outcomes.ENOMEM), after);
    }

    private void Mprotect(RefState s, Op op, StepContext c)
    {
        if (!s.TryGetLive(op.Mm, out var m))
        {
            c.OfferAnyError(s);
            return;
        }
        var from = op.Page!.Value;
        var count = op.Pages!.Value;
        var prot = op.Prot!.Value;
        var full = Covered(m, from, count, out _);
        var all = m.Pages;
        var prefix = m.Pages;
        var inPrefix = true;
        for (var p = from; p < from + count; p++)
        {
            if (!m.Pages.TryGetValue(p, out var pm))
            {
                inPrefix = false;
                continue;
            }
            all = all.SetItem(p, pm with { Prot = prot });
            if (inPrefix) prefix = prefix.SetItem(p, pm with { Prot = prot });
        }
        var changed = s.With(mms: s.Mms.SetItem(op.Mm!, m.WithPages(all)));
        c.Offer(OpResult.Success, changed);
        if (!full)
        {
            // Linux stops at the first hole with ENOMEM, having changed the vmas before it.
            c.Offer(OpResult.OfError(Outcomes.ENOMEM), s.With(mms: s.Mms.SetItem(op.Mm!, m.WithPages(prefix))));
            c.Offer(OpResult.OfError(Outcomes.ENOMEM), s);
        }
    }

    private void Fork(RefState s, Op op, StepContext c)
    {
        var child = op.Child!;
        if (!s.TryGetLive(op.Mm, out var m) || s.Mms.ContainsKey(child))
        {
            c.OfferAnyError(s);
            return;
        }
        // Private pages are shared copy-on-write (frame map counts go up); shmem and MMIO stay shared.
        var frames = s.Frames;
        foreach (var pm in m.Pages.Values)
        {
            if (pm.Kind == MapKind.Private && pm.Slot > 0)
            {
                var f = frames[pm.Slot];
                frames = frames.SetItem(pm.Slot, f with { MapCount = f.MapCount + 1 });
            }
        }
        c.Offer(OpResult.Success, s.With(mms: s.Mms.Add(child, new MmState(false, m.Pages)), frames: frames));
    }

    private void Exit(RefState s, Op op, StepContext c)
    {
        if (!s.TryGetLive(op.Mm, out var m))
        {
            c.OfferAnyError(s);
            return;
        }
        var dropped = DropPages(s, op.Mm!, m, int.MinValue, int.MaxValue, keepMappings: false);
        c.Offer(OpResult.Success, dropped.With(mms: dropped.Mms.SetItem(op.Mm!, new MmState(true, dropped.Mms[op.Mm!].Pages))));
    }
}
