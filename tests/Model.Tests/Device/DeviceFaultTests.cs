using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>The driver's page_fault callback (CPU access to a device page) and page_free callback.</summary>
public sealed class DeviceFaultTests : ModelTest
{
    [Theory]
    [InlineData("seed")]
    [InlineData("fix-fault-ref")]
    [InlineData("fix-fault-trylock")]
    [InlineData("fix-fault-trylock-wait")]
    [InlineData("upstream")]
    public void Cpu_write_to_a_device_page_migrates_it_back_and_frees_the_device_page(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: 3);
        w.MigrateToDevice("A", 0, 3).Should().Be(3);
        var devicePfn = w.pte_to_swp_entry(PteOf(w, "A", 1), "test").Offset;

        w.UserWrite("A", 1, 555).Should().Be(Sig.None);

        IsPresent(w, "A", 1).Should().BeTrue();
        w.UserRead("A", 1).Should().Be(new AccessOutcome(555, Sig.None));
        IsDeviceEntry(w, "A", 0).Should().BeTrue("only the faulting page moves");
        IsDeviceEntry(w, "A", 2).Should().BeTrue();
        w.Device!.FreePfns.Should().Contain(devicePfn, "page_free put the device page back on the free list");
        w.Memmap.Find(devicePfn)!.State.Should().Be(PageState.Free);
        w.Device.PagesInUse.Should().Be(2);
        w.HeldRefs.Should().BeEmpty();
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Page_free_returns_device_pages_on_munmap_madvise_and_exit(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: 6);
        w.MigrateToDevice("A", 0, 6).Should().Be(6);
        w.Device!.PagesInUse.Should().Be(6);
        w.Munmap("A", 0, 2).Should().Be(Errno.OK);
        w.Device.PagesInUse.Should().Be(4);
        w.MadviseDontneed("A", 2, 2).Should().Be(Errno.OK);
        w.Device.PagesInUse.Should().Be(2);
        w.Exit("A").Should().Be(Errno.OK);
        w.Device.PagesInUse.Should().Be(0);
        w.Device.FreePfns.Should().HaveCount(8);
        foreach (var pfn in w.Device.FreePfns)
            w.Memmap.Find(pfn)!.RefcountRaw.Should().Be(w.DevicePageIdleRefcount);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("fix-pf-oom-no-kill")]
    public void Seed_driver_without_a_free_system_page_is_sigbus_and_loses_nothing(string variant)
    {
        var w = NewDeviceWorld(variant, ramPages: 4);
        MapAndFill(w, pages: 4);
        w.MigrateToDevice("A", 0, 4).Should().Be(4);
        MapAndFill(w, pages: 4, start: 8); // RAM is now full

        w.UserRead("A", 0).Signal.Should().Be(Sig.SIGBUS, "the 2017 helper turns MIGRATE_PFN_ERROR into VM_FAULT_SIGBUS");
        w.OomKills.Should().BeEmpty("the callback did not return VM_FAULT_OOM");
        IsDeviceEntry(w, "A", 0).Should().BeTrue("the data stays on the device");
        w.DeviceRead("A", 0).Should().Be(new DeviceOutcome(100, Errno.OK));

        w.Munmap("A", 8, 4).Should().Be(Errno.OK);
        w.UserRead("A", 0).Should().Be(new AccessOutcome(100, Sig.None));
    }

    [Theory]
    [InlineData("fix-driver-fault-refaults")]
    [InlineData("upstream")]
    public void Test_hmm_driver_without_a_free_system_page_refaults_until_the_livelock_bound(string variant)
    {
        var w = NewDeviceWorld(variant, ramPages: 4);
        MapAndFill(w, pages: 4);
        w.MigrateToDevice("A", 0, 4).Should().Be(4);
        MapAndFill(w, pages: 4, start: 8); // RAM is now full, and nothing else runs to free it
        w.FaultRetryLimit = 2;

        var v = ShouldViolate(w, () => w.UserRead("A", 0), ViolationCategory.Livelock);
        v.Message.Should().Contain("no other task running");
        IsDeviceEntry(w, "A", 0).Should().BeTrue("every attempt restored the device entry");
        w.OomKills.Should().BeEmpty("test_hmm's callback returns 0, not VM_FAULT_OOM");
    }

    [Fact]
    public void Page_fault_callback_reports_a_failed_migrate_vma_as_sigbus()
    {
        var w = NewDeviceWorld("upstream");
        MapAndFill(w, pages: 2);
        w.MigrateToDevice("A", 0, 2).Should().Be(2);
        var mm = w.Mms["A"];
        var vma = mm.find_vma(0)!;
        var page = w.Memmap.Find(w.pte_to_swp_entry(PteOf(w, "A", 0), "test").Offset)!;
        mm.MmapSem.DownRead("test");
        try
        {
            // An address past the VMA: migrate_vma refuses the range (-EINVAL).
            w.Device!.dmirror_devmem_fault(vma, vma.End, page, 0).Should().Be(VmFault.VM_FAULT_SIGBUS);
        }
        finally
        {
            mm.MmapSem.UpRead("test");
        }
        IsDeviceEntry(w, "A", 0).Should().BeTrue();
    }

    // seed and fix-rmap-subpage break in try_to_unmap_one on the other mm's device entry (RmapWalkTests).
    [Theory]
    [InlineData("fix-rmap-soft-dirty")]
    [InlineData("upstream")]
    public void A_device_page_shared_by_fork_moves_back_for_both_address_spaces(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: 2);
        w.MigrateToDevice("A", 0, 2).Should().Be(2);
        w.Fork("A", "B").Should().Be(Errno.OK);
        var pfn = w.pte_to_swp_entry(PteOf(w, "B", 1), "test").Offset;
        w.Memmap.Find(pfn)!.MapcountRaw.Should().Be(1, "two mappings");

        w.UserRead("B", 1).Should().Be(new AccessOutcome(101, Sig.None));
        IsPresent(w, "A", 1).Should().BeTrue("try_to_unmap moved the parent's mapping too");
        IsPresent(w, "B", 1).Should().BeTrue();
        w.Device!.FreePfns.Should().Contain(pfn);

        // COW still separates the two after the move back.
        w.UserWrite("B", 1, 9).Should().Be(Sig.None);
        w.UserRead("A", 1).Should().Be(new AccessOutcome(101, Sig.None));
        w.MigrateToSystem("A", 0, 2).Should().Be(1);
        w.Exit("B").Should().Be(Errno.OK);
        w.Exit("A").Should().Be(Errno.OK);
        w.Device.PagesInUse.Should().Be(0);
    }

    // seed and fix-rmap-subpage break in try_to_unmap_one on the other mm's device entry (RmapWalkTests).
    [Theory]
    [InlineData("fix-rmap-soft-dirty")]
    [InlineData("upstream")]
    public void Migrating_a_cow_shared_system_page_maps_the_device_page_in_both(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: 2);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.MigrateToDevice("A", 0, 2).Should().Be(2);
        IsDeviceEntry(w, "B", 0).Should().BeTrue();
        w.DeviceRead("B", 0).Should().Be(new DeviceOutcome(100, Errno.OK));
        w.UserWrite("A", 0, 5).Should().Be(Sig.None);
        w.UserRead("B", 0).Should().Be(new AccessOutcome(100, Sig.None));
        w.Exit("A").Should().Be(Errno.OK);
        w.Exit("B").Should().Be(Errno.OK);
        w.Device!.PagesInUse.Should().Be(0);
    }
}
