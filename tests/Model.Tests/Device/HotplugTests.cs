using Hmm.Spec.Model;
using Hmm.Spec.Model.Hotplug;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>mm/memory_hotplug.c: add_memory with the seed's register_memory_resource conflict check.</summary>
public sealed class HotplugTests : ModelTest
{
    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Hotplug_of_a_free_range_adds_online_ram(string variant)
    {
        var w = NewDeviceWorld(variant);
        var freeBefore = w.Buddy.FreeCount;
        w.HotplugAdd(64, 4).Should().Be(Errno.OK);
        w.Buddy.FreeCount.Should().Be(freeBefore + 4);
        w.Memmap.pfn_valid(64).Should().BeTrue();
        w.Memmap.pfn_valid(67).Should().BeTrue();
        w.Memmap.pfn_valid(68).Should().BeFalse();
        w.Iomem.TopLevel.Should().Contain(r => r.Start == 64 && r.End == 67 && r.Name == "System RAM");
        w.ArchMemoryCalls[^1].Should().Be(new ArchMemoryCall("arch_add_memory", 64, 4, MemoryFlags.MEMORY_NORMAL, LinearMapping: true));

        // The new RAM is usable: a process can fault in more pages than boot RAM holds.
        w.Mmap("A", 0, 20, VmProt.ReadWrite, shared: false).Should().Be(Errno.OK);
        for (var i = 0; i < 20; i++)
            w.UserWrite("A", i, i).Should().Be(Sig.None);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Hotplug_over_system_ram_is_refused(string variant)
    {
        var w = NewDeviceWorld(variant);
        w.HotplugAdd(8, 16).Should().Be(Errno.EEXIST);
        w.ArchMemoryCalls.Should().NotContain(c => c.Function == "arch_add_memory" && c.StartPfn == 8);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("fix-teardown-evict")]
    [InlineData("upstream")]
    public void Hotplug_over_unaddressable_device_memory_is_refused(string variant)
    {
        var w = NewDeviceWorld(variant);
        HotplugOverDeviceIsRefused(w).Should().BeTrue();
    }

    [Fact]
    public void Mutant_register_memory_ignores_conflict_is_caught()
    {
        var w = NewDeviceWorld("mutant-register-memory-ignores-conflict");
        HotplugOverDeviceIsRefused(w).Should().BeFalse();
    }

    [Fact]
    public void Hotplug_after_the_device_memory_was_released_succeeds()
    {
        var w = NewDeviceWorld("upstream");
        w.DeviceRemove().Should().Be(Errno.OK);
        w.HotplugAdd(DeviceStart, 8).Should().Be(Errno.OK);
        w.Memmap.Find(DeviceStart)!.Zone.Should().Be(Zone.Normal);
    }

    /// <summary>
    /// RAM hot-add over the device's range: refused with EEXIST, the device resource (IORES_DESC_UNADDRESSABLE_MEMORY)
    /// still the only one there, and no arch_add_memory reached.
    /// </summary>
    private static bool HotplugOverDeviceIsRefused(KernelWorld w)
    {
        var calls = w.ArchMemoryCalls.Count;
        var result = w.HotplugAdd(DeviceStart + 2, 4);
        var resources = w.Iomem.TopLevel.Where(r => r.Start <= DeviceStart + 5 && DeviceStart + 2 <= r.End).ToList();
        return result == Errno.EEXIST
            && w.ArchMemoryCalls.Count == calls
            && resources.Count == 1
            && resources[0].Desc == IoresDesc.UnaddressableMemory;
    }
}
