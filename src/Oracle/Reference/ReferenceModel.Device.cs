using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reference;

// docs/reference-model.md, "Migration", "Device removal", "Hotplug".
public sealed partial class ReferenceModel
{
    /// <summary>A page a migration may move; <see cref="Definite"/> pages move whenever nothing concurrent interferes.</summary>
    private readonly record struct Candidate(int Page, bool Definite);

    private void MigrateToDevice(RefState s, Op op, StepContext c)
    {
        c.OfferAnyError(s);
        if (!Setting.HasDevice || s.DeviceGone || !s.TryGetLive(op.Mm, out var m))
        {
            c.Offer(OpResult.OfMigrated(0), s);
            return;
        }
        var from = op.Page!.Value;
        var candidates = new List<Candidate>();
        for (var p = from; p < from + (op.Pages ?? 1); p++)
        {
            if (!m.Pages.TryGetValue(p, out var pm) || pm.Kind != MapKind.Private) continue;
            // A private file page not written yet is the file's page-cache page: never migrated ("Files").
            if (ReadsFile(pm)) continue;
            if (pm.Slot <= 0)
            {
                // An untouched or zero page may be migrated (the driver fills a device page with zeros) or skipped.
                candidates.Add(new Candidate(p, false));
                continue;
            }
            var f = s.Frames[pm.Slot];
            if (!f.MayBeOnSystem) continue;
            candidates.Add(new Candidate(p, f.Residency == Residency.System && !f.Tentative && f.MapCount == 1 && pm.Prot != Prot.None));
        }
        OfferMigration(s, op.Mm!, candidates, Residency.Device, c);
    }

    private void MigrateToSystem(RefState s, Op op, StepContext c)
    {
        c.OfferAnyError(s);
        if (!s.TryGetLive(op.Mm, out var m))
        {
            c.Offer(OpResult.OfMigrated(0), s);
            return;
        }
        var from = op.Page!.Value;
        var candidates = new List<Candidate>();
        for (var p = from; p < from + (op.Pages ?? 1); p++)
        {
            if (m.Pages.TryGetValue(p, out var pm) && pm.Kind == MapKind.Private && pm.Slot > 0 && s.Frames[pm.Slot] is { MayBeOnDevice: true } f)
                candidates.Add(new Candidate(p, f.Residency == Residency.Device));
        }
        OfferMigration(s, op.Mm!, candidates, Residency.System, c);
    }

    /// <summary>
    /// Concurrent activity (a fault holding a reference, a locked page) may make any candidate fail its
    /// refcount check, so <c>migrated</c> may be anything from 0 to the number of candidates. Which pages moved
    /// is not recorded: with 0 nothing moved, with all of them every candidate moved, otherwise every candidate
    /// is left on <see cref="Residency.Either"/> side (a later pagemap resolves it). Run alone (setup, result
    /// unknown) definite candidates move and the others are left undecided.
    /// </summary>
    private static void OfferMigration(RefState s, string mm, List<Candidate> candidates, Residency target, StepContext c)
    {
        var n = candidates.Count;
        if (c.Explaining)
        {
            c.OfferIf(_ => false, n == 0 ? "{\"migrated\": 0}" : $"{{\"migrated\": 0..{n}}}", s);
            return;
        }
        if (c.Observed is null)
        {
            c.Offer(OpResult.OfMigrated(0), Move(s, mm, candidates, cand => c.Sequential && cand.Definite ? target : Residency.Either));
            return;
        }
        if (c.Observed is not { Migrated: { } k } || c.Observed != OpResult.OfMigrated(k) || k > n) return;
        if (k == 0) c.Offer(c.Observed, s);
        else if (k == n) c.Offer(c.Observed, Move(s, mm, candidates, _ => target));
        else c.Offer(c.Observed, Move(s, mm, candidates, _ => Residency.Either));
    }

    /// <summary>Sets each candidate's residency; a page that certainly moved (not <see cref="Residency.Either"/>) certainly exists.</summary>
    private static RefState Move(RefState s, string mm, IEnumerable<Candidate> chosen, Func<Candidate, Residency> residency)
    {
        foreach (var cand in chosen)
        {
            var m = s.Mms[mm];
            var pm = m.Pages[cand.Page];
            var r = residency(cand);
            var certain = r != Residency.Either;
            s = pm.Slot <= 0
                ? NewFrame(s, mm, m, cand.Page, pm, 0, r, tentative: !certain)
                : SetFrame(s, pm.Slot, s.Frames[pm.Slot] is var f ? f with { Residency = r, Tentative = f.Tentative && !certain } : default);
        }
        return s;
    }

    private void DeviceRemove(RefState s, StepContext c)
    {
        if (!Setting.HasDevice || s.DeviceGone)
        {
            c.Offer(OpResult.Success, s);
            c.OfferAnyError(s);
            return;
        }
        // Release evicts every device page back to system memory with its contents (upstream 249881232e14).
        var frames = s.Frames;
        foreach (var (id, f) in s.Frames)
        {
            if (f.MayBeOnDevice) frames = frames.SetItem(id, f with { Residency = Residency.System });
        }
        c.Offer(OpResult.Success, s.With(frames: frames, deviceGone: true));
    }

    private void HotplugAdd(RefState s, Op op, StepContext c)
    {
        var start = op.StartPfn!.Value;
        var end = start + op.Pages!.Value;
        var added = s.With(hotplugged: s.Hotplugged.Add((start, end)));
        var exist = OpResult.OfError(Outcomes.EEXIST);
        if (s.Hotplugged.Any(r => start < r.End && r.Start < end))
        {
            c.Offer(exist, s);
            return;
        }
        if (Setting.Machine is not { } machine)
        {
            // Without the machine layout the RAM and device ranges are unknown.
            c.Offer(exist, s);
            c.Offer(OpResult.Success, added);
            return;
        }
        var overlapsRam = start < machine.RamPages;
        var overlapsDevice = Setting.HasDevice && !s.DeviceGone && machine.DevicePages > 0
                             && start < machine.DeviceStartPfn + machine.DevicePages && machine.DeviceStartPfn < end;
        // register_memory_resource: any conflict in iomem (System RAM, the un-addressable range) is -EEXIST.
        if (overlapsRam || overlapsDevice) c.Offer(exist, s);
        else c.Offer(OpResult.Success, added);
    }
}
