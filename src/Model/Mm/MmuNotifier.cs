namespace Hmm.Spec.Model;

/// <summary>
/// struct mmu_notifier_ops as the 2017 HMM mirror uses it (include/linux/mmu_notifier.h, v4.11–v4.14):
/// <c>release</c> (exit_mmap), <c>invalidate_range_start</c> and <c>invalidate_range_end</c>, both called
/// without the PTL and allowed to sleep. v4.14 removed <c>invalidate_page</c> (369ea8242c0f), so every PTE
/// change a secondary MMU must see is bracketed by start/end.
/// </summary>
internal interface IMmuNotifier
{
    void release(MmStruct mm);
    void invalidate_range_start(MmStruct mm, long start, long end);
    void invalidate_range_end(MmStruct mm, long start, long end);
}

/// <summary>
/// mm/mmu_notifier.c: the notifier chain of an mm (mm->mmu_notifier_mm) and the calls the core mm makes around
/// PTE changes. The model calls range_start/end where v4.11 does: copy_page_range for a COW mapping (the parent's
/// PTEs are write-protected), change_pmd_range (mprotect), unmap_vmas / zap_page_range /
/// zap_page_range_single (munmap, exit, MADV_DONTNEED, truncation), wp_page_copy (COW break),
/// migrate_vma_collect (around the collect walk), try_to_unmap_one (v4.13+ range form), and release at the start
/// of exit_mmap. It also keeps, as ghost state for the mirror's consistency check, which ranges are between
/// start and end (no kernel structure in 2017; hmm->notifiers from a3e0d41c2b1f is the same count).
/// </summary>
public sealed partial class KernelWorld
{
    private sealed class MmuNotifierMm
    {
        public readonly List<IMmuNotifier> Subscribers = [];
        /// <summary>Ghost: [start, end) of each invalidation between its start and end call.</summary>
        public readonly List<(long Start, long End)> InProgress = [];
    }

    private readonly Dictionary<MmStruct, MmuNotifierMm> _mmuNotifiers = [];

    internal static string MmuNotifierRes(MmStruct mm) => $"mmu_notifier {mm.Name}";
    internal static string MmuNotifierRangesRes(MmStruct mm) => $"mmu_notifier {mm.Name} ranges";

    /// <summary>mmu_notifier_register: the caller holds mmap_sem for write (the kernel takes it inside).</summary>
    internal void mmu_notifier_register(IMmuNotifier mn, MmStruct mm)
    {
        const string fn = nameof(mmu_notifier_register);
        mm.MmapSem.AssertWriteHeld(fn, "mmu_notifier_register");
        Point(StepKind.Write, MmuNotifierRes(mm));
        if (!_mmuNotifiers.TryGetValue(mm, out var chain))
            _mmuNotifiers[mm] = chain = new MmuNotifierMm();
        if (!chain.Subscribers.Contains(mn))
            chain.Subscribers.Add(mn);
        Record(StepKind.Write, fn, MmuNotifierRes(mm), $"{chain.Subscribers.Count} subscriber(s)");
    }

    /// <summary>The subscribers of <paramref name="mm"/> (hlist_for_each_entry_rcu under srcu: a read of the list).</summary>
    private List<IMmuNotifier> NotifierChain(MmStruct mm, string fn)
    {
        Point(StepKind.Read, MmuNotifierRes(mm));
        var subs = _mmuNotifiers.TryGetValue(mm, out var chain) ? chain.Subscribers.ToList() : [];
        Record(StepKind.Read, fn, MmuNotifierRes(mm), $"{subs.Count} subscriber(s)");
        return subs;
    }

    /// <summary>mmu_notifier_invalidate_range_start(mm, start, end): before the PTEs of [start, end) change.</summary>
    internal void mmu_notifier_invalidate_range_start(MmStruct mm, long start, long end)
    {
        const string fn = nameof(mmu_notifier_invalidate_range_start);
        if (!_mmuNotifiers.TryGetValue(mm, out var chain))
        {
            // mm_has_notifiers() is false: nothing is called (a read of mm->mmu_notifier_mm).
            Touch(StepKind.Read, MmuNotifierRes(mm));
            return;
        }
        Touch(StepKind.Write, MmuNotifierRangesRes(mm));
        chain.InProgress.Add((start, end));
        foreach (var mn in NotifierChain(mm, fn))
            mn.invalidate_range_start(mm, start, end);
    }

    /// <summary>mmu_notifier_invalidate_range_end(mm, start, end): after the PTE changes (and the PTL) are done.</summary>
    internal void mmu_notifier_invalidate_range_end(MmStruct mm, long start, long end)
    {
        const string fn = nameof(mmu_notifier_invalidate_range_end);
        if (!_mmuNotifiers.TryGetValue(mm, out var chain))
        {
            Touch(StepKind.Read, MmuNotifierRes(mm));
            return;
        }
        foreach (var mn in NotifierChain(mm, fn))
            mn.invalidate_range_end(mm, start, end);
        Touch(StepKind.Write, MmuNotifierRangesRes(mm));
        chain.InProgress.Remove((start, end));
    }

    /// <summary>mmu_notifier_release (__mmu_notifier_release from exit_mmap): every subscriber's release, then unlink.</summary>
    internal void mmu_notifier_release(MmStruct mm)
    {
        const string fn = nameof(mmu_notifier_release);
        if (!_mmuNotifiers.ContainsKey(mm))
        {
            Touch(StepKind.Read, MmuNotifierRes(mm));
            return;
        }
        foreach (var mn in NotifierChain(mm, fn))
            mn.release(mm);
        Point(StepKind.Write, MmuNotifierRes(mm));
        _mmuNotifiers[mm].Subscribers.Clear();
        Record(StepKind.Write, fn, MmuNotifierRes(mm), "unlinked");
    }

    /// <summary>
    /// Ghost (no kernel read): is an invalidation of <paramref name="address"/> in <paramref name="mm"/> between
    /// its start and end call? The mirror's consistency check tolerates a stale entry only then.
    /// </summary>
    internal bool InvalidationInProgress(MmStruct mm, long address)
    {
        Touch(StepKind.Read, MmuNotifierRangesRes(mm));
        return _mmuNotifiers.TryGetValue(mm, out var chain) && chain.InProgress.Any(r => r.Start <= address && address < r.End);
    }

    /// <summary>The same without a footprint, for a sleeper's wake-up condition (evaluated by the scheduler).</summary>
    internal bool InvalidationInProgressRaw(MmStruct mm, long address) =>
        _mmuNotifiers.TryGetValue(mm, out var chain) && chain.InProgress.Any(r => r.Start <= address && address < r.End);
}
