namespace Hmm.Spec.Model.Locking;

/// <summary>
/// A reader/writer semaphore (mmap_sem) from controlled primitives (Coyote's <see cref="SemaphoreSlim"/> under
/// explore, the verify scheduler's semaphores under verify): a reader count guarded by one semaphore and a second
/// one held by the writer or by the reader group. Readers are
/// preferred (a writer may wait while readers come and go), which admits every interleaving the kernel's
/// fair rwsem admits except writer-starvation ones. Acquire and release are steps.
/// </summary>
internal sealed class RwSemaphore
{
    private readonly KernelWorld world;
    // Coyote's controlled semaphores (explore), or the verify scheduler's pair (see IControlledScheduler).
    private readonly SemaphoreSlim? _readerGate, _writerOrReaders;
    private readonly IControlledSemaphore? _ctlReaderGate, _ctlWriterOrReaders;
    private readonly List<string> _readers = [];

    // The facts of this semaphore's Lock and Unlock steps (see LockStep), the shared instances.
    private readonly LockStep _downRead, _upRead, _downWrite, _upWrite;

    public RwSemaphore(KernelWorld world, string name, LockClass lockClass = LockClass.Other)
    {
        this.world = world;
        Name = name;
        var steps = LockStep.RwsemSteps[(int)lockClass];
        _downRead = steps[0];
        _upRead = steps[1];
        _downWrite = steps[2];
        _upWrite = steps[3];
        if (world.Controlled is { } scheduler)
        {
            _ctlReaderGate = scheduler.CreateSemaphore(1, name + " readers");
            _ctlWriterOrReaders = scheduler.CreateSemaphore(1, name);
        }
        else
        {
            _readerGate = new(1, 1);
            _writerOrReaders = new(1, 1);
        }
    }

    public string Name { get; }
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
        GateWait();
        if (_readers.Count == 0)
            ExclusiveWait();
        _readers.Add(world.CurrentActor);
        GateRelease();
        world.Record(StepKind.Lock, function, Name, new StepDetail(_downRead));
    }

    /// <summary>up_read.</summary>
    public void UpRead(string function)
    {
        if (!ReadHeldByCurrent)
            world.Violation(ViolationCategory.LockDiscipline, function, $"up_read({Name}) by {world.CurrentActor}, not a reader");
        world.Record(StepKind.Unlock, function, Name, new StepDetail(_upRead));
        GateWait();
        _readers.Remove(world.CurrentActor);
        if (_readers.Count == 0)
            ExclusiveRelease();
        GateRelease();
    }

    /// <summary>down_write.</summary>
    public void DownWrite(string function)
    {
        if (HeldByCurrent)
            world.Violation(ViolationCategory.Deadlock, function, $"down_write({Name}) while already holding it");
        ExclusiveWait();
        Writer = world.CurrentActor;
        world.Record(StepKind.Lock, function, Name, new StepDetail(_downWrite));
    }

    /// <summary>up_write.</summary>
    public void UpWrite(string function)
    {
        if (!WriteHeldByCurrent)
            world.Violation(ViolationCategory.LockDiscipline, function, $"up_write({Name}) by {world.CurrentActor}, writer is {Writer ?? "nobody"}");
        world.Record(StepKind.Unlock, function, Name, new StepDetail(_upWrite));
        Writer = null;
        ExclusiveRelease();
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

    private void GateWait()
    {
        if (_ctlReaderGate is null)
            _readerGate!.Wait();
        else
            _ctlReaderGate.Wait();
    }

    private void GateRelease()
    {
        if (_ctlReaderGate is null)
            _readerGate!.Release();
        else
            _ctlReaderGate.Release();
    }

    private void ExclusiveWait()
    {
        if (_ctlWriterOrReaders is null)
            _writerOrReaders!.Wait();
        else
            _ctlWriterOrReaders.Wait();
    }

    private void ExclusiveRelease()
    {
        if (_ctlWriterOrReaders is null)
            _writerOrReaders!.Release();
        else
            _ctlWriterOrReaders.Release();
    }
}
