using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reference;

/// <summary>
/// The sequential reference model: the user-visible meaning of every scenario op over <see cref="RefState"/>.
/// Each rule is documented in docs/reference-model.md (section names in the comments below). A step offers
/// every allowed (result, successor) pair; nondeterminism is a set of offers, never a guess.
/// Written from the user-visible rules only: it does not reference the kernel model.
/// </summary>
public sealed partial class ReferenceModel(ModelSetting setting)
{
    public ModelSetting Setting { get; } = setting;

    private static readonly OpResult Segv = OpResult.OfSignal(Outcomes.SIGSEGV);
    private static readonly OpResult Bus = OpResult.OfSignal(Outcomes.SIGBUS);
    private static readonly OpResult Eio = OpResult.OfError(Outcomes.EIO);
    private static readonly OpResult Fault = OpResult.OfError(Outcomes.EFAULT);

    /// <summary>The state after the setup ops, run sequentially with unknown results (a set: setup may branch).</summary>
    public IReadOnlyList<RefState> Initial(IReadOnlyList<Op> setup)
    {
        IReadOnlyList<RefState> states = [RefState.Empty];
        foreach (var op in setup)
        {
            var next = new List<RefState>();
            foreach (var s in states) Step(s, op, new StepContext(null, next, sequential: true));
            states = StateSet.Distinct(next);
        }
        return states;
    }

    /// <summary>Adds to <paramref name="into"/> every successor of <paramref name="s"/> under <paramref name="op"/> whose result agrees with <paramref name="observed"/>.</summary>
    public void Step(RefState s, Op op, OpResult? observed, List<RefState> into) =>
        Step(s, op, new StepContext(observed, into));

    /// <summary>Why no state of <paramref name="states"/> allows <paramref name="observed"/>: the allowed results, in words.</summary>
    public string Explain(IEnumerable<RefState> states, Op op, OpResult? observed)
    {
        var allowed = new List<string>();
        var sink = new List<RefState>();
        foreach (var s in states) Step(s, op, new StepContext(observed, sink, allowed));
        var distinct = allowed.Distinct().ToList();
        var what = observed is null ? "(result unknown)" : $"returned {observed}";
        var list = distinct.Count == 0 ? "nothing" : string.Join(" or ", distinct.Take(8)) + (distinct.Count > 8 ? $" (and {distinct.Count - 8} more)" : "");
        return $"{Describe(op)} {what}, but every allowed state gives {list}";
    }

    /// <summary>"read of A:3", "hotplug_add of pfn 4096+16", ...</summary>
    public static string Describe(Op op) => op.Kind switch
    {
        OpKind.HotplugAdd => $"hotplug_add of pfns [{op.StartPfn}, {op.StartPfn + op.Pages})",
        OpKind.DeviceRemove => "device_remove",
        OpKind.Ftruncate => $"ftruncate of file {op.File} to {op.Pages} pages",
        OpKind.Fork => $"fork of {op.Mm} into {op.Child}",
        OpKind.Exit or OpKind.Smaps => $"{op.Kind.WireName()} of {op.Mm}",
        _ when op.Pages is { } n && n > 1 => $"{op.Kind.WireName()} of {op.Mm}:{op.Page}..{op.Page + n - 1}",
        _ => $"{op.Kind.WireName()} of {op.Mm}:{op.Page}",
    };

    public void Step(RefState s, Op op, StepContext c)
    {
        switch (op.Kind)
        {
            case OpKind.Read: Read(s, op, c); break;
            case OpKind.MemRead: Read(s, op, c, force: true); break;
            case OpKind.Write: Write(s, op, c); break;
            case OpKind.DeviceRead: DeviceRead(s, op, c); break;
            case OpKind.DeviceWrite: DeviceWrite(s, op, c); break;
            case OpKind.Mmap: Mmap(s, op, c); break;
            case OpKind.MmapPfn: MmapPfn(s, op, c); break;
            case OpKind.Munmap: Munmap(s, op, c); break;
            case OpKind.MadviseDontneed: MadviseDontneed(s, op, c); break;
            case OpKind.Mprotect: Mprotect(s, op, c); break;
            case OpKind.Fork: Fork(s, op, c); break;
            case OpKind.Exit: Exit(s, op, c); break;
            case OpKind.MigrateToDevice: MigrateToDevice(s, op, c); break;
            case OpKind.MigrateToSystem: MigrateToSystem(s, op, c); break;
            case OpKind.DeviceRemove: DeviceRemove(s, c); break;
            case OpKind.HotplugAdd: HotplugAdd(s, op, c); break;
            case OpKind.Smaps: Smaps(s, op, c); break;
            case OpKind.Pagemap: Pagemap(s, op, c); break;
            case OpKind.Ftruncate: Ftruncate(s, op, c); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op.Kind, "unknown op kind");
        }
    }

    // ---- helpers over the immutable state ----

    /// <summary>
    /// Out-of-memory outcomes are allowed only when free system RAM is nearly gone (docs: "Memory"). The slack
    /// is for pages concurrent ops hold in flight; a setup op ran alone (<see cref="StepContext.Sequential"/>),
    /// so there it fails only when not one page is free. With the history's slack instead, a large op range
    /// (a 4096-page migration on a 4096-page machine) made every setup write also offer SIGBUS, and the
    /// initial state set doubled per write.
    /// </summary>
    private bool LowMemory(RefState s, StepContext c) =>
        Setting.Machine is { } m && m.RamPages - s.SystemPagesUpperBound() < (c.Sequential ? 1 : Setting.OomSlack);

    private static RefState SetPage(RefState s, string mm, MmState m, int page, PageMap pm) =>
        s.With(mms: s.Mms.SetItem(mm, m.WithPages(m.Pages.SetItem(page, pm))));

    private static SortedArrayMap<int, Frame> Unmap(SortedArrayMap<int, Frame> frames, int id)
    {
        var f = frames[id];
        return f.MapCount <= 1 ? frames.Remove(id) : frames.SetItem(id, f with { MapCount = f.MapCount - 1 });
    }

    /// <summary>Gives <paramref name="page"/> of <paramref name="mm"/> a new private frame holding <paramref name="value"/>.</summary>
    private static RefState NewFrame(RefState s, string mm, MmState m, int page, PageMap pm, long value,
        Residency residency = Residency.System, bool tentative = false)
    {
        var frames = pm.Slot > 0 ? Unmap(s.Frames, pm.Slot) : s.Frames;
        var s1 = s.With(frames: frames);
        var id = s1.FreeFrameId();
        s1 = s1.With(frames: frames.Add(id, new Frame(value, residency, 1, tentative)));
        return SetPage(s1, mm, m, page, pm with { Slot = id });
    }

    private static RefState SetFrame(RefState s, int id, Frame f) => s.With(frames: s.Frames.SetItem(id, f));

    private static long ShmValue(RefState s, long key) => s.Shm.TryGetValue(key, out var v) ? v : 0;

    /// <summary>Drops every page of <paramref name="m"/> in [from, to); frames nobody maps any more are freed.</summary>
    private static RefState DropPages(RefState s, string mm, MmState m, int from, int to, bool keepMappings)
    {
        var pages = m.Pages;
        var frames = s.Frames;
        foreach (var (p, pm) in m.Pages)
        {
            if (p < from || p >= to) continue;
            if (pm.Kind == MapKind.Private && pm.Slot > 0) frames = Unmap(frames, pm.Slot);
            if (keepMappings)
            {
                if (pm.Kind == MapKind.Private) pages = pages.SetItem(p, pm with { Slot = PageMap.SlotNone });
            }
            else
            {
                pages = pages.Remove(p);
            }
        }
        return s.With(mms: s.Mms.SetItem(mm, m.WithPages(pages)), frames: frames);
    }

    private static bool Covered(MmState m, int from, int count, out bool anyMapped)
    {
        anyMapped = false;
        var all = true;
        for (var p = from; p < from + count; p++)
        {
            if (m.Pages.ContainsKey(p)) anyMapped = true;
            else all = false;
        }
        return all;
    }
}
