using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// memfd mappings and ftruncate: a private mapping reads the page cache until written (do_cow_fault, do_wp_page
/// copy), its COW copies are anonymous and may migrate to the device, and truncation (shmem_setattr →
/// unmap_mapping_range with even_cows) zaps them, device entries included — except on the mutant that skips
/// device entries whenever zap_details is given.
/// </summary>
public sealed class TruncateTests : ModelTest
{
    [Fact]
    public void Private_file_mapping_reads_the_page_cache_until_written()
    {
        var w = NewDeviceWorld();
        w.Mmap("S", 0, 2, VmProt.ReadWrite, shared: true, file: "F").Should().Be(Errno.OK);
        w.Mmap("P", 0, 2, VmProt.ReadWrite, shared: false, file: "F").Should().Be(Errno.OK);
        w.UserWrite("S", 0, 5).Should().Be(Sig.None);
        w.UserRead("P", 0).Value.Should().Be(5, "a read fault maps the page-cache page");
        w.UserWrite("P", 0, 6).Should().Be(Sig.None, "do_wp_page copies the read-only page-cache page");
        w.UserRead("S", 0).Value.Should().Be(5, "the private copy does not show through in the file");
        w.UserWrite("P", 1, 9).Should().Be(Sig.None, "do_cow_fault on a none PTE");
        w.UserRead("S", 1).Value.Should().Be(0);
        w.Mms["P"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(2);
        w.Mms["P"].RssRaw(MmCounter.MM_SHMEMPAGES).Should().Be(0);
        w.Files["F"].PageCache.Should().HaveCount(2);
    }

    [Fact]
    public void Access_beyond_eof_is_sigbus_and_ftruncate_of_an_unknown_file_is_einval()
    {
        var w = NewDeviceWorld();
        w.Mmap("A", 0, 2, VmProt.ReadWrite, shared: true, file: "F").Should().Be(Errno.OK);
        w.Mmap("B", 0, 4, VmProt.ReadWrite, shared: false, file: "F").Should().Be(Errno.OK, "a second mapping keeps the size");
        w.UserRead("B", 3).Signal.Should().Be(Sig.SIGBUS);
        w.UserWrite("B", 2, 1).Should().Be(Sig.SIGBUS);
        w.Ftruncate("G", 0).Should().Be(Errno.EINVAL);
        w.Ftruncate("F", 4).Should().Be(Errno.OK);
        w.UserRead("B", 3).Value.Should().Be(0, "the file grew");
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Truncate_zaps_a_private_cow_copy_on_the_device(string variant)
    {
        var w = NewDeviceWorld(variant);
        w.Mmap("A", 0, 2, VmProt.ReadWrite, shared: false, file: "F").Should().Be(Errno.OK);
        w.UserRead("A", 1).Value.Should().Be(0);
        w.UserWrite("A", 0, 7).Should().Be(Sig.None);
        w.MigrateToDevice("A", 0, 2).Should().Be(1, "only the anonymous COW copy moves; the page-cache page stays");
        IsDeviceEntry(w, "A", 0).Should().BeTrue();
        w.Ftruncate("F", 0).Should().Be(Errno.OK);
        PteOf(w, "A", 0).IsNone.Should().BeTrue("unmap_mapping_range(even_cows=1) zaps the device entry");
        PteOf(w, "A", 1).IsNone.Should().BeTrue();
        w.UserRead("A", 0).Signal.Should().Be(Sig.SIGBUS);
        w.Mms["A"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(0);
        w.Files["F"].PageCache.Should().BeEmpty();
        w.Steps.Count(s => s.Function == "unmap_mapping_range" && s.Detail.Contains("even_cows=1")).Should().Be(2,
            "shmem_setattr unmaps before and after shmem_truncate_range");
        w.Exit("A").Should().Be(Errno.OK);
        w.DeviceRemove().Should().Be(Errno.OK);
        w.CheckLeaks();
    }

    [Fact]
    public void Truncate_to_a_page_keeps_the_cow_copies_below_it()
    {
        var w = NewDeviceWorld("upstream");
        w.Mmap("A", 0, 2, VmProt.ReadWrite, shared: false, file: "F").Should().Be(Errno.OK);
        w.UserWrite("A", 0, 7).Should().Be(Sig.None);
        w.UserWrite("A", 1, 8).Should().Be(Sig.None);
        w.MigrateToDevice("A", 0, 2).Should().Be(2);
        w.Ftruncate("F", 1).Should().Be(Errno.OK);
        IsDeviceEntry(w, "A", 0).Should().BeTrue();
        PteOf(w, "A", 1).IsNone.Should().BeTrue();
        w.UserRead("A", 0).Value.Should().Be(7);
        w.UserRead("A", 1).Signal.Should().Be(Sig.SIGBUS);
    }

    [Fact]
    public void Mutant_zap_skips_device_entries_with_details_leaves_the_cow_copy_beyond_eof()
    {
        var w = NewDeviceWorld("mutant-zap-skips-device-entries-with-details");
        w.Mmap("A", 0, 1, VmProt.ReadWrite, shared: false, file: "F").Should().Be(Errno.OK);
        w.UserWrite("A", 0, 7).Should().Be(Sig.None);
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        w.Ftruncate("F", 0).Should().Be(Errno.OK);
        IsDeviceEntry(w, "A", 0).Should().BeTrue("the mutant leaves the device entry when zap_details is given");
        ShouldViolate(w, w.CheckInvariants, ViolationCategory.PteBeyondEof);
        w.UserRead("A", 0).Value.Should().Be(7, "the stale COW data is readable beyond EOF instead of SIGBUS");
    }

    [Fact]
    public void Shared_file_pages_are_unmapped_and_freed_by_truncate()
    {
        var w = NewDeviceWorld();
        w.Mmap("A", 0, 2, VmProt.ReadWrite, shared: true, file: "F").Should().Be(Errno.OK);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.UserWrite("A", 1, 3).Should().Be(Sig.None);
        w.UserRead("B", 1).Value.Should().Be(3);
        var free = w.Buddy.FreeCount;
        w.Ftruncate("F", 1).Should().Be(Errno.OK);
        w.Buddy.FreeCount.Should().Be(free + 1);
        w.UserRead("B", 1).Signal.Should().Be(Sig.SIGBUS);
        w.Mms["A"].RssRaw(MmCounter.MM_SHMEMPAGES).Should().Be(0);
        w.Munmap("A", 0, 2).Should().Be(Errno.OK);
        w.Exit("A").Should().Be(Errno.OK);
        w.Exit("B").Should().Be(Errno.OK);
        w.DeviceRemove().Should().Be(Errno.OK);
        w.CheckLeaks();
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("mutant-zap-skips-device-entries-with-details")]
    public void Unmap_without_even_cows_keeps_cow_copies_and_zaps_page_cache_pages(string variant)
    {
        var w = NewDeviceWorld(variant);
        w.Mmap("A", 0, 2, VmProt.ReadWrite, shared: false, file: "F").Should().Be(Errno.OK);
        w.UserWrite("A", 0, 7).Should().Be(Sig.None);
        w.UserRead("A", 1).Value.Should().Be(0);
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        w.unmap_mapping_range(w.Files["F"], 0, 0, evenCows: false);
        IsDeviceEntry(w, "A", 0).Should().BeTrue("check_mapping is the file, the device page's rmapping an anon_vma");
        PteOf(w, "A", 1).IsNone.Should().BeTrue("the page-cache page belongs to the mapping");
    }
}
