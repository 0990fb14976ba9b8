using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Generation;

/// <summary>Workload shapes for <see cref="HistoryGenerator"/>.</summary>
public enum WorkloadKind
{
    /// <summary>Reads and writes of 64 private pages of one address space.</summary>
    ReadWrite,
    /// <summary>Reads and writes of a single page: every op conflicts with every other.</summary>
    Contended,
    /// <summary>Reads and writes mixed with fork, exit, migration both ways, munmap/mmap and mprotect.</summary>
    Mixed,
    /// <summary>Like <see cref="ReadWrite"/>, with one read result corrupted halfway: not linearizable.</summary>
    Broken,
    /// <summary>
    /// Several address spaces, each driven by its own two processes (threads of one program): reads, writes,
    /// device reads and writes, migration both ways, mprotect, munmap, mmap, fork and exit of children.
    /// </summary>
    DeviceMixed,
}

/// <summary>
/// Produces histories by running processes concurrently against a <see cref="SimulatedSystem"/>: each op is
/// invoked, later applied atomically (its linearization point) and later still completed, with processes
/// interleaved at random. Histories of a correct system are linearizable by construction.
/// </summary>
public static class HistoryGenerator
{
    public static readonly MachineSpec Machine = new(RamPages: 4096, DevicePages: 256, DeviceStartPfn: 1 << 20);

    public static bool TryParseKind(string text, out WorkloadKind kind)
    {
        switch (text)
        {
            case "rw": kind = WorkloadKind.ReadWrite; return true;
            case "contended": kind = WorkloadKind.Contended; return true;
            case "mixed": kind = WorkloadKind.Mixed; return true;
            case "broken": kind = WorkloadKind.Broken; return true;
            case "device-mixed": kind = WorkloadKind.DeviceMixed; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>A history of <paramref name="kind"/>; <paramref name="broken"/>: one read completed halfway through gets a value nobody wrote.</summary>
    public static History.History Generate(WorkloadKind kind, int ops, int processes, int seed, bool broken = false)
    {
        var rng = new Random(seed);
        if (kind == WorkloadKind.DeviceMixed)
        {
            var h = DeviceMixed(ops, processes, rng);
            return broken ? CorruptOneRead(h) : h;
        }
        var pages = kind == WorkloadKind.Contended ? 1 : kind == WorkloadKind.Mixed ? 16 : 64;
        var setup = new List<Op> { new() { Kind = OpKind.Mmap, Mm = "A", Page = 0, Pages = pages, Prot = Prot.ReadWrite } };
        long counter = 0;
        Func<int, Op?> next = kind == WorkloadKind.Mixed
            ? MixedOps(rng, pages, () => ++counter)
            : _ => rng.Next(2) == 0
                ? new Op { Kind = OpKind.Read, Mm = "A", Page = rng.Next(pages) }
                : new Op { Kind = OpKind.Write, Mm = "A", Page = rng.Next(pages), Value = ++counter };
        var header = new HistoryHeader(HistoryHeader.CurrentVersion, null, null, Machine, setup);
        var history = Run(header, new SimulatedSystem(), processes, next, ops, rng);
        return kind == WorkloadKind.Broken || broken ? CorruptOneRead(history) : history;
    }

    /// <summary>
    /// Runs <paramref name="processes"/> processes, each taking its next op from <paramref name="nextOp"/>
    /// (null: the process is done), until <paramref name="maxOps"/> ops were invoked. With
    /// <paramref name="crashRate"/> &gt; 0 some completions are recorded as <c>info</c> (the process then stops).
    /// </summary>
    public static History.History Run(HistoryHeader header, SimulatedSystem system, int processes, Func<int, Op?> nextOp,
        int maxOps, Random rng, double crashRate = 0)
    {
        foreach (var op in header.Setup) system.Apply(op);
        var recorder = new HistoryRecorder(header);
        var pending = new (int Id, Op Op, OpResult? Result)?[processes];
        var done = new bool[processes];
        var invoked = 0;
        var live = Enumerable.Range(0, processes).ToList();
        while (live.Count > 0)
        {
            var slot = rng.Next(live.Count);
            var p = live[slot];
            if (pending[p] is not { } cur)
            {
                var op = invoked < maxOps ? nextOp(p) : null;
                if (op is null)
                {
                    done[p] = true;
                    live.RemoveAt(slot);
                    continue;
                }
                invoked++;
                pending[p] = (recorder.Invoke(p, op), op, null);
            }
            else if (cur.Result is null)
            {
                pending[p] = cur with { Result = system.Apply(cur.Op) };
            }
            else
            {
                pending[p] = null;
                if (crashRate > 0 && rng.NextDouble() < crashRate)
                {
                    recorder.Complete(cur.Id, EventType.Info, null);
                    live.RemoveAt(slot);
                    continue;
                }
                recorder.Ok(cur.Id, cur.Result);
            }
        }
        return recorder.ToHistory();
    }

    private static Func<int, Op?> MixedOps(Random rng, int pages, Func<long> value)
    {
        var children = 0;
        var live = new List<string> { "A" };
        return _ =>
        {
            var mm = live[rng.Next(live.Count)];
            var page = rng.Next(pages);
            var roll = rng.Next(100);
            switch (roll)
            {
                case < 30: return new Op { Kind = OpKind.Read, Mm = mm, Page = page };
                case < 60: return new Op { Kind = OpKind.Write, Mm = mm, Page = page, Value = value() };
                case < 70: return new Op { Kind = OpKind.MigrateToDevice, Mm = mm, Page = page, Pages = 1 + rng.Next(Math.Min(4, pages - page)) };
                case < 76: return new Op { Kind = OpKind.MigrateToSystem, Mm = mm, Page = page, Pages = 1 + rng.Next(Math.Min(4, pages - page)) };
                case < 82: return new Op { Kind = OpKind.Mprotect, Mm = mm, Page = page, Pages = 1, Prot = rng.Next(2) == 0 ? Prot.Read : Prot.ReadWrite };
                case < 86: return new Op { Kind = OpKind.Munmap, Mm = mm, Page = page, Pages = 1 };
                case < 92: return new Op { Kind = OpKind.Mmap, Mm = mm, Page = page, Pages = 1, Prot = Prot.ReadWrite };
                case < 96 when live.Count < 4:
                {
                    var child = $"C{++children}";
                    live.Add(child);
                    return new Op { Kind = OpKind.Fork, Mm = mm, Child = child };
                }
                case < 98 when mm != "A":
                    live.Remove(mm);
                    return new Op { Kind = OpKind.Exit, Mm = mm };
                default:
                    return new Op { Kind = OpKind.Read, Mm = mm, Page = page };
            }
        };
    }

    /// <summary>
    /// <see cref="WorkloadKind.DeviceMixed"/>: address spaces R0, R1, ... (one per two processes, 16 pages each,
    /// half of them written and migrated to the device in the setup); process p works on family p / 2: its root
    /// and the children forked from it (at most two live at a time).
    /// </summary>
    private static History.History DeviceMixed(int ops, int processes, Random rng)
    {
        const int pages = 16;
        var families = Math.Max(1, (processes + 1) / 2);
        var setup = new List<Op>();
        long counter = 0;
        var live = new List<string>[families];
        for (var f = 0; f < families; f++)
        {
            var root = $"R{f}";
            live[f] = [root];
            setup.Add(new Op { Kind = OpKind.Mmap, Mm = root, Page = 0, Pages = pages, Prot = Prot.ReadWrite });
            for (var p = 0; p < pages; p += 2) setup.Add(new Op { Kind = OpKind.Write, Mm = root, Page = p, Value = ++counter });
            setup.Add(new Op { Kind = OpKind.MigrateToDevice, Mm = root, Page = 0, Pages = pages / 2 });
        }
        var children = new int[families];
        Op? Next(int process)
        {
            var f = process / 2 % families;
            var mms = live[f];
            var mm = mms[rng.Next(mms.Count)];
            var page = rng.Next(pages);
            var range = 1 + rng.Next(Math.Min(4, pages - page));
            switch (rng.Next(100))
            {
                case < 28: return new Op { Kind = OpKind.Read, Mm = mm, Page = page };
                case < 54: return new Op { Kind = OpKind.Write, Mm = mm, Page = page, Value = ++counter };
                case < 58: return new Op { Kind = OpKind.DeviceRead, Mm = mm, Page = page };
                case < 62: return new Op { Kind = OpKind.DeviceWrite, Mm = mm, Page = page, Value = ++counter };
                case < 72: return new Op { Kind = OpKind.MigrateToDevice, Mm = mm, Page = page, Pages = range };
                case < 80: return new Op { Kind = OpKind.MigrateToSystem, Mm = mm, Page = page, Pages = range };
                case < 86: return new Op { Kind = OpKind.Mprotect, Mm = mm, Page = page, Pages = 1, Prot = rng.Next(3) == 0 ? Prot.Read : Prot.ReadWrite };
                case < 90: return new Op { Kind = OpKind.Munmap, Mm = mm, Page = page, Pages = 1 };
                case < 95: return new Op { Kind = OpKind.Mmap, Mm = mm, Page = page, Pages = 1, Prot = Prot.ReadWrite };
                case < 97 when mms.Count < 3:
                {
                    var child = $"R{f}.{++children[f]}";
                    mms.Add(child);
                    return new Op { Kind = OpKind.Fork, Mm = mm, Child = child };
                }
                case < 99 when mm != $"R{f}":
                    mms.Remove(mm);
                    return new Op { Kind = OpKind.Exit, Mm = mm };
                default:
                    return new Op { Kind = OpKind.Read, Mm = mm, Page = page };
            }
        }
        var header = new HistoryHeader(HistoryHeader.CurrentVersion, null, null, Machine, setup);
        return Run(header, new SimulatedSystem(), processes, Next, ops, rng);
    }

    /// <summary>Replaces the result of the read completed halfway through with a value nobody wrote.</summary>
    private static History.History CorruptOneRead(History.History h)
    {
        var events = h.Events.ToList();
        var reads = new HashSet<int>(events.Where(e => e.Type == EventType.Invoke && e.Op!.Kind == OpKind.Read).Select(e => e.Id));
        for (var i = events.Count / 2; i < events.Count; i++)
        {
            if (events[i].Type == EventType.Ok && reads.Contains(events[i].Id))
            {
                events[i] = events[i] with { Result = OpResult.OfValue(-1) };
                break;
            }
        }
        return new History.History(h.Header, events);
    }
}
