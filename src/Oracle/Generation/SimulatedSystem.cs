using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Generation;

/// <summary>
/// Deliberate bugs a <see cref="SimulatedSystem"/> can have, to produce histories the oracle must reject. Test-only
/// fault injection (Oracle.Tests' <c>MutationTests</c>), hence internal: no command reaches it. <c>history
/// generate</c>'s <c>broken</c> histories come from <c>HistoryGenerator.CorruptOneRead</c> instead, which changes one
/// recorded value of a correct run.
/// </summary>
[Flags]
internal enum SimBug
{
    None = 0,
    /// <summary>fork shares private pages instead of copying on write.</summary>
    ForkSharesPrivatePages = 1,
    /// <summary>munmap leaves the pages readable.</summary>
    MunmapKeepsPagesReadable = 2,
    /// <summary>migration to the device loses the page's last write.</summary>
    MigrationDropsWrite = 4,
    /// <summary>a device write to a read-only mapping succeeds.</summary>
    DeviceWriteIgnoresProtection = 8,
}

/// <summary>
/// A small, direct implementation of the op vocabulary (private anonymous memory, fork, munmap, mprotect,
/// migration, device access) that executes each op atomically. It produces ground-truth results for the
/// history generator, and, with <see cref="SimBug"/>s (tests only: the constructor that takes them is internal), the
/// histories of broken implementations. It is independent of <see cref="Reference.ReferenceModel"/>.
/// </summary>
public sealed class SimulatedSystem
{
    private readonly SimBug bugs;

    /// <summary>The correct implementation.</summary>
    public SimulatedSystem()
        : this(SimBug.None)
    {
    }

    /// <summary>An implementation with <paramref name="bugs"/> (Oracle.Tests' broken implementations).</summary>
    internal SimulatedSystem(SimBug bugs) => this.bugs = bugs;

    private sealed class Frame
    {
        public long Value, Previous;
        public bool OnDevice;
        public int Maps = 1;
    }

    private sealed class Mapping
    {
        public Prot Prot;
        public Frame? Frame;
        public bool Unmapped;   // only with MunmapKeepsPagesReadable
    }

    private readonly Dictionary<string, Dictionary<int, Mapping>> _mms = new();
    private readonly HashSet<string> _exited = new();
    private bool _deviceGone;

    public IEnumerable<string> LiveMms => _mms.Keys.Where(k => !_exited.Contains(k));
    public bool Exists(string mm) => _mms.ContainsKey(mm);

    public OpResult Apply(Op op) => op.Kind switch
    {
        OpKind.Mmap => Mmap(op),
        OpKind.Munmap => Munmap(op),
        OpKind.Mprotect => Mprotect(op),
        OpKind.Read => Read(op, device: false),
        OpKind.DeviceRead => Read(op, device: true),
        OpKind.Write => Write(op, device: false),
        OpKind.DeviceWrite => Write(op, device: true),
        OpKind.Fork => Fork(op),
        OpKind.Exit => Exit(op),
        OpKind.MigrateToDevice => Migrate(op, toDevice: true),
        OpKind.MigrateToSystem => Migrate(op, toDevice: false),
        OpKind.DeviceRemove => DeviceRemove(),
        _ => throw new NotSupportedException($"the simulated system does not implement {op.Kind.WireName()}"),
    };

    private Dictionary<int, Mapping>? Live(string? mm) =>
        mm is not null && !_exited.Contains(mm) && _mms.TryGetValue(mm, out var m) ? m : null;

    private OpResult Mmap(Op op)
    {
        if (_exited.Contains(op.Mm!)) return OpResult.OfError(Outcomes.EINVAL);
        if (!_mms.TryGetValue(op.Mm!, out var m)) _mms[op.Mm!] = m = new Dictionary<int, Mapping>();
        for (var p = op.Page!.Value; p < op.Page.Value + op.Pages!.Value; p++)
        {
            if (m.TryGetValue(p, out var old) && !old.Unmapped) return OpResult.OfError(Outcomes.EINVAL);
        }
        for (var p = op.Page!.Value; p < op.Page.Value + op.Pages!.Value; p++)
        {
            if (m.TryGetValue(p, out var old)) Drop(old);
            m[p] = new Mapping { Prot = op.Prot ?? Prot.ReadWrite };
        }
        return OpResult.Success;
    }

    private static void Drop(Mapping map)
    {
        if (map.Frame is not null) map.Frame.Maps--;
        map.Frame = null;
    }

    private OpResult Munmap(Op op)
    {
        if (Live(op.Mm) is not { } m) return OpResult.OfError(Outcomes.EINVAL);
        for (var p = op.Page!.Value; p < op.Page.Value + op.Pages!.Value; p++)
        {
            if (!m.TryGetValue(p, out var map)) continue;
            if ((bugs & SimBug.MunmapKeepsPagesReadable) != 0) map.Unmapped = true;
            else
            {
                Drop(map);
                m.Remove(p);
            }
        }
        return OpResult.Success;
    }

    private OpResult Mprotect(Op op)
    {
        if (Live(op.Mm) is not { } m) return OpResult.OfError(Outcomes.EINVAL);
        for (var p = op.Page!.Value; p < op.Page.Value + op.Pages!.Value; p++)
        {
            if (m.TryGetValue(p, out var map) && !map.Unmapped) map.Prot = op.Prot!.Value;
        }
        return OpResult.Success;
    }

    private OpResult Read(Op op, bool device)
    {
        var m = Live(op.Mm);
        Mapping? map = null;
        if (m is null || !m.TryGetValue(op.Page!.Value, out map) || map.Prot == Prot.None && !map.Unmapped)
            return device ? OpResult.OfError(Outcomes.EFAULT) : OpResult.OfSignal(Outcomes.SIGSEGV);
        if (map.Frame is null) return OpResult.OfValue(0);
        if (!device) map.Frame.OnDevice = false;
        return OpResult.OfValue(map.Frame.Value);
    }

    private OpResult Write(Op op, bool device)
    {
        var m = Live(op.Mm);
        Mapping? map = null;
        if (m is null || !m.TryGetValue(op.Page!.Value, out map) || map.Unmapped || map.Prot == Prot.None)
            return device ? OpResult.OfError(Outcomes.EFAULT) : OpResult.OfSignal(Outcomes.SIGSEGV);
        if (map.Prot != Prot.ReadWrite && !(device && (bugs & SimBug.DeviceWriteIgnoresProtection) != 0))
            return device ? OpResult.OfError(Outcomes.EPERM) : OpResult.OfSignal(Outcomes.SIGSEGV);
        if (map.Frame is null)
        {
            map.Frame = new Frame();
        }
        else if (map.Frame.Maps > 1 && (bugs & SimBug.ForkSharesPrivatePages) == 0)
        {
            map.Frame.Maps--;
            map.Frame.OnDevice = false;
            map.Frame = new Frame { Value = map.Frame.Value };
        }
        var stay = device && map.Frame.OnDevice && map.Frame.Maps == 1;
        map.Frame.Previous = map.Frame.Value;
        map.Frame.Value = op.Value!.Value;
        map.Frame.OnDevice = stay;
        return OpResult.Success;
    }

    private OpResult Fork(Op op)
    {
        if (Live(op.Mm) is not { } m || _mms.ContainsKey(op.Child!)) return OpResult.OfError(Outcomes.EINVAL);
        var child = new Dictionary<int, Mapping>();
        foreach (var (p, map) in m)
        {
            if (map.Unmapped) continue;
            if (map.Frame is not null) map.Frame.Maps++;
            child[p] = new Mapping { Prot = map.Prot, Frame = map.Frame };
        }
        _mms[op.Child!] = child;
        return OpResult.Success;
    }

    private OpResult Exit(Op op)
    {
        if (Live(op.Mm) is not { } m) return OpResult.OfError(Outcomes.EINVAL);
        foreach (var map in m.Values) Drop(map);
        m.Clear();
        _exited.Add(op.Mm!);
        return OpResult.Success;
    }

    /// <summary>Evicts every device page back to system memory; later migrations to the device move nothing.</summary>
    private OpResult DeviceRemove()
    {
        foreach (var m in _mms.Values)
        {
            foreach (var map in m.Values)
            {
                if (map.Frame is not null) map.Frame.OnDevice = false;
            }
        }
        _deviceGone = true;
        return OpResult.Success;
    }

    private OpResult Migrate(Op op, bool toDevice)
    {
        if (Live(op.Mm) is not { } m || toDevice && _deviceGone) return OpResult.OfMigrated(0);
        var moved = 0;
        for (var p = op.Page!.Value; p < op.Page.Value + (op.Pages ?? 1); p++)
        {
            if (!m.TryGetValue(p, out var map) || map.Unmapped || map.Frame is not { } f) continue;
            if (toDevice)
            {
                if (f.OnDevice || f.Maps != 1 || map.Prot == Prot.None) continue;
                f.OnDevice = true;
                if ((bugs & SimBug.MigrationDropsWrite) != 0) f.Value = f.Previous;
            }
            else
            {
                if (!f.OnDevice) continue;
                f.OnDevice = false;
            }
            moved++;
        }
        return OpResult.OfMigrated(moved);
    }
}
