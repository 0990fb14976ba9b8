namespace Hmm.Spec.Model.Locking;

/// <summary>
/// A spinlock (the page-table lock, one per mm in this model; the kernel splits it per page-table page, which
/// only changes which PTEs contend, not the protocol). Built on a Coyote-controlled <see cref="SemaphoreSlim"/>
/// (explore) or the verify scheduler's semaphore (<see cref="IControlledScheduler"/>), so that acquisition is a
/// real blocking point either way; an owner field lets paths assert "PTL held".
/// Acquire and release are steps.
/// </summary>
internal sealed class KernelSpinLock
{
    private readonly KernelWorld world;
    // Exactly one of the two: Coyote's controlled semaphore (explore) or the verify scheduler's (see IControlledScheduler).
    private readonly SemaphoreSlim? _sem;
    private readonly IControlledSemaphore? _ctl;

    // The facts of this lock's Lock and Unlock steps (see LockStep), the shared instances.
    private readonly LockStep _locked, _tryLocked, _tryFailed, _unlocked;

    public KernelSpinLock(KernelWorld world, string name, LockClass lockClass = LockClass.Other)
    {
        this.world = world;
        Name = name;
        var steps = LockStep.SpinLockSteps[(int)lockClass];
        _locked = steps[0];
        _tryLocked = steps[1];
        _tryFailed = steps[2];
        _unlocked = steps[3];
        if (world.Controlled is { } scheduler)
            _ctl = scheduler.CreateSemaphore(1, name);
        else
            _sem = new(1, 1);
    }

    public string Name { get; }
    /// <summary>Actor holding the lock, or null.</summary>
    public string? Owner { get; private set; }

    public bool HeldByCurrent => Owner is not null && Owner == world.CurrentActor;

    /// <summary>spin_lock.</summary>
    public void Lock(string function)
    {
        if (HeldByCurrent)
            world.Violation(ViolationCategory.Deadlock, function, $"{Name} taken recursively by {Owner}");
        if (_ctl is null)
            _sem!.Wait();
        else
            _ctl.Wait();
        Owner = world.CurrentActor;
        world.Record(StepKind.Lock, function, Name, new StepDetail(_locked));
    }

    /// <summary>spin_trylock.</summary>
    public bool TryLock(string function)
    {
        if (HeldByCurrent)
            return false;
        if (!(_ctl is null ? _sem!.Wait(0) : _ctl.TryWait()))
        {
            world.Record(StepKind.Lock, function, Name, new StepDetail(_tryFailed));
            return false;
        }
        Owner = world.CurrentActor;
        world.Record(StepKind.Lock, function, Name, new StepDetail(_tryLocked));
        return true;
    }

    /// <summary>spin_unlock.</summary>
    public void Unlock(string function)
    {
        if (!HeldByCurrent)
            world.Violation(ViolationCategory.LockDiscipline, function, $"{Name} released by {world.CurrentActor}, held by {Owner ?? "nobody"}");
        Owner = null;
        world.Record(StepKind.Unlock, function, Name, new StepDetail(_unlocked));
        if (_ctl is null)
            _sem!.Release();
        else
            _ctl.Release();
    }

    /// <summary>lockdep_assert_held.</summary>
    public void AssertHeld(string function, string what)
    {
        if (!HeldByCurrent)
            world.Violation(ViolationCategory.LockDiscipline, function, $"{what} without {Name} held");
    }
}
