namespace Hmm.Spec.Actors.Verification;

/// <summary>
/// One scheduling decision of a verify execution: which actor just ran (-1 before the first), whether it could
/// have continued (switching away from it then is a preemption), whether it is waiting for others' progress (a
/// refault), the actors that can run, and the footprint of the transition that just ended.
/// </summary>
internal readonly record struct Decision(int Last, bool LastPreemptible, bool LastYielding, IReadOnlyList<int> Enabled, Footprint? Ended);

/// <summary>Decides who runs next: the bounded search, or a fixed schedule when replaying a bundle.</summary>
internal interface IScheduleChooser
{
    /// <summary>The actor to run next (one of <c>d.Enabled</c>), or -1 to abandon the execution (pruned).</summary>
    int Choose(in Decision d);

    /// <summary>Nobody can run any more (the end, or a deadlock): false to count the run as abandoned (pruned).</summary>
    bool EndOfRun(Footprint? ended);
}
