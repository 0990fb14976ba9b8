using Hmm.Spec.Model;
using Hmm.Spec.Model.Hotplug;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>kernel/memremap.c: devm_memremap_pages and its release pass pgmap->flags to the arch (seed hunks).</summary>
public sealed class DevmMemremapPagesTests : ModelTest
{
    [Fact]
    public void Driver_probe_passes_the_unaddressable_flags_to_arch_add_memory()
    {
        var w = NewDeviceWorld();
        var call = w.ArchMemoryCalls.Single();
        call.Function.Should().Be("arch_add_memory");
        call.StartPfn.Should().Be(DeviceStart);
        call.NrPages.Should().Be(8);
        call.Flags.Should().Be(MemoryFlags.MEMORY_DEVICE | MemoryFlags.MEMORY_DEVICE_ALLOW_MIGRATE | MemoryFlags.MEMORY_DEVICE_UNADDRESSABLE);
        call.LinearMapping.Should().BeFalse("un-addressable memory gets no linear mapping");

        var page = w.Memmap.Find(DeviceStart + 3)!;
        page.Zone.Should().Be(Zone.Device);
        page.PgmapRaw.Should().BeSameAs(w.Device!.Pgmap);
        page.RefcountRaw.Should().Be(1, "seed-era ZONE_DEVICE pages idle at refcount 1");
        page.State.Should().Be(PageState.Free, "every device page starts on the driver's free list");
        (page.PgmapRaw!.FlagsRaw & MemoryFlags.MEMORY_DEVICE_UNADDRESSABLE).Should().NotBe(0);
        w.Iomem.TopLevel.Should().Contain(r => r.Start == DeviceStart && r.Desc == IoresDesc.UnaddressableMemory);
    }

    [Fact]
    public void Refcount_zero_variant_idles_device_pages_at_zero()
    {
        var w = NewDeviceWorld("fix-teardown-refzero");
        w.Memmap.Find(DeviceStart)!.RefcountRaw.Should().Be(0);
    }

    [Fact]
    public void Seed_devm_memremap_pages_uses_memory_device_and_a_linear_mapping_and_release_passes_the_flags_back()
    {
        var w = NewDeviceWorld(devicePages: 0);
        var res = new Resource("pmem0", 200, 203, IoresourceFlags.Mem | IoresourceFlags.Busy, IoresDesc.PersistentMemory);
        w.Iomem.request_resource(w.Iomem.Root, res).Should().Be(0);
        var pgmap = new DevPagemap(w, "pmem0", 200, 4);
        pgmap.percpu_ref_init("test");

        var pageMap = w.devm_memremap_pages("pmem0", res, pgmap, out var err);
        err.Should().Be(Errno.OK);
        pageMap.Should().NotBeNull();
        pgmap.FlagsRaw.Should().Be(MemoryFlags.MEMORY_DEVICE);
        pgmap.PageFaultRaw.Should().BeNull();
        pgmap.PageFreeRaw.Should().BeNull();
        w.ArchMemoryCalls[^1].Should().Be(new ArchMemoryCall("arch_add_memory", 200, 4, MemoryFlags.MEMORY_DEVICE, LinearMapping: true));
        w.Memmap.Find(201)!.Zone.Should().Be(Zone.Device);

        w.devm_memremap_pages_teardown(pageMap!);
        w.ArchMemoryCalls[^1].Should().Be(new ArchMemoryCall("arch_remove_memory", 200, 4, MemoryFlags.MEMORY_DEVICE, LinearMapping: true));
        w.Memmap.pfn_valid(200).Should().BeFalse();
        pgmap.Gone.Should().BeTrue();
        w.PageMaps.Should().BeEmpty();
    }

    [Fact]
    public void Release_of_the_driver_memory_passes_the_unaddressable_flags_to_arch_remove_memory()
    {
        var w = NewDeviceWorld("upstream");
        w.DeviceRemove().Should().Be(Errno.OK);
        var call = w.ArchMemoryCalls[^1];
        call.Function.Should().Be("arch_remove_memory");
        call.Flags.Should().Be(Dmirror.DevmemFlags);
        call.LinearMapping.Should().BeFalse();
        w.Memmap.pfn_valid(DeviceStart).Should().BeFalse();
        w.Iomem.TopLevel.Should().NotContain(r => r.Start == DeviceStart);
        w.DeviceRemove().Should().Be(Errno.EINVAL);
    }

    [Fact]
    public void Devm_memremap_pages_refuses_system_ram_and_a_dead_ref_and_collisions()
    {
        var w = NewDeviceWorld(devicePages: 0);
        var ramRes = new Resource("bogus", 4, 7, IoresourceFlags.Mem);
        var p1 = new DevPagemap(w, "p1", 4, 4);
        p1.percpu_ref_init("test");
        w.devm_memremap_pages("bogus", ramRes, p1, out var err).Should().BeNull();
        err.Should().NotBe(Errno.OK);
        w.ArchMemoryCalls.Should().BeEmpty();

        var dead = new DevPagemap(w, "dead", 300, 2);
        dead.percpu_ref_init("test");
        dead.percpu_ref_kill("test");
        w.devm_memremap_pages("dead", new Resource("dead", 300, 301, IoresourceFlags.Mem), dead, out err).Should().BeNull();
        err.Should().Be(Errno.EINVAL);

        var a = new DevPagemap(w, "a", 400, 4);
        a.percpu_ref_init("test");
        w.devm_memremap_pages("a", new Resource("a", 400, 403, IoresourceFlags.Mem), a, out err).Should().NotBeNull();
        var b = new DevPagemap(w, "b", 402, 4);
        b.percpu_ref_init("test");
        w.devm_memremap_pages("b", new Resource("b", 402, 405, IoresourceFlags.Mem), b, out err).Should().BeNull();
        err.Should().Be(Errno.EBUSY);
    }
}
