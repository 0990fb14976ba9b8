using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reference;

// docs/reference-model.md, "CPU access" and "Device access".
public sealed partial class ReferenceModel
{
    /// <summary>
    /// A CPU read (<c>read</c>), or with <paramref name="force"/> a read of /proc/PID/mem (<c>mem_read</c>):
    /// get_user_pages_remote with FOLL_FORCE reads a PROT_NONE page too (VM_MAYREAD), takes the same fault path
    /// (a device page comes back to system memory), and every failure (hole, exited mm, MMIO, SIGBUS-type fault,
    /// out of memory) is EIO because nothing was copied.
    /// </summary>
    private void Read(RefState s, Op op, StepContext c, bool force = false)
    {
        var segv = force ? Eio : Segv;
        var bus = force ? Eio : Bus;
        var page = op.Page!.Value;
        if (!s.TryGetLive(op.Mm, out var m) || !m.Pages.TryGetValue(page, out var pm) || (pm.Prot == Prot.None && !force))
        {
            c.Offer(segv, s);
            return;
        }
        if (Doomed(s, pm.ShmKey)) c.Offer(bus, s);
        switch (pm.Kind)
        {
            case MapKind.Pfn when force:
                // check_vma_flags refuses VM_IO | VM_PFNMAP.
                c.Offer(Eio, s);
                return;
            case MapKind.Pfn:
                // MMIO registers have no memory semantics: any value, or SIGBUS.
                c.OfferIf(r => r.Value is not null && r == OpResult.OfValue(r.Value.Value), "{\"value\": any (MMIO)}", s);
                c.Offer(bus, s);
                return;
            case MapKind.Shared:
            {
                if (IsFilePage(s, pm.ShmKey, out var beyond) && beyond)
                {
                    c.Offer(bus, s);
                    return;
                }
                var v = ShmValue(s, pm.ShmKey);
                c.OfferValue(v, s.With(shm: s.Shm.SetItem(pm.ShmKey, v)));
                return;
            }
        }
        if (ReadsFile(pm))
        {
            // A private file page not written yet maps the file's page (beyond the file's size: SIGBUS).
            IsFilePage(s, pm.ShmKey, out var beyond);
            if (beyond)
            {
                c.Offer(bus, s);
                return;
            }
            var v = ShmValue(s, pm.ShmKey);
            c.OfferValue(v, s.With(shm: s.Shm.SetItem(pm.ShmKey, v)));
            return;
        }
        if (pm.Slot == PageMap.SlotNone)
        {
            // A read fault on an untouched private page maps the zero page. Out of memory is never a signal
            // (docs: "Memory"): the fault is retried.
            c.OfferValue(0, SetPage(s, op.Mm!, m, page, pm with { Slot = PageMap.SlotZero }));
            return;
        }
        if (pm.Slot == PageMap.SlotZero)
        {
            c.OfferValue(0, s);
            return;
        }
        var f = s.Frames[pm.Slot];
        if (!f.MayBeOnDevice)
        {
            c.OfferValue(f.Value, s);
            return;
        }
        // A CPU access to a device page faults; the driver migrates it back to system memory, contents intact.
        c.OfferValue(f.Value, SetFrame(s, pm.Slot, f with { Residency = Residency.System }));
        if (DeviceFaultMayFailForMemory(s, f, c)) c.Offer(bus, s);
    }

    /// <summary>
    /// docs: "Memory". The only out-of-memory signal: the driver's page_fault callback could not allocate the
    /// system page for a device-resident frame, and the 2017 helper (hmm_devmem_fault_range) turned that into
    /// SIGBUS. Every other out-of-memory fault is retried by the CPU, never a signal.
    /// </summary>
    private bool DeviceFaultMayFailForMemory(RefState s, Frame f, StepContext c) => f.MayBeOnDevice && LowMemory(s, c);

    private void Write(RefState s, Op op, StepContext c)
    {
        var page = op.Page!.Value;
        var value = op.Value!.Value;
        if (!s.TryGetLive(op.Mm, out var m) || !m.Pages.TryGetValue(page, out var pm) || pm.Prot != Prot.ReadWrite)
        {
            c.Offer(Segv, s);
            return;
        }
        if (Doomed(s, pm.ShmKey)) c.Offer(Bus, s);
        switch (pm.Kind)
        {
            case MapKind.Pfn:
                c.Offer(OpResult.Success, s);
                c.Offer(Bus, s);
                return;
            case MapKind.Shared:
                if (IsFilePage(s, pm.ShmKey, out var beyond) && beyond)
                {
                    c.Offer(Bus, s);
                    return;
                }
                c.Offer(OpResult.Success, s.With(shm: s.Shm.SetItem(pm.ShmKey, value)));
                return;
        }
        if (ReadsFile(pm))
        {
            // Copy-on-write of the file's page into a private page (the file's page is read in first).
            IsFilePage(s, pm.ShmKey, out var beyond);
            if (beyond)
            {
                c.Offer(Bus, s);
                return;
            }
            var read = s.With(shm: s.Shm.SetItem(pm.ShmKey, ShmValue(s, pm.ShmKey)));
            c.Offer(OpResult.Success, WritePrivate(read, op.Mm!, m, page, pm, value, byDevice: false));
            return;
        }
        c.Offer(OpResult.Success, WritePrivate(s, op.Mm!, m, page, pm, value, byDevice: false));
        if (pm.Slot > 0 && DeviceFaultMayFailForMemory(s, s.Frames[pm.Slot], c)) c.Offer(Bus, s);
    }

    /// <summary>Whether writing this private page needs a fresh system page (first touch, COW, or migration back).</summary>
    private static bool NeedsNewPage(RefState s, PageMap pm) =>
        pm.Slot <= 0 || s.Frames[pm.Slot] is var f && (f.MapCount > 1 || f.MayBeOnDevice || f.Tentative);

    /// <summary>
    /// A write to a private page: first touch allocates; a frame shared with another process after fork is
    /// copied (COW); an exclusive frame is written in place. A device frame is first migrated back; with
    /// <paramref name="byDevice"/> an exclusive device frame may instead be written in place on the device
    /// (if its entry was writable), so it ends on either side.
    /// </summary>
    private static RefState WritePrivate(RefState s, string mm, MmState m, int page, PageMap pm, long value, bool byDevice)
    {
        if (pm.Slot <= 0) return NewFrame(s, mm, m, page, pm, value);
        var f = s.Frames[pm.Slot];
        if (f.MapCount == 1)
        {
            var residency = byDevice && f.MayBeOnDevice ? Residency.Either : Residency.System;
            return SetFrame(s, pm.Slot, f with { Value = value, Residency = residency, Tentative = false });
        }
        var s1 = f.MayBeOnDevice ? SetFrame(s, pm.Slot, f with { Residency = Residency.System }) : s;
        return NewFrame(s1, mm, m, page, pm, value);
    }

    /// <summary>Device reads and writes go through the driver's mirror (dmirror semantics).</summary>
    private bool DeviceAccessRefused(RefState s, Op op, StepContext c, out MmState m, out PageMap pm)
    {
        pm = default;
        if (!Setting.HasDevice)
        {
            // No device memory, no driver: the request fails.
            m = MmState.Fresh;
            c.OfferAnyError(s);
            return true;
        }
        // After device_remove the mirror may still work, or the driver may refuse.
        if (s.DeviceGone) c.OfferAnyError(s);
        if (!s.TryGetLive(op.Mm, out m))
        {
            c.OfferAnyError(s);
            return true;
        }
        if (!m.Pages.TryGetValue(op.Page!.Value, out pm) || pm.Prot == Prot.None || pm.Kind == MapKind.Pfn)
        {
            c.Offer(Fault, s);
            return true;
        }
        if (Doomed(s, pm.ShmKey)) c.OfferAnyError(s);
        return false;
    }

    private void DeviceRead(RefState s, Op op, StepContext c)
    {
        if (DeviceAccessRefused(s, op, c, out var m, out var pm)) return;
        var page = op.Page!.Value;
        if (pm.Kind == MapKind.Shared || ReadsFile(pm))
        {
            // Beyond a file's size the mirror's fault fails.
            if (IsFilePage(s, pm.ShmKey, out var beyond) && beyond)
            {
                c.OfferAnyError(s);
                return;
            }
            var v = ShmValue(s, pm.ShmKey);
            c.OfferValue(v, s.With(shm: s.Shm.SetItem(pm.ShmKey, v)));
            return;
        }
        if (pm.Slot == PageMap.SlotNone)
        {
            c.OfferValue(0, SetPage(s, op.Mm!, m, page, pm with { Slot = PageMap.SlotZero }));
            return;
        }
        // The device reads its own pages in place and system pages through the mirror: no migration.
        c.OfferValue(pm.Slot == PageMap.SlotZero ? 0 : s.Frames[pm.Slot].Value, s);
    }

    private void DeviceWrite(RefState s, Op op, StepContext c)
    {
        if (DeviceAccessRefused(s, op, c, out var m, out var pm)) return;
        if (pm.Prot != Prot.ReadWrite)
        {
            c.Offer(OpResult.OfError(Outcomes.EPERM), s);
            return;
        }
        var page = op.Page!.Value;
        var value = op.Value!.Value;
        if (pm.Kind == MapKind.Shared || ReadsFile(pm))
        {
            if (IsFilePage(s, pm.ShmKey, out var beyond) && beyond)
            {
                c.OfferAnyError(s);
                return;
            }
            if (pm.Kind == MapKind.Shared)
            {
                c.Offer(OpResult.Success, s.With(shm: s.Shm.SetItem(pm.ShmKey, value)));
                return;
            }
            var read = s.With(shm: s.Shm.SetItem(pm.ShmKey, ShmValue(s, pm.ShmKey)));
            c.Offer(OpResult.Success, WritePrivate(read, op.Mm!, m, page, pm, value, byDevice: true));
            if (LowMemory(s, c)) c.Offer(OpResult.OfError(Outcomes.ENOMEM), s);
            return;
        }
        c.Offer(OpResult.Success, WritePrivate(s, op.Mm!, m, page, pm, value, byDevice: true));
        if (NeedsNewPage(s, pm) && LowMemory(s, c)) c.Offer(OpResult.OfError(Outcomes.ENOMEM), s);
        // A device page still shared after fork: fork made both device-private entries read-only
        // (copy_nonpresent_pte), and hmm_range_fault reports a device-private page its caller owns without
        // faulting it (hmm_vma_handle_pte), so the driver never gets a writable mapping: it may give up with an
        // error, nothing written ("Loosened rules").
        if (pm.Slot > 0 && s.Frames[pm.Slot] is { MapCount: > 1, MayBeOnDevice: true }) c.OfferAnyError(s);
    }
}
