namespace Hmm.Spec.Model;

/// <summary>
/// The dirty-tracking invariant (docs/kernel-model.md, "Dirty and young bits"): a page a user mapping wrote must
/// stay known as written — PG_dirty set, or a present dirty PTE naming it — until it is freed. The model has no
/// swap cache and no writeback, so a dropped dirty bit loses no data in the model itself; what the invariant
/// catches is the state in which the kernel would lose data once the page had a backing copy (a swap-cache page
/// that reclaim drops as clean, the case fd35ca3d12cc describes). Off by default: the seed drops the bit on every
/// migration to the device, and reporting that in every scenario would hide the seed's other bugs.
/// </summary>
public sealed partial class KernelWorld
{
    /// <summary>Whether <see cref="CheckInvariants"/> also checks dirty tracking (category <c>dirty-lost</c>).</summary>
    public bool TrackDirty { get; set; }

    private void CheckDirtyTracking()
    {
        var dirtyPtes = new HashSet<long>();
        foreach (var mm in _mms.Values)
        {
            if (mm.Exited)
                continue;
            foreach (var pte in mm.PageTableRaw.Values)
            {
                if (pte.IsPresent && pte.Has(Pte._PAGE_DIRTY))
                    dirtyPtes.Add(pte.RawPfn);
            }
        }
        foreach (var page in Memmap.Pages)
        {
            if (page.State != PageState.InUse || !page.WrittenGhost || page.DirtyRaw || dirtyPtes.Contains(page.Pfn))
                continue;
            Violation(ViolationCategory.DirtyLost, InvFn,
                $"pfn={page.Pfn} was written through a user mapping, but neither PG_dirty nor any PTE says so: a clean page with a backing copy would be dropped without writeback");
        }
    }
}
