namespace Hmm.Spec.Model;

/// <summary>
/// mm/oom_kill.c as the x86 page-fault path reaches it: arch/x86/mm/fault.c mm_fault_error calls
/// pagefault_out_of_memory() for a user fault that returned VM_FAULT_OOM and returns to user space, which
/// re-executes the instruction (the fault is retried; the result is never SIGBUS). docs/kernel-model.md,
/// "Fault errors: VM_FAULT_OOM".
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>
    /// pagefault_out_of_memory. v4.11: (no memcg) mutex_trylock(oom_lock), out_of_memory() with gfp_mask 0:
    /// select_bad_process picks the task with the highest oom_badness (rss + swap entries) and oom_kill_process
    /// kills it. From 60e2793d440a (v5.16, "mm, oom: do not trigger out_of_memory from the #PF") it only prints
    /// "Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF" (ratelimited). Either way the caller
    /// retries the fault. The model records the kill as a visible event naming the victim the kernel would
    /// choose and does not carry it out: scenarios and histories have no process death, and the victim's exit
    /// is what a scenario models as an op (docs/kernel-model.md says what this hides).
    /// </summary>
    internal void pagefault_out_of_memory(MmStruct current)
    {
        const string fn = nameof(pagefault_out_of_memory);
        if (!Variant.PagefaultOutOfMemoryKills)
        {
            Record(StepKind.Note, fn, $"mm {current.Name}", "Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF");
            return;
        }
        var victim = select_bad_process(out var points);
        Record(StepKind.Note, "out_of_memory", $"mm {current.Name}", victim is null
            ? "OOM killer invoked: no killable process (the kernel panics); the model retries the fault"
            : $"OOM killer invoked: Out of memory: Kill process {victim.Name} (score {points}){(victim == current ? ", the faulting process itself" : "")}; the model records the kill and retries the fault");
        OomKills.Add(new OomKillEvent(current.Name, victim?.Name, points));
    }

    /// <summary>
    /// select_bad_process / oom_badness (v4.11, without oom_score_adj or page-table pages): the live address
    /// space with the most rss (anon + file + shmem) plus swap entries; the first one on a tie, as the task
    /// list walk keeps the first maximum.
    /// </summary>
    private MmStruct? select_bad_process(out long chosenPoints)
    {
        const string fn = "oom_badness";
        MmStruct? chosen = null;
        chosenPoints = 0;
        foreach (var mm in Mms.Values.ToList())
        {
            if (mm.Exited || !mm.Born)
                continue;
            long points = 0;
            foreach (var counter in Enum.GetValues<MmCounter>())
                points += mm.get_mm_counter(counter, fn);
            if (points == 0 || points <= chosenPoints)
                continue;
            chosen = mm;
            chosenPoints = points;
        }
        return chosen;
    }

    /// <summary>Every OOM kill the seed-era fault path asked for, in order (tests and reports read it).</summary>
    internal List<OomKillEvent> OomKills { get; } = [];
}

/// <summary>One out_of_memory call from pagefault_out_of_memory: who faulted, whom the OOM killer chose.</summary>
internal readonly record struct OomKillEvent(string Faulting, string? Victim, long Points);
