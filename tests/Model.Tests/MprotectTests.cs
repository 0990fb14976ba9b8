using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>change_pte_range (mprotect) on every entry type.</summary>
public sealed class MprotectTests : ModelTest
{
    [Fact]
    public void Present_ptes_get_the_new_protection()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 2, shared: true);
        w.pte_write(PteOf(w, "A", 0), "test").Should().BeTrue();
        w.Mprotect("A", 0, 2, VmProt.Read).Should().Be(Errno.OK);
        w.pte_write(PteOf(w, "A", 0), "test").Should().BeFalse();
        w.UserWrite("A", 0, 1).Should().Be(Sig.SIGSEGV);
        w.Mprotect("A", 0, 1, VmProt.None).Should().Be(Errno.OK);
        KernelWorld.pte_protnone(PteOf(w, "A", 0)).Should().BeTrue();
        w.UserRead("A", 0).Signal.Should().Be(Sig.SIGSEGV);
        w.Mprotect("A", 0, 2, VmProt.ReadWrite).Should().Be(Errno.OK);
        w.UserWrite("A", 0, 9).Should().Be(Sig.None);
        w.UserRead("A", 0).Value.Should().Be(9);
        w.Mms["A"].Vmas.Should().HaveCount(2, "the VMA was split by the partial mprotect");
    }

    [Fact]
    public void Hole_in_the_range_is_enomem_and_none_and_swap_ptes_are_untouched()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 2);
        w.swap_out_page("A", 1);
        var swp = PteOf(w, "A", 1);
        w.Mprotect("A", 0, 3, VmProt.Read).Should().Be(Errno.ENOMEM);
        w.Mmap("A", 4, 2, VmProt.ReadWrite, false);
        w.Mprotect("A", 0, 2, VmProt.Read).Should().Be(Errno.OK);
        PteOf(w, "A", 1).Should().Be(swp);
        w.Mprotect("A", 4, 2, VmProt.Read).Should().Be(Errno.OK);
        PteOf(w, "A", 4).IsNone.Should().BeTrue();
    }

    [Fact]
    public void Write_migration_entry_becomes_read()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 1);
        var mm = w.Mms["A"];
        var pte = PteOf(w, "A", 0);
        var page = w.pfn_to_page(w.pte_pfn(pte, "test"), "test");
        page.Lock("test");
        mm.Ptl.Lock("test");
        mm.WritePte(0, w.swp_entry_to_pte(w.make_migration_entry(page, true), "test"), "test");
        mm.Ptl.Unlock("test");
        w.Mprotect("A", 0, 1, VmProt.Read).Should().Be(Errno.OK);
        w.is_write_migration_entry(EntryOf(w, "A", 0)).Should().BeFalse();
        w.is_migration_entry(EntryOf(w, "A", 0)).Should().BeTrue();
        mm.Ptl.Lock("test");
        mm.WritePte(0, pte.Clear(Pte._PAGE_RW), "test"); // remove_migration_pte: the read entry maps read-only
        mm.Ptl.Unlock("test");
        page.Unlock("test");
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Write_device_entry_becomes_read_keeping_soft_dirty(string variant)
    {
        var (w, dev) = NewWorldWithDevice(variant);
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0, write: true);
        var mm = w.Mms["A"];
        mm.Ptl.Lock("test");
        mm.WritePte(0, w.pte_swp_mksoft_dirty(PteOf(w, "A", 0), "test"), "test");
        mm.Ptl.Unlock("test");
        w.Mprotect("A", 0, 1, VmProt.Read).Should().Be(Errno.OK);
        w.is_write_device_entry(EntryOf(w, "A", 0)).Should().BeFalse();
        w.is_device_entry(EntryOf(w, "A", 0)).Should().BeTrue();
        w.pte_swp_soft_dirty(PteOf(w, "A", 0), "test").Should().BeTrue();
        w.UserRead("A", 0).Value.Should().Be(100);
        w.pte_write(PteOf(w, "A", 0), "test").Should().BeFalse("the page came back read-only");
    }

    [Fact]
    public void Read_device_entry_is_left_alone()
    {
        var (w, dev) = NewWorldWithDevice();
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0, write: false);
        var before = PteOf(w, "A", 0);
        w.Mprotect("A", 0, 1, VmProt.ReadWrite).Should().Be(Errno.OK);
        PteOf(w, "A", 0).Should().Be(before);
    }

    [Fact]
    public void A_world_without_config_migration_but_with_device_memory_cannot_be_built()
    {
        // The seed's change_pte_range hunk sits inside `else if (IS_ENABLED(CONFIG_MIGRATION))`, so with
        // CONFIG_MIGRATION=n it would leave write device entries writable; but DEVICE_UNADDRESSABLE depends on
        // ZONE_DEVICE, which depends on MEMORY_HOTREMOVE, which depends on MIGRATION: no such kernel exists.
        var act = () => NewWorldWithDevice(config: KernelConfig.Default with { Migration = false });
        act.Should().Throw<ArgumentException>().WithMessage("*CONFIG_DEVICE_UNADDRESSABLE=y*CONFIG_ZONE_DEVICE*CONFIG_MEMORY_HOTREMOVE*CONFIG_MIGRATION=n*");
    }

    [Fact]
    public void Mutant_mprotect_keeps_write_device_entry_is_caught()
    {
        var (w, dev) = NewWorldWithDevice("mutant-mprotect-keeps-write-device-entry");
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0, write: true);
        w.Mprotect("A", 0, 1, VmProt.Read).Should().Be(Errno.OK);
        w.is_write_device_entry(EntryOf(w, "A", 0)).Should().BeTrue("the mutant's fault");
        ShouldViolate(w, w.CheckInvariants, ViolationCategory.WritableInReadOnlyVma);
    }
}
