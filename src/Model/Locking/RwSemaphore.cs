namespace Hmm.Spec.Model.Locking;

/// <summary>
/// A reader/writer semaphore (mmap_sem) from Coyote-controlled primitives: a reader count guarded by one
/// <see cref="SemaphoreSlim"/> and a second one held by the writer or by the reader group. Readers are
/// preferred (a writer may wait while readers come and go), which admits every interleaving the kernel's
/// fair rwsem admits except writer-starvation ones. Acquire and release are steps.
/// </summary>
public sealed class RwSemaphore(KernelWorld world, string name)
{
    private readonly SemaphoreSlim _readerGate = new(1, 1);
    private readonly SemaphoreSlim _writerOrReaders = new(1, 1);
    private readonly List<string> _readers = [];

    public string Name { get; } = name;
    public string? Writer { get; private set; }
    public IReadOnlyList<string> Readers => _readers;

    public bool WriteHeldByCurrent => Writer is not null && Writer == world.CurrentActor;
    public bool ReadHeldByCurrent => _readers.Contains(world.CurrentActor);
    public bool HeldByCurrent => WriteHeldByCurrent || ReadHeldByCurrent;

    /// <summary>down_read.</summary>
    public void DownRead(string function)
    {
        if (WriteHeldByCurrent)
            world.Violation(ViolationCategory.Deadlock, function, $"down_read({Name}) while holding it for write");
        _readerGate.Wait();
        if (_readers.Count == 0)
            _writerOrReaders.Wait();
        _readers.Add(world.CurrentActor);
        _readerGate.Release();
        world.Record(StepKind.Lock, function, Name, "down_read");
    }

    /// <summary>up_read.</summary>
    public void UpRead(string function)
    {
        if (!ReadHeldByCurrent)
            world.Violation(ViolationCategory.LockDiscipline, function, $"up_read({Name}) by {world.CurrentActor}, not a reader");
        world.Record(StepKind.Unlock, function, Name, "up_read");
        _readerGate.Wait();
        _readers.Remove(world.CurrentActor);
        if (_readers.Count == 0)
            _writerOrReaders.Release();
        _readerGate.Release();
    }

    /// <summary>down_write.</summary>
    public void DownWrite(string function)
    {
        if (HeldByCurrent)
            world.Violation(ViolationCategory.Deadlock, function, $"down_write({Name}) while already holding it");
        _writerOrReaders.Wait();
        Writer = world.CurrentActor;
        world.Record(StepKind.Lock, function, Name, "down_write");
    }

    /// <summary>up_write.</summary>
    public void UpWrite(string function)
    {
        if (!WriteHeldByCurrent)
            world.Violation(ViolationCategory.LockDiscipline, function, $"up_write({Name}) by {world.CurrentActor}, writer is {Writer ?? "nobody"}");
        world.Record(StepKind.Unlock, function, Name, "up_write");
        Writer = null;
        _writerOrReaders.Release();
    }

    /// <summary>Asserts the current actor holds the semaphore (read or write).</summary>
    public void AssertHeld(string function, string what)
    {
        if (!HeldByCurrent)
            world.Violation(ViolationCategory.LockDiscipline, function, $"{what} without {Name} held");
    }

    /// <summary>Asserts the current actor holds the semaphore for write.</summary>
    public void AssertWriteHeld(string function, string what)
    {
        if (!WriteHeldByCurrent)
            world.Violation(ViolationCategory.LockDiscipline, function, $"{what} without {Name} held for write");
    }
}
