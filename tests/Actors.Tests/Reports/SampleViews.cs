using Hmm.Spec.Actors.Reports;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Tests.Reports;

/// <summary>Hand-written step lists shaped like the model's: the seed's fault-vs-fault use-after-free, and a long
/// livelock of retried faults. The report code only sees StepRecords, so these exercise it fully.</summary>
internal static class SampleViews
{
    public const int UafSeq = 31;

    /// <summary>Two CPUs fault on the same device page; cpu1 migrates it back and frees it while cpu0's
    /// device_entry_fault still uses it (the seed's do_swap_page takes neither the PTL nor a reference).</summary>
    public static ReplayView SeedUseAfterFree(int? stepSeq = UafSeq)
    {
        var b = new StepBuilder();
        b.Add("setup", "do_mmap", StepKind.Lock, "mmap_sem A", "down_write", Lock(LockClass.MmapSem, LockAction.DownWrite));
        b.Add("setup", "do_mmap", StepKind.Call, "vma A:0-4", "anon private rw");
        b.Add("setup", "do_mmap", StepKind.Unlock, "mmap_sem A", "up_write", Lock(LockClass.MmapSem, LockAction.UpWrite));
        b.Add("setup", "migrate_vma", StepKind.Lock, "ptl A", "", Lock(LockClass.PageTable, LockAction.SpinLock));
        b.Add("setup", "migrate_vma", StepKind.Write, "pte A:3", "present pfn=12 -> device-write pfn=1027");
        b.Add("setup", "migrate_vma", StepKind.Write, "page 1027 refcount", "1 -> 2", new CountChange(CountText.PageRef, 1, 2));
        b.Add("setup", "migrate_vma", StepKind.Write, "page 1027 mapcount", "0 -> 1", new CountChange(CountText.PageMap, 0, 1));
        b.Add("setup", "migrate_vma", StepKind.Unlock, "ptl A", "", Lock(LockClass.PageTable, LockAction.SpinUnlock));
        b.Add("cpu0", "handle_mm_fault", StepKind.Lock, "mmap_sem A", "down_read", Lock(LockClass.MmapSem, LockAction.DownRead));
        b.Add("cpu0", "handle_pte_fault", StepKind.Read, "pte A:3", "device-write pfn=1027");
        b.Add("cpu1", "handle_mm_fault", StepKind.Lock, "mmap_sem A", "down_read", Lock(LockClass.MmapSem, LockAction.DownRead));
        b.Add("cpu1", "handle_pte_fault", StepKind.Read, "pte A:3", "device-write pfn=1027");
        b.Add("cpu0", "do_swap_page", StepKind.Call, "", "device entry -> device_entry_fault (no PTL, no reference)");
        b.Add("cpu1", "do_swap_page", StepKind.Call, "", "device entry -> device_entry_fault (no PTL, no reference)");
        b.Add("cpu1", "device_entry_fault", StepKind.Read, "pgmap dmirror page_fault", "dmirror_devmem_fault");
        b.Add("cpu1", "migrate_vma_collect", StepKind.Lock, "ptl A", "", Lock(LockClass.PageTable, LockAction.SpinLock));
        b.Add("cpu1", "migrate_vma_collect", StepKind.Read, "pte A:3", "device-write pfn=1027");
        b.Add("cpu1", "migrate_vma_collect", StepKind.Write, "page 1027 refcount", "2 -> 3", new CountChange(CountText.PageRef, 2, 3));
        b.Add("cpu1", "migrate_vma_collect", StepKind.Write, "pte A:3", "device-write pfn=1027 -> migration pfn=1027");
        b.Add("cpu1", "migrate_vma_collect", StepKind.Unlock, "ptl A", "", Lock(LockClass.PageTable, LockAction.SpinUnlock));
        b.Add("cpu1", "lock_page", StepKind.Lock, "page 1027 lock", "", Lock(LockClass.Other, LockAction.LockPage));
        b.Add("cpu1", "migrate_vma_pages", StepKind.Write, "page 13 contents", "copy of page 1027");
        b.Add("cpu1", "migrate_vma_finalize", StepKind.Lock, "ptl A", "", Lock(LockClass.PageTable, LockAction.SpinLock));
        b.Add("cpu1", "migrate_vma_finalize", StepKind.Write, "pte A:3", "migration pfn=1027 -> present pfn=13");
        b.Add("cpu1", "migrate_vma_finalize", StepKind.Write, "page 1027 mapcount", "1 -> 0", new CountChange(CountText.PageMap, 1, 0));
        b.Add("cpu1", "migrate_vma_finalize", StepKind.Unlock, "ptl A", "", Lock(LockClass.PageTable, LockAction.SpinUnlock));
        b.Add("cpu1", "unlock_page", StepKind.Unlock, "page 1027 lock", "", Lock(LockClass.Other, LockAction.UnlockPage));
        b.Add("cpu1", "put_page", StepKind.Write, "page 1027 refcount", "3 -> 2", new CountChange(CountText.PageRef, 3, 2));
        b.Add("cpu1", "put_page", StepKind.Write, "page 1027 refcount", "2 -> 1", new CountChange(CountText.PageRef, 2, 1));
        b.Add("cpu1", "put_zone_device_page", StepKind.Call, "page 1027", "page_free -> dmirror free list");
        b.Add("cpu0", "device_entry_fault", StepKind.Read, "page 1027 pgmap", "page is free (refcount 1, on the driver's free list)");
        b.Add("cpu1", "handle_mm_fault", StepKind.Unlock, "mmap_sem A", "up_read", Lock(LockClass.MmapSem, LockAction.UpRead));
        b.Add("final", "exit_mmap", StepKind.Note, "", "not reached");
        return new ReplayView(
            Scenario: "fault-vs-fault",
            Variant: "seed",
            Description: "Two CPUs touch the same page after it moved to the device.",
            Seed: "42",
            Actors: ["cpu0", "cpu1"],
            Steps: b.Steps,
            Violation: new ReportViolation("use-after-free", "device_entry_fault", "cpu0",
                "page 1027 was freed to the driver at step 30 while its fault callback was still running", stepSeq));
    }

    /// <summary>About 2,000 steps: three CPUs fault the same device page; each one's extra reference makes the
    /// others' migration fail its refcount check, so they retry until the livelock limit.</summary>
    public static ReplayView Livelock(int rounds = 160)
    {
        var b = new StepBuilder();
        b.Add("setup", "migrate_vma", StepKind.Write, "pte A:0", "present pfn=5 -> device-write pfn=1024");
        foreach (var cpu in new[] { "cpu0", "cpu1", "cpu2" })
            b.Add(cpu, "handle_mm_fault", StepKind.Lock, "mmap_sem A", "down_read", Lock(LockClass.MmapSem, LockAction.DownRead));
        for (var r = 0; r < rounds; r++)
        {
            foreach (var cpu in new[] { "cpu0", "cpu1", "cpu2" })
            {
                b.Add(cpu, "do_swap_page", StepKind.Lock, "ptl A", "", Lock(LockClass.PageTable, LockAction.SpinLock));
                b.Add(cpu, "do_swap_page", StepKind.Read, "pte A:0", "device-write pfn=1024");
                b.Add(cpu, "get_page", StepKind.Read, "page 1024 refcount", "4");
                b.Add(cpu, "do_swap_page", StepKind.Unlock, "ptl A", "", Lock(LockClass.PageTable, LockAction.SpinUnlock));
            }
        }
        b.Add("cpu0", "migrate_vma_collect", StepKind.Read, "page 1024 refcount", "4 (expected 2): skip");
        b.Add("cpu0", "handle_mm_fault", StepKind.Note, "", "fault retried 101 times");
        return new ReplayView("livelock-3cpu", "fix-fault-ref", null, "7", ["cpu0", "cpu1", "cpu2"], b.Steps,
            new ReportViolation("livelock", "handle_mm_fault", "cpu0", "fault retried more than 100 times", b.Steps[^1].Seq));
    }

    /// <summary>The facts of a Lock or Unlock step.</summary>
    public static LockStep Lock(LockClass lockClass, LockAction action) => LockStep.Of(lockClass, action);

    private sealed class StepBuilder
    {
        public List<StepRecord> Steps { get; } = [];

        /// <summary>Adds a step; <paramref name="value"/> is the facts the model would attach (a
        /// <see cref="LockStep"/> on Lock and Unlock steps, a <see cref="CountChange"/> on counter writes).</summary>
        public void Add(string actor, string function, StepKind kind, string resource, string detail, object? value = null) =>
            Steps.Add(new StepRecord(Steps.Count + 1, actor, function, kind, resource, detail) { Value = value });
    }
}
