using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// Release (unbind) of the driver's device memory while a process still maps some of it, per teardown variant:
/// the seed removes the struct pages under the mappings; 50f44ee7248a / ef233450898f+0dc45ca1ce18 wait for the
/// references, which nothing drops; 249881232e14 evicts the pages to system memory first.
/// </summary>
public sealed class TeardownTests : DeviceTestBase
{
    private static KernelWorld WithMappedDevicePages(KernelWorld w)
    {
        MapAndFill(w, pages: 4);
        w.MigrateToDevice("A", 0, 3).Should().Be(3);
        return w;
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("fix-teardown-wait")]
    [InlineData("fix-teardown-refzero")]
    [InlineData("fix-teardown-evict")]
    [InlineData("upstream")]
    public void Release_with_no_device_page_in_use_completes_in_every_variant(string variant)
    {
        var w = NewWorld(variant);
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
    public void Seed_release_removes_struct_pages_that_are_still_mapped()
    {
        var w = WithMappedDevicePages(NewWorld("seed"));
        w.DeviceRemove().Should().Be(Errno.OK, "the seed's release does not wait");
        w.Memmap.pfn_valid(DeviceStart).Should().BeFalse();
        // The process still holds device entries naming pfns whose struct pages are gone: its exit trips on them.
        ShouldViolate(w, () => w.Exit("A"),
            ViolationCategory.NoStructPage, ViolationCategory.UseAfterFree, ViolationCategory.PgmapGone);
    }

    [Fact]
    public void Seed_release_then_cpu_access_to_a_removed_device_page_is_caught()
    {
        var w = WithMappedDevicePages(NewWorld("seed"));
        w.DeviceRemove().Should().Be(Errno.OK);
        ShouldViolate(w, () => w.UserRead("A", 0),
            ViolationCategory.NoStructPage, ViolationCategory.UseAfterFree, ViolationCategory.PgmapGone);
    }

    [Theory]
    [InlineData("fix-teardown-wait")]
    [InlineData("fix-teardown-refzero")]
    public void Waiting_release_with_mapped_pages_never_finishes(string variant)
    {
        var w = WithMappedDevicePages(NewWorld(variant));
        var v = ShouldViolate(w, () => w.DeviceRemove(), ViolationCategory.Deadlock);
        v.Detail.Should().Contain("page reference");
        w.Memmap.pfn_valid(DeviceStart).Should().BeTrue("the memory was not removed under the mappings");
    }

    [Theory]
    [InlineData("fix-teardown-evict")]
    [InlineData("upstream")]
    public void Evicting_release_moves_mapped_pages_back_and_keeps_the_data(string variant)
    {
        var w = WithMappedDevicePages(NewWorld(variant));
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
        var w = NewWorld("upstream", ramPages: 4);
        MapAndFill(w, pages: 4);
        w.MigrateToDevice("A", 0, 4).Should().Be(4);
        MapAndFill(w, pages: 4, start: 8);
        ShouldViolate(w, () => w.DeviceRemove(), ViolationCategory.Deadlock);
        IsDeviceEntry(w, "A", 0).Should().BeTrue("the page that could not move is left mapped");
    }
}
