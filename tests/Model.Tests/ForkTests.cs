using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>copy_one_pte / copy_page_range (fork) on every entry type, including the seed's device branch.</summary>
public sealed class ForkTests : ModelTest
{
    [Fact]
    public void Present_pages_are_write_protected_in_both_and_shared_by_reference()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 1);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.pte_write(PteOf(w, "A", 0), "test").Should().BeFalse();
        w.pte_write(PteOf(w, "B", 0), "test").Should().BeFalse();
        var page = w.pfn_to_page(w.pte_pfn(PteOf(w, "A", 0), "test"), "test");
        page.RefcountRaw.Should().Be(2);
        page.MapcountRaw.Should().Be(1);
        w.Mms["B"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(1);
    }

    [Fact]
    public void None_ptes_stay_none()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 3, VmProt.ReadWrite, false);
        w.UserWrite("A", 0, 1);
        w.Fork("A", "B").Should().Be(Errno.OK);
        PteOf(w, "B", 1).IsNone.Should().BeTrue();
        w.Mms["B"].PageTableRaw.Count.Should().Be(1);
    }

    [Fact]
    public void Swap_entries_are_duplicated_and_counted()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 1);
        w.swap_out_page("A", 0).Should().BeTrue();
        w.Fork("A", "B").Should().Be(Errno.OK);
        EntryOf(w, "B", 0).Should().Be(EntryOf(w, "A", 0));
        w.SwapArea.Slots.Single().Value.Count.Should().Be(2);
        w.Mms["B"].RssRaw(MmCounter.MM_SWAPENTS).Should().Be(1);
        w.UserRead("B", 0).Value.Should().Be(100);
        w.UserRead("A", 0).Value.Should().Be(100);
    }

    [Fact]
    public void Write_migration_entries_become_read_in_both()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 1);
        var mm = w.Mms["A"];
        var pte = PteOf(w, "A", 0);
        var page = w.pfn_to_page(w.pte_pfn(pte, "test"), "test");
        page.Lock("test");
        mm.Ptl.Lock("test");
        mm.WritePte(0, w.swp_entry_to_pte(w.make_migration_entry(page, true), "test"), "test");
        w.page_remove_rmap(page, false, "test");
        mm.Ptl.Unlock("test");
        w.NoteRefHeld(page, "test migration"); // the PTE's reference now belongs to the migrator

        w.Fork("A", "B").Should().Be(Errno.OK);
        w.is_write_migration_entry(EntryOf(w, "A", 0)).Should().BeFalse();
        w.is_migration_entry(EntryOf(w, "B", 0)).Should().BeTrue();
        w.is_write_migration_entry(EntryOf(w, "B", 0)).Should().BeFalse();
        w.Mms["B"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(1);
        ExpectBroken(w); // migration entries with a page lock held: not a quiescent state
        page.Unlock("test");
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Device_write_entry_takes_a_reference_and_becomes_read_in_both(string variant)
    {
        var (w, dev) = NewWorldWithDevice(variant);
        MapAndFill(w, "A", 1);
        var dpage = dev.PlaceDeviceEntry("A", 0, write: true);
        var before = dpage.RefcountRaw;
        var sd = w.Mms["A"];
        sd.Ptl.Lock("test");
        sd.WritePte(0, w.pte_swp_mksoft_dirty(PteOf(w, "A", 0), "test"), "test");
        sd.Ptl.Unlock("test");

        w.Fork("A", "B").Should().Be(Errno.OK);
        dpage.RefcountRaw.Should().Be(before + 1);
        dpage.MapcountRaw.Should().Be(1);
        w.is_write_device_entry(EntryOf(w, "A", 0)).Should().BeFalse();
        w.is_write_device_entry(EntryOf(w, "B", 0)).Should().BeFalse();
        w.is_device_entry(EntryOf(w, "B", 0)).Should().BeTrue();
        w.pte_swp_soft_dirty(PteOf(w, "A", 0), "test").Should().BeTrue("soft-dirty is kept");
        w.Mms["B"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(1);
        w.CheckInvariants();
        // Both fault the data back independently.
        w.UserRead("B", 0).Value.Should().Be(100);
        w.UserWrite("A", 0, 5).Should().Be(Sig.None);
        w.UserRead("B", 0).Value.Should().Be(100);
    }

    [Fact]
    public void Device_read_entry_is_copied_as_is()
    {
        var (w, dev) = NewWorldWithDevice();
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0, write: false);
        var entry = EntryOf(w, "A", 0);
        w.Fork("A", "B").Should().Be(Errno.OK);
        EntryOf(w, "B", 0).Should().Be(entry);
        EntryOf(w, "A", 0).Should().Be(entry);
    }

    [Fact]
    public void Mutant_fork_keeps_write_device_entry_leaves_both_writable()
    {
        var (w, dev) = NewWorldWithDevice("mutant-fork-keeps-write-device-entry");
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0, write: true);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.is_write_device_entry(EntryOf(w, "B", 0)).Should().BeTrue("the mutant's fault: a COW mapping keeps write access");
    }

    [Fact]
    public void Mutant_fork_skips_get_page_breaks_the_refcount_invariant()
    {
        var (w, dev) = NewWorldWithDevice("mutant-fork-skips-get-page");
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0);
        w.Fork("A", "B").Should().Be(Errno.OK);
        ShouldViolate(w, w.CheckInvariants, ViolationCategory.RefcountMismatch);
    }

    [Fact]
    public void Mutant_fork_skips_dup_rmap_breaks_the_mapcount_invariant()
    {
        var (w, dev) = NewWorldWithDevice("mutant-fork-skips-dup-rmap");
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0);
        w.Fork("A", "B").Should().Be(Errno.OK);
        ShouldViolate(w, w.CheckInvariants, ViolationCategory.MapcountMismatch);
    }

    [Fact]
    public void Fork_of_unknown_mm_or_to_a_used_name_fails()
    {
        var w = NewWorld();
        w.Fork("X", "Y").Should().Be(Errno.EINVAL);
        MapAndFill(w, "A", 1);
        w.Fork("A", "A").Should().Be(Errno.EEXIST);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.Fork("A", "B").Should().Be(Errno.EEXIST);
    }
}
