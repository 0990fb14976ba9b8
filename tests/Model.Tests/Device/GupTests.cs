using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// get_user_pages as a read of /proc/PID/mem reaches it (Memory/Gup.cs): follow_page_pte finds no page behind a
/// device entry, faultin_page runs the CPU fault path (the device page migrates back), and FOLL_FORCE reads a
/// PROT_NONE mapping that a CPU access may not touch.
/// </summary>
public sealed class GupTests : ModelTest
{
    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void A_device_page_is_faulted_back_and_read(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, "A", 1);
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        IsDeviceEntry(w, "A", 0).Should().BeTrue();
        w.MemRead("A", 0).Should().Be(new DeviceOutcome(100, Errno.OK));
        IsPresent(w, "A", 0).Should().BeTrue("faultin_page → do_swap_page → page_fault migrated it back");
        w.Steps.Should().Contain(s => s.Function == "follow_page_pte").And.Contain(s => s.Function == "dmirror_devmem_fault");
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Foll_force_reads_a_prot_none_page_even_from_the_device(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, "A", 2);
        w.MigrateToDevice("A", 1, 1).Should().Be(1);
        w.Mprotect("A", 0, 2, VmProt.None).Should().Be(Errno.OK);
        w.UserRead("A", 0).Signal.Should().Be(Sig.SIGSEGV);
        w.MemRead("A", 0).Should().Be(new DeviceOutcome(100, Errno.OK));
        w.MemRead("A", 1).Should().Be(new DeviceOutcome(101, Errno.OK));
        PteOf(w, "A", 1).IsProtnone.Should().BeTrue("the page came back with the VMA's PAGE_NONE protection");
    }

    [Fact]
    public void Holes_pfn_maps_and_exited_processes_read_as_eio()
    {
        var w = NewDeviceWorld("upstream");
        MapAndFill(w, "A", 1);
        w.MemRead("A", 5).Error.Should().Be(Errno.EIO);
        w.MmapPfn("A", 8, 1, 5000, VmProt.ReadWrite).Should().Be(Errno.OK);
        w.MemRead("A", 8).Error.Should().Be(Errno.EIO, "check_vma_flags refuses VM_PFNMAP");
        w.Exit("A").Should().Be(Errno.OK);
        w.MemRead("A", 0).Error.Should().Be(Errno.EIO);
    }

    [Fact]
    public void Without_foll_force_a_protnone_pte_is_no_page()
    {
        var w = NewDeviceWorld("upstream");
        MapAndFill(w, "A", 1);
        w.Mprotect("A", 0, 1, VmProt.None).Should().Be(Errno.OK);
        var mm = w.Mms["A"];
        var vma = mm.find_vma(0)!;
        w.follow_page_pte(vma, 0, KernelWorld.FOLL_NUMA).Should().BeNull("FOLL_NUMA treats protnone as not present");
        w.follow_page_pte(vma, 0, 0).Should().NotBeNull();
    }
}
