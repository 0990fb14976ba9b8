namespace Hmm.Spec.Model;

/// <summary>
/// The livelock check for a loop that refaults until an access succeeds (the CPU re-executing an instruction,
/// the driver faulting in its mirror). A livelock is a fault that keeps failing while the rest of the system
/// keeps running: retries made while no other task took a step are the scheduler starving that task (an unfair
/// schedule), not the kernel livelocking — on real hardware the other task runs on its own CPU, and a PTL holder
/// cannot even be preempted. A task that refaults with nobody else running at all is a livelock too, after
/// <see cref="SoloRetryFactor"/> times as many retries, beyond any exploration's step budget.
/// </summary>
internal struct FaultRetryGuard(KernelWorld world, string function, string what)
{
    /// <summary>How many more retries a fault may make when no other task runs in between.</summary>
    public const int SoloRetryFactor = 100;

    private int _attempts;
    private int _retriesWhileOthersRan;
    private int _mark = world.StepCount;

    /// <summary>Call before each attempt; raises <c>livelock</c> when the retries exceed the world's limit.</summary>
    public void BeforeAttempt()
    {
        if (_attempts++ > 0)
        {
            world.Controlled?.Retry(function);
            if (world.OthersSteppedSince(_mark))
                _retriesWhileOthersRan++;
            _mark = world.StepCount;
        }
        var limit = world.FaultRetryLimit;
        if (_retriesWhileOthersRan > limit)
            world.Violation(ViolationCategory.Livelock, function, $"{what} still faulting after {limit} retries while other tasks ran");
        if (_attempts - 1 > limit * SoloRetryFactor)
            world.Violation(ViolationCategory.Livelock, function, $"{what} still faulting after {_attempts - 2} retries with no other task running");
    }
}
