using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// Release (unbind) of the driver's device memory while a process still maps some of it, per teardown era: the
/// seed (the 2017 hmm_devmem_remove) waits for the references, which nothing drops; v4.14-teardown (71389703839e)
/// removes the struct pages under the mappings; 50f44ee7248a / ef233450898f+0dc45ca1ce18 wait again;
/// 249881232e14 evicts the pages to system memory first.
/// </summary>
public sealed class TeardownTests : ModelTest
{
    private static KernelWorld WithMappedDevicePages(KernelWorld w)
    {
        MapAndFill(w, pages: 4);
        w.MigrateToDevice("A", 0, 3).Should().Be(3);
        return w;
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("v4.14-teardown")]
    [InlineData("fix-teardown-wait")]
    [InlineData("fix-teardown-refzero")]
    [InlineData("fix-teardown-evict")]
    [InlineData("upstream")]
    public void Release_with_no_device_page_in_use_completes_in_every_variant(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: 3);
        w.MigrateToDevice("A", 0, 3).Should().Be(3);
        w.MigrateToSystem("A", 0, 3).Should().Be(3);

        w.DeviceRemove().Should().Be(Errno.OK);
        w.Device!.Released.Should().BeTrue();
        w.Device.Pgmap.Gone.Should().BeTrue();
        w.Memmap.pfn_valid(DeviceStart).Should().BeFalse();
        w.UserRead("A", 2).Should().Be(new AccessOutcome(102, Sig.None));
        w.Exit("A").Should().Be(Errno.OK);
        w.MigrateToDevice("A", 0, 1).Should().Be(0);
        w.CheckLeaks();
    }

    [Fact]
    public void V414_release_removes_struct_pages_that_are_still_mapped()
    {
        var w = WithMappedDevicePages(NewDeviceWorld("v4.14-teardown"));
        w.DeviceRemove().Should().Be(Errno.OK, "from 71389703839e the release's wait no longer covers the pages in use");
        w.Memmap.pfn_valid(DeviceStart).Should().BeFalse();
        w.Memmap.WasRemoved(DeviceStart).Should().BeTrue();
        // The process still holds device entries naming pfns whose struct pages are gone: its exit trips on them.
        ShouldViolate(w, () => w.Exit("A"), ViolationCategory.MemmapGone, ViolationCategory.PgmapGone);
    }

    [Fact]
    public void V414_release_then_cpu_access_to_a_removed_device_page_is_memmap_gone()
    {
        var w = WithMappedDevicePages(NewDeviceWorld("v4.14-teardown"));
        w.DeviceRemove().Should().Be(Errno.OK);
        var v = ShouldViolate(w, () => w.UserRead("A", 0), ViolationCategory.MemmapGone, ViolationCategory.PgmapGone);
        v.Category.Should().NotBe(ViolationCategory.NoStructPage, "the pfn had struct pages: they were removed");
    }

    [Fact]
    public void Seed_pins_the_pgmap_with_every_page_reference_and_v414_does_not()
    {
        var seed = WithMappedDevicePages(NewDeviceWorld("seed"));
        // Three pages in use, each pinned once (its mapping's reference), plus the initial reference.
        seed.Device!.Pgmap.RefCountRaw.Should().Be(4);
        var v414 = WithMappedDevicePages(NewDeviceWorld("v4.14-teardown"));
        v414.Device!.Pgmap.RefCountRaw.Should().Be(1, "get_page no longer takes a pgmap reference");
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("fix-teardown-wait")]
    [InlineData("fix-teardown-refzero")]
    public void Waiting_release_with_mapped_pages_never_finishes(string variant)
    {
        var w = WithMappedDevicePages(NewDeviceWorld(variant));
        var v = ShouldViolate(w, () => w.DeviceRemove(), ViolationCategory.Deadlock);
        v.Detail.Should().Contain("page reference");
        w.Memmap.pfn_valid(DeviceStart).Should().BeTrue("the memory was not removed under the mappings");
    }

    [Fact]
    public void Seed_release_after_the_process_unmapped_completes()
    {
        var w = WithMappedDevicePages(NewDeviceWorld("seed"));
        w.Munmap("A", 0, 4).Should().Be(Errno.OK);
        w.DeviceRemove().Should().Be(Errno.OK, "the 2017 helper's wait ends once the last page reference is dropped");
        w.Device!.Pgmap.RefState.Should().Be(PercpuRefState.Drained);
        w.Memmap.pfn_valid(DeviceStart).Should().BeFalse();
        w.Exit("A").Should().Be(Errno.OK);
        w.CheckLeaks();
    }

    [Theory]
    [InlineData("fix-teardown-evict")]
    [InlineData("upstream")]
    public void Evicting_release_moves_mapped_pages_back_and_keeps_the_data(string variant)
    {
        var w = WithMappedDevicePages(NewDeviceWorld(variant));
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.DeviceRemove().Should().Be(Errno.OK);

        for (var i = 0; i < 4; i++)
        {
            IsPresent(w, "A", i).Should().BeTrue($"page {i} is back in system memory");
            w.UserRead("A", i).Should().Be(new AccessOutcome(100 + i, Sig.None));
            w.UserRead("B", i).Should().Be(new AccessOutcome(100 + i, Sig.None));
        }
        w.Memmap.pfn_valid(DeviceStart).Should().BeFalse();
        w.Device!.Pgmap.RefState.Should().Be(PercpuRefState.Drained);
        w.Exit("B").Should().Be(Errno.OK);
        w.Exit("A").Should().Be(Errno.OK);
        w.Buddy.FreeCount.Should().Be(16, "nothing leaked");
        w.CheckLeaks();
    }

    [Fact]
    public void Evicting_release_without_free_system_memory_falls_back_to_waiting()
    {
        var w = NewDeviceWorld("upstream", ramPages: 4);
        MapAndFill(w, pages: 4);
        w.MigrateToDevice("A", 0, 4).Should().Be(4);
        MapAndFill(w, pages: 4, start: 8);
        ShouldViolate(w, () => w.DeviceRemove(), ViolationCategory.Deadlock);
        IsDeviceEntry(w, "A", 0).Should().BeTrue("the page that could not move is left mapped");
    }
}
