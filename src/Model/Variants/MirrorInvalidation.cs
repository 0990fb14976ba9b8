namespace Hmm.Spec.Model;

/// <summary>
/// When the device mirror drops its cached entries, and when a CPU page-table snapshot in flight (a
/// hmm_vma_fault / hmm_range_fault whose result the driver is about to install) counts as invalidated.
/// </summary>
public enum MirrorInvalidation
{
    /// <summary>
    /// v4.14 mm/hmm.c (the 2017 series): hmm_invalidate_range_start only bumps hmm->sequence;
    /// hmm_invalidate_range_end calls hmm_invalidate_range, which marks overlapping ranges invalid and calls every
    /// mirror's sync_cpu_device_pagetables. Between the PTE change and range_end the device still uses its entry.
    /// </summary>
    AtRangeEnd,

    /// <summary>
    /// ec131b2d7fa6 (v4.20, "mm/hmm: invalidate device page table at start of invalidation", lkml
    /// 20181019160442.18723-7-jglisse@redhat.com): the mirror is synced in range_start, snapshots in flight are
    /// marked invalid at both start and end. A snapshot registered after range_start that read the PTE before
    /// the change still counts as valid until range_end.
    /// </summary>
    AtRangeStart,

    /// <summary>
    /// The interval notifier (99cb252f5e68, v5.5, "mm/mmu_notifier: add an interval tree notifier", used by
    /// nouveau and lib/test_hmm.c): mmu_interval_read_begin waits while an invalidation of the range is in
    /// progress, the invalidate callback (at start) bumps the sequence under the driver's lock and drops the
    /// entries, and mmu_interval_read_retry under that lock refuses any snapshot that overlapped an invalidation.
    /// </summary>
    IntervalSequence,
}
