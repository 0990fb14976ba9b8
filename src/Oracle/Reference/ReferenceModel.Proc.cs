using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reference;

// docs/reference-model.md, "/proc: smaps and pagemap".
public sealed partial class ReferenceModel
{
    private static readonly OpResult ZeroSmaps = new() { Rss = 0, Anon = 0, Swap = 0 };

    private void Smaps(RefState s, Op op, StepContext c)
    {
        if (!s.TryGetLive(op.Mm, out var m))
        {
            c.OfferAnyError(s);
            c.Offer(ZeroSmaps, s);
            return;
        }
        // Private frames (system or device: a device entry counts in rss and Anonymous) are certain; zero-page
        // slots count only if the implementation allocated a real page; shmem pages only if this process faulted them in.
        int frames = 0, zero = 0, shm = 0, doomed = 0;
        foreach (var pm in m.Pages.Values)
        {
            // A private copy a truncation of this history discards may already be unmapped ("Files").
            if (pm.Kind == MapKind.Private && pm.Slot > 0 && !s.Frames[pm.Slot].Tentative && Doomed(s, pm.ShmKey)) doomed++;
            switch (pm.Kind)
            {
                case MapKind.Private when pm.Slot > 0 && s.Frames[pm.Slot].Tentative: zero++; break;
                case MapKind.Private when pm.Slot > 0: frames++; break;
                case MapKind.Private when pm.Slot == PageMap.SlotZero: zero++; break;
                case MapKind.Private when ReadsFile(pm) && s.Shm.ContainsKey(pm.ShmKey): shm++; break;
                case MapKind.Shared when s.Shm.ContainsKey(pm.ShmKey): shm++; break;
            }
        }
        c.OfferIf(
            r => r.Rss is { } rss && r.Anon is { } anon && r.Swap == 0 && r == new OpResult { Rss = rss, Anon = anon, Swap = 0 }
                 && anon >= frames - doomed && anon <= frames + zero && rss - anon >= 0 && rss - anon <= shm,
            zero + shm + doomed == 0
                ? OpCodec.Format(new OpResult { Rss = frames, Anon = frames, Swap = 0 })
                : $"{{\"rss\": {frames - doomed}..{frames + zero + shm}, \"anon\": {frames - doomed}..{frames + zero}, \"swap\": 0}}",
            s);
    }

    /// <summary>One allowed pagemap entry; a null field admits either value.</summary>
    private readonly record struct PagemapShape(bool Present, bool Swap, int SwapTypeA, int SwapTypeB, bool? Exclusive, bool File)
    {
        public bool Matches(OpResult r) =>
            r.Present == Present && r.SwapEntry == Swap
            && (r.SwapType is null || r.SwapType == SwapTypeA || r.SwapType == SwapTypeB)
            && (r.Exclusive is null || Exclusive is null || r.Exclusive == Exclusive)
            && (r.File is null || r.File == File)
            && r.Value is null && r.Signal is null && r.Error is null && r.Ok is null && r.Migrated is null
            && r.Rss is null && r.Anon is null && r.Swap is null;

        public override string ToString()
        {
            var type = SwapTypeA == SwapTypeB ? $"{SwapTypeA}" : $"{SwapTypeA}|{SwapTypeB}";
            var ex = Exclusive is { } e ? (e ? "true" : "false") : "any";
            return $"{{\"present\": {Lower(Present)}, \"swap\": {Lower(Swap)}, \"swap_type\": {type}, \"exclusive\": {ex}, \"file\": {Lower(File)}}}";
        }

        private static string Lower(bool b) => b ? "true" : "false";
    }

    private static readonly PagemapShape NotMapped = new(false, false, 0, 0, false, false);

    private void Pagemap(RefState s, Op op, StepContext c)
    {
        void Allow(PagemapShape shape) => c.OfferIf(shape.Matches, shape.ToString(), s);

        if (!s.TryGetLive(op.Mm, out var m))
        {
            c.OfferAnyError(s);
            Allow(NotMapped);
            return;
        }
        if (!m.Pages.TryGetValue(op.Page!.Value, out var pm))
        {
            Allow(NotMapped);
            return;
        }
        // A page a truncation of this history discards may already be unmapped ("Files").
        if (pm.Kind != MapKind.Pfn && Doomed(s, pm.ShmKey) && pm.Slot > 0) Allow(NotMapped);
        switch (pm.Kind)
        {
            case MapKind.Pfn:
                // A special pte: present once populated (remap_pfn_range populates at mmap time), no struct page.
                Allow(new PagemapShape(true, false, 0, 0, false, false));
                Allow(NotMapped);
                return;
            case MapKind.Shared:
                // shmem pages are not PageAnon (PM_FILE); a process maps them only once it faulted them in.
                if (s.Shm.ContainsKey(pm.ShmKey)) Allow(new PagemapShape(true, false, 0, 0, null, true));
                Allow(NotMapped);
                return;
        }
        if (ReadsFile(pm))
        {
            // The file's page-cache page, mapped once this process faulted it in (PM_FILE).
            if (s.Shm.ContainsKey(pm.ShmKey)) Allow(new PagemapShape(true, false, 0, 0, null, true));
            Allow(NotMapped);
            return;
        }
        if (pm.Slot == PageMap.SlotNone)
        {
            Allow(NotMapped);
            return;
        }
        if (pm.Slot == PageMap.SlotZero)
        {
            // The zero page (no struct page counted: not exclusive) or a freshly allocated zeroed page.
            Allow(new PagemapShape(true, false, 0, 0, null, false));
            return;
        }
        var f = s.Frames[pm.Slot];
        var exclusive = f.MapCount == 1;
        // A migration in flight (to the device, or back on a CPU fault or by the driver) is visible to a
        // /proc walk: the pte is then a migration entry (SWP_MIGRATION_READ/WRITE, 28/29 by default) and the
        // page's map count is already dropped. The sequential reference cannot tell whether one is in flight,
        // so it admits this shape for any populated private page when pages can migrate at all.
        if (Setting.HasDevice && Setting.Migration)
        {
            var migrating = new PagemapShape(false, true, Setting.SwpMigrationRead, Setting.SwpMigrationWrite, null, false);
            c.OfferIf(migrating.Matches, migrating.ToString(), s);
        }
        // A device page: a swap entry of type SWP_DEVICE_WRITE or SWP_DEVICE (the reference does not track
        // whether the entry is writable), never present; PM_MMAP_EXCLUSIVE from its map count. When the
        // residency is undecided, the observation decides it (each shape has its own successor).
        if (f.MayBeOnDevice)
        {
            var onDevice = f.Residency == Residency.Device ? s : SetFrame(s, pm.Slot, f with { Residency = Residency.Device, Tentative = false });
            c.OfferIf(new PagemapShape(false, true, Setting.SwpDeviceWrite, Setting.SwpDevice, exclusive, false).Matches,
                new PagemapShape(false, true, Setting.SwpDeviceWrite, Setting.SwpDevice, exclusive, false).ToString(), onDevice);
        }
        if (f.MayBeOnSystem)
        {
            var onSystem = f.Residency == Residency.System ? s : SetFrame(s, pm.Slot, f with { Residency = Residency.System });
            var shape = new PagemapShape(true, false, 0, 0, f.Tentative ? null : exclusive, false);
            c.OfferIf(shape.Matches, shape.ToString(), onSystem);
            // A tentative frame may still be an untouched page.
            if (f.Tentative) c.OfferIf(NotMapped.Matches, NotMapped.ToString(), onSystem);
        }
    }
}
