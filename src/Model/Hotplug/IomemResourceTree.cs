namespace Hmm.Spec.Model.Hotplug;

/// <summary>
/// The iomem resource tree of kernel/resource.c (v4.11): <c>iomem_resource</c> as the root, its direct
/// children kept sorted by start. Only the top level matters to the paths modelled here
/// (<c>request_resource_conflict(&amp;iomem_resource, ...)</c> and <c>region_intersects</c> look at the root's
/// children only). The kernel's <c>resource_lock</c> rwlock is implied: callers run these under the world's
/// hotplug lock, and each call is recorded as one step by the callers.
/// </summary>
internal sealed class IomemResourceTree
{
    /// <summary>iomem_resource: covers every pfn.</summary>
    public Resource Root { get; } = new("PCI mem", 0, long.MaxValue, IoresourceFlags.Mem);

    /// <summary>
    /// __request_resource(): insert <paramref name="res"/> among the root's children unless it overlaps one;
    /// returns the conflicting resource (the root itself when out of range), or null once inserted.
    /// </summary>
    public Resource? __request_resource(Resource root, Resource res)
    {
        if (res.End < res.Start || res.Start < root.Start || res.End > root.End)
            return root;
        var children = root.Children;
        var at = 0;
        for (; at < children.Count; at++)
        {
            var tmp = children[at];
            if (tmp.Start > res.End)
                break;
            if (tmp.End < res.Start)
                continue;
            return tmp;
        }
        children.Insert(at, res);
        res.Parent = root;
        return null;
    }

    /// <summary>request_resource_conflict(): the conflicting resource, or null when <paramref name="res"/> was inserted.</summary>
    public Resource? request_resource_conflict(Resource root, Resource res) => __request_resource(root, res);

    /// <summary>request_resource(): 0 or -EBUSY.</summary>
    public int request_resource(Resource root, Resource res) => __request_resource(root, res) is null ? 0 : -16;

    /// <summary>release_resource(): 0, or -EINVAL when the resource is not in the tree.</summary>
    public int release_resource(Resource res)
    {
        if (res.Parent is not { } parent || !parent.Children.Remove(res))
            return -22;
        res.Parent = null;
        return 0;
    }

    /// <summary>
    /// region_intersects() (kernel/resource.c, v4.11): does [start, start+size) intersect resources of the
    /// given flags/desc only (Intersects), others too (Mixed), or none of them (Disjoint)?
    /// </summary>
    public RegionIntersection region_intersects(long start, long size, IoresourceFlags flags, IoresDesc desc)
    {
        var end = start + size - 1;
        int type = 0, other = 0;
        foreach (var p in Root.Children)
        {
            var isType = (p.Flags & flags) == flags && (desc == IoresDesc.None || desc == p.Desc);
            var hits = 0;
            if (start >= p.Start && start <= p.End) hits++;
            if (end >= p.Start && end <= p.End) hits++;
            if (p.Start >= start && p.End <= end) hits++;
            if (isType) type += hits; else other += hits;
        }
        if (other == 0)
            return type > 0 ? RegionIntersection.Intersects : RegionIntersection.Disjoint;
        return type > 0 ? RegionIntersection.Mixed : RegionIntersection.Disjoint;
    }

    /// <summary>Top-level resources in address order (for tests and reports).</summary>
    public IReadOnlyList<Resource> TopLevel => Root.Children;
}
