namespace Hmm.Spec.Model;

/// <summary>
/// The scheduler seam. Under <c>explore</c> the world has none: scheduling points go to Coyote
/// (<c>SchedulingPoint.Read/Write</c>) and locks are Coyote-controlled <see cref="SemaphoreSlim"/>s, exactly as
/// before. Under <c>verify</c> a deterministic explorer implements this interface: it runs one actor at a time,
/// decides at every point which actor runs next, and learns from <see cref="OnRecord"/> what each step touched
/// (the footprint its partial-order reduction compares). Calls made outside an actor (setup, final ops, checks)
/// run straight through.
/// </summary>
public interface IControlledScheduler
{
    /// <summary>A scheduling point before a marked shared access (<see cref="KernelWorld.Point"/>).</summary>
    void Access(StepKind kind, string resource);

    /// <summary>
    /// A refault: the task waits for another task's progress (the CPU re-executing a faulting instruction). A
    /// switch away from it here is not a preemption, and it runs again only when no other task can.
    /// </summary>
    void Retry(string function);

    /// <summary>
    /// Sleeps until <paramref name="condition"/> holds (wait_for_completion): a scheduling point enabled only when it
    /// does. <paramref name="resource"/> is what the condition reads; a write to it may wake the sleeper.
    /// </summary>
    void WaitUntil(Func<bool> condition, string resource);

    /// <summary>A step was recorded by the running task: part of the footprint of its current transition.</summary>
    void OnRecord(StepKind kind, string resource);

    /// <summary>A blocking primitive owned by this scheduler (the model's locks and wait queues).</summary>
    IControlledSemaphore CreateSemaphore(int initialCount, string name);
}

/// <summary>A counting semaphore whose waits are scheduling points of the <see cref="IControlledScheduler"/>.</summary>
public interface IControlledSemaphore
{
    /// <summary>Blocks until the count is positive, then decrements it (a scheduling point).</summary>
    void Wait();

    /// <summary>Decrements the count if positive (a scheduling point); never blocks.</summary>
    bool TryWait();

    /// <summary>Increments the count (may make a waiter runnable; not a scheduling point of its own).</summary>
    void Release();
}
