using Hmm.Spec.Model;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Harness;

/// <summary>
/// Runs one scenario op on the model's syscall/driver facade and translates the outcome into the shared
/// result vocabulary. Synchronous, as the kernel paths are; the caller has named the actor.
/// </summary>
public static class OpExecutor
{
    public static OpResult Execute(KernelWorld world, Op op) => op.Kind switch
    {
        OpKind.Mmap when op.File is not null => Status(world.Mmap(op.Mm!, op.Page!.Value, op.Pages!.Value, ToVmProt(op.Prot ?? Prot.ReadWrite), op.Shared ?? false, op.File)),
        OpKind.Mmap => Status(world.Mmap(op.Mm!, op.Page!.Value, op.Pages!.Value, ToVmProt(op.Prot ?? Prot.ReadWrite), op.Shared ?? false)),
        OpKind.MmapPfn => Status(world.MmapPfnMapping(op.Mm!, op.Page!.Value, op.Pages!.Value, op.Pfn!.Value, ToVmProt(op.Prot ?? Prot.ReadWrite), shared: op.Shared ?? true)),
        OpKind.Munmap => Status(world.Munmap(op.Mm!, op.Page!.Value, op.Pages!.Value)),
        OpKind.MadviseDontneed => Status(world.MadviseDontneed(op.Mm!, op.Page!.Value, op.Pages!.Value)),
        OpKind.Mprotect => Status(world.Mprotect(op.Mm!, op.Page!.Value, op.Pages!.Value, ToVmProt(op.Prot!.Value))),
        OpKind.Read => Access(world.UserRead(op.Mm!, op.Page!.Value)),
        OpKind.Write => Signal(world.UserWrite(op.Mm!, op.Page!.Value, op.Value!.Value)),
        OpKind.Fork => Status(world.Fork(op.Mm!, op.Child!)),
        OpKind.Exit => Status(world.Exit(op.Mm!)),
        OpKind.MigrateToDevice => OpResult.OfMigrated(world.MigrateToDevice(op.Mm!, op.Page!.Value, op.Pages ?? 1)),
        OpKind.MigrateToSystem => OpResult.OfMigrated(world.MigrateToSystem(op.Mm!, op.Page!.Value, op.Pages ?? 1)),
        OpKind.DeviceRead => Device(world.DeviceRead(op.Mm!, op.Page!.Value)),
        OpKind.DeviceWrite => Status(world.DeviceWrite(op.Mm!, op.Page!.Value, op.Value!.Value)),
        OpKind.DeviceRemove => Status(world.DeviceRemove()),
        OpKind.HotplugAdd => Status(world.HotplugAdd(op.StartPfn!.Value, op.Pages!.Value)),
        OpKind.Smaps => Smaps(world.Smaps(op.Mm!)),
        OpKind.Pagemap => Pagemap(world.Pagemap(op.Mm!, op.Page!.Value, op.Privileged ?? false)),
        OpKind.Ftruncate => Status(world.Ftruncate(op.File!, op.Pages!.Value)),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op.Kind, "op kind without a facade call"),
    };

    /// <summary>True for ops that are CPU accesses, i.e. may run the fault path (the liveness monitor watches them).</summary>
    public static bool IsCpuAccess(Op op) => op.Kind is OpKind.Read or OpKind.Write;

    public static VmProt ToVmProt(Prot prot) => prot switch
    {
        Prot.None => VmProt.None,
        Prot.Read => VmProt.Read,
        _ => VmProt.ReadWrite,
    };

    private static OpResult Status(Errno e) => e == Errno.OK ? OpResult.Success : OpResult.OfError(e.ToString());

    private static OpResult Signal(Sig s) => s == Sig.None ? OpResult.Success : OpResult.OfSignal(s.ToString());

    private static OpResult Access(AccessOutcome a) => a.Signal == Sig.None ? OpResult.OfValue(a.Value) : OpResult.OfSignal(a.Signal.ToString());

    private static OpResult Device(DeviceOutcome d) => d.Error == Errno.OK ? OpResult.OfValue(d.Value) : OpResult.OfError(d.Error.ToString());

    private static OpResult Smaps(SmapsOutcome s) => new() { Rss = s.Rss, Anon = s.Anon, Swap = s.Swap };

    /// <summary>swap_type is reported only for swap entries, as PM_SWAP's type bits mean nothing otherwise; frame always.</summary>
    private static OpResult Pagemap(PagemapOutcome p) => new()
    {
        Present = p.Present,
        SwapEntry = p.Swap,
        SwapType = p.Swap ? p.SwapType : null,
        Exclusive = p.Exclusive,
        File = p.File,
        Frame = p.Frame,
    };
}
