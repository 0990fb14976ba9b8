using System.Numerics;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reference;

// docs/reference-model.md, "Migration", "Device removal", "Hotplug".
public sealed partial class ReferenceModel
{
    /// <summary>Above this many candidate pages a migration's outcomes are limited to prefixes of the range.</summary>
    public const int MaxEnumeratedCandidates = 16;

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
            if (pm.Slot <= 0)
            {
                // An untouched or zero page may be migrated (the driver allocates a zeroed device page) or skipped.
                candidates.Add(new Candidate(p, false));
                continue;
            }
            var f = s.Frames[pm.Slot];
            if (f.OnDevice) continue;
            candidates.Add(new Candidate(p, f.MapCount == 1 && pm.Prot != Prot.None));
        }
        OfferSubsets(s, op.Mm!, m, candidates, toDevice: true, c);
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
            if (m.Pages.TryGetValue(p, out var pm) && pm.Kind == MapKind.Private && pm.Slot > 0 && s.Frames[pm.Slot].OnDevice)
                candidates.Add(new Candidate(p, true));
        }
        OfferSubsets(s, op.Mm!, m, candidates, toDevice: false, c);
    }

    /// <summary>
    /// Concurrent activity may make any eligible page fail its refcount check or page lock, so any subset of
    /// the candidates may move; <c>migrated</c> is the size of the subset. Run alone (setup), every definite
    /// candidate moves.
    /// </summary>
    private static void OfferSubsets(RefState s, string mm, MmState m, List<Candidate> candidates, bool toDevice, StepContext c)
    {
        var n = candidates.Count;
        if (c.Explaining)
        {
            c.OfferIf(_ => false, $"{{\"migrated\": 0..{n}}}", s);
            return;
        }
        int? wanted = c.Observed is { Migrated: { } k } && c.Observed == OpResult.OfMigrated(k) ? k : null;
        if (c.Observed is not null && wanted is null) return;
        if (wanted > n) return;
        var definite = 0;
        for (var i = 0; i < n; i++)
        {
            if (candidates[i].Definite) definite |= 1 << Math.Min(i, 30);
        }

        if (n > MaxEnumeratedCandidates)
        {
            for (var size = 0; size <= n; size++)
            {
                if (wanted is { } w && w != size) continue;
                c.Offer(OpResult.OfMigrated(size), Move(s, mm, m, candidates.Take(size), toDevice));
            }
            return;
        }
        for (var mask = 0; mask < 1 << n; mask++)
        {
            var size = BitOperations.PopCount((uint)mask);
            if (wanted is { } w && w != size) continue;
            if (c.Sequential && (mask & definite) != definite) continue;
            var chosen = candidates.Where((_, i) => (mask & (1 << i)) != 0);
            c.Offer(OpResult.OfMigrated(size), Move(s, mm, m, chosen, toDevice));
        }
    }

    private static RefState Move(RefState s, string mm, MmState m, IEnumerable<Candidate> chosen, bool toDevice)
    {
        foreach (var cand in chosen)
        {
            m = s.Mms[mm];
            var pm = m.Pages[cand.Page];
            s = pm.Slot <= 0
                ? NewFrame(s, mm, m, cand.Page, pm, 0, onDevice: toDevice)
                : SetFrame(s, pm.Slot, s.Frames[pm.Slot] with { OnDevice = toDevice });
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
            if (f.OnDevice) frames = frames.SetItem(id, f with { OnDevice = false });
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
