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
        // Private frames (system or device: a device entry counts in rss and Anonymous) are certain; zero-page slots
        // never count (a special PTE: vm_normal_page is NULL, so smaps_pte_entry skips it); a tentative frame counts
        // only if a migration populated it; shmem pages only if this process faulted them in.
        int frames = 0, zero = 0, shm = 0, doomed = 0;
        foreach (var pm in m.Pages.Values)
        {
            // A private copy a truncation of this history discards may already be unmapped ("Files").
            if (pm.Kind == MapKind.Private && pm.Slot > 0 && !s.Frames[pm.Slot].Tentative && Doomed(s, pm.ShmKey)) doomed++;
            switch (pm.Kind)
            {
                case MapKind.Private when pm.Slot > 0 && s.Frames[pm.Slot].Tentative: zero++; break;
                case MapKind.Private when pm.Slot > 0: frames++; break;
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

    /// <summary>What the frame field (bits 0-54) of an allowed pagemap entry may be.</summary>
    private enum FrameRule : byte
    {
        /// <summary>0: nothing mapped, or a present page read without show_pfn.</summary>
        Zero,
        /// <summary>A present page read with show_pfn: its pfn, which the reference does not track.</summary>
        AnyPfn,
        /// <summary>A swap PTE: its type in bits 0-4 and a pfn in [OffsetLo, OffsetHi) above them — or, for a reader
        /// without show_pfn, 0 with swap_type 0 (hidden since "mm: /proc/pid/pagemap: hide swap entries from
        /// unprivileged users", 2018).</summary>
        Swap,
    }

    /// <summary>One allowed pagemap entry; a null field admits either value (a result may omit "frame").</summary>
    private readonly record struct PagemapShape(bool Present, bool Swap, int SwapTypeA, int SwapTypeB, bool? Exclusive, bool File,
        FrameRule Frame = FrameRule.Zero, bool Privileged = false, long OffsetLo = 0, long OffsetHi = long.MaxValue)
    {
        public bool Matches(OpResult r) =>
            r.Present == Present && r.SwapEntry == Swap
            && (TypeAndFrameShown(r) || Hidden(r))
            && (r.Exclusive is null || Exclusive is null || r.Exclusive == Exclusive)
            && (r.File is null || r.File == File)
            && r.Value is null && r.Signal is null && r.Error is null && r.Ok is null && r.Migrated is null
            && r.Rss is null && r.Anon is null && r.Swap is null;

        private bool TypeAndFrameShown(OpResult r)
        {
            if (r.SwapType is { } t && t != SwapTypeA && t != SwapTypeB) return false;
            if (r.Frame is not { } f) return true;
            return Frame switch
            {
                FrameRule.Zero => f == 0,
                FrameRule.AnyPfn => true,
                _ => ((f & 31) == SwapTypeA || (f & 31) == SwapTypeB) && (r.SwapType is null || (f & 31) == r.SwapType)
                     && (f >> 5) >= OffsetLo && (f >> 5) < OffsetHi,
            };
        }

        /// <summary>A swap PTE's frame hidden from a reader without show_pfn: frame 0, so swap_type 0.</summary>
        private bool Hidden(OpResult r) =>
            Frame == FrameRule.Swap && !Privileged && (r.SwapType ?? 0) == 0 && (r.Frame ?? 0) == 0;

        public override string ToString()
        {
            var type = SwapTypeA == SwapTypeB ? $"{SwapTypeA}" : $"{SwapTypeA}|{SwapTypeB}";
            var ex = Exclusive is { } e ? (e ? "true" : "false") : "any";
            var frame = Frame switch
            {
                FrameRule.Zero => "0",
                FrameRule.AnyPfn => "a pfn",
                _ => $"swap_type | pfn << 5 with pfn in {(OffsetHi == long.MaxValue ? "any range" : $"[{OffsetLo}, {OffsetHi})")}{(Privileged ? "" : ", or 0 with swap_type 0 (hidden)")}",
            };
            return $"{{\"present\": {Lower(Present)}, \"swap\": {Lower(Swap)}, \"swap_type\": {type}, \"exclusive\": {ex}, \"file\": {Lower(File)}, \"frame\": {frame}}}";
        }

        private static string Lower(bool b) => b ? "true" : "false";
    }

    private static readonly PagemapShape NotMapped = new(false, false, 0, 0, false, false);

    /// <summary>A present entry as this reader sees its frame.</summary>
    private static PagemapShape PresentShape(bool? exclusive, bool file, bool privileged) =>
        new(true, false, 0, 0, exclusive, file, privileged ? FrameRule.AnyPfn : FrameRule.Zero, privileged);

    private void Pagemap(RefState s, Op op, StepContext c)
    {
        void Allow(PagemapShape shape) => c.OfferIf(shape.Matches, shape.ToString(), s);
        var privileged = op.Privileged == true;

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
                Allow(PresentShape(false, false, privileged));
                Allow(NotMapped);
                return;
            case MapKind.Shared:
                // shmem pages are not PageAnon (PM_FILE); a process maps them only once it faulted them in.
                if (s.Shm.ContainsKey(pm.ShmKey)) Allow(PresentShape(null, true, privileged));
                Allow(NotMapped);
                return;
        }
        if (ReadsFile(pm))
        {
            // The file's page-cache page, mapped once this process faulted it in (PM_FILE).
            if (s.Shm.ContainsKey(pm.ShmKey)) Allow(PresentShape(null, true, privileged));
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
            // The zero page: a special PTE, vm_normal_page is NULL, so never PM_MMAP_EXCLUSIVE (and never PM_FILE).
            Allow(PresentShape(false, false, privileged));
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
            var migrating = new PagemapShape(false, true, Setting.SwpMigrationRead, Setting.SwpMigrationWrite, null, false, FrameRule.Swap, privileged);
            c.OfferIf(migrating.Matches, migrating.ToString(), s);
        }
        // A device page: a swap entry of type SWP_DEVICE_WRITE or SWP_DEVICE (the reference does not track
        // whether the entry is writable), never present; PM_MMAP_EXCLUSIVE from its map count. When the
        // residency is undecided, the observation decides it (each shape has its own successor).
        if (f.MayBeOnDevice)
        {
            var onDevice = f.Residency == Residency.Device ? s : SetFrame(s, pm.Slot, f with { Residency = Residency.Device, Tentative = false });
            // The frame names the device pfn (swap offset), inside the device range when the machine is known.
            var (lo, hi) = Setting.Machine is { DevicePages: > 0 } mach
                ? (mach.DeviceStartPfn, mach.DeviceStartPfn + mach.DevicePages) : (0L, long.MaxValue);
            var device = new PagemapShape(false, true, Setting.SwpDeviceWrite, Setting.SwpDevice, exclusive, false, FrameRule.Swap, privileged, lo, hi);
            c.OfferIf(device.Matches, device.ToString(), onDevice);
        }
        if (f.MayBeOnSystem)
        {
            var onSystem = f.Residency == Residency.System ? s : SetFrame(s, pm.Slot, f with { Residency = Residency.System });
            var shape = PresentShape(f.Tentative ? null : exclusive, false, privileged);
            c.OfferIf(shape.Matches, shape.ToString(), onSystem);
            // A tentative frame may still be an untouched page.
            if (f.Tentative) c.OfferIf(NotMapped.Matches, NotMapped.ToString(), onSystem);
        }
    }
}
