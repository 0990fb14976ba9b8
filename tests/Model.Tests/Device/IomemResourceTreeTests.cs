using Hmm.Spec.Model.Hotplug;

namespace Hmm.Spec.Model.Tests.Device;

public sealed class IomemResourceTreeTests
{
    private static Resource Ram(long start, long end) =>
        new("System RAM", start, end, IoresourceFlags.SystemRam | IoresourceFlags.Busy);

    [Fact]
    public void Request_inserts_disjoint_ranges_in_order_and_returns_the_overlapping_one()
    {
        var tree = new IomemResourceTree();
        var high = Ram(100, 199);
        var low = Ram(0, 49);
        tree.request_resource_conflict(tree.Root, high).Should().BeNull();
        tree.request_resource_conflict(tree.Root, low).Should().BeNull();
        tree.TopLevel.Should().Equal(low, high);

        var overlap = Ram(150, 250);
        tree.request_resource_conflict(tree.Root, overlap).Should().BeSameAs(high);
        tree.request_resource(tree.Root, Ram(49, 60)).Should().Be(-16);
        tree.TopLevel.Should().HaveCount(2);
    }

    [Fact]
    public void Release_removes_only_inserted_resources()
    {
        var tree = new IomemResourceTree();
        var r = Ram(10, 19);
        tree.request_resource(tree.Root, r).Should().Be(0);
        tree.release_resource(r).Should().Be(0);
        tree.TopLevel.Should().BeEmpty();
        tree.release_resource(r).Should().Be(-22);
        tree.request_resource(tree.Root, Ram(10, 19)).Should().Be(0);
    }

    [Fact]
    public void Region_intersects_tells_disjoint_intersecting_and_mixed()
    {
        var tree = new IomemResourceTree();
        tree.request_resource(tree.Root, Ram(0, 15));
        tree.request_resource(tree.Root, new Resource("dev", 32, 39, IoresourceFlags.Mem | IoresourceFlags.Busy, IoresDesc.UnaddressableMemory));

        tree.region_intersects(16, 16, IoresourceFlags.SystemRam, IoresDesc.None).Should().Be(RegionIntersection.Disjoint);
        tree.region_intersects(4, 4, IoresourceFlags.SystemRam, IoresDesc.None).Should().Be(RegionIntersection.Intersects);
        tree.region_intersects(8, 30, IoresourceFlags.SystemRam, IoresDesc.None).Should().Be(RegionIntersection.Mixed);
        tree.region_intersects(32, 2, IoresourceFlags.SystemRam, IoresDesc.None).Should().Be(RegionIntersection.Disjoint);
        tree.region_intersects(32, 2, IoresourceFlags.Mem, IoresDesc.UnaddressableMemory).Should().Be(RegionIntersection.Intersects);
    }
}
