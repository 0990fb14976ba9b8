using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// The device mirror as a cache (Driver/DmirrorMirror.cs): a device access installs an entry that later accesses
/// use without walking the CPU page table, and each CPU page-table change that the kernel brackets with
/// mmu_notifier_invalidate_range_start/end drops it. The notifier mutants leave the entry stale; the next device
/// access through it is a <c>stale-mirror</c> violation (and a wrong result).
/// </summary>
public sealed class MirrorTests : ModelTest
{
    public static TheoryData<string> Variants() => new() { "seed", "fix-mirror-sync-start", "fix-mirror-interval-seq", "upstream" };

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_device_access_caches_the_translation_and_the_next_one_does_not_walk(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, "A", 1);
        w.DeviceRead("A", 0).Should().Be(new DeviceOutcome(100, Errno.OK));
        var entry = w.Device!.MirrorEntries.Should().ContainSingle().Subject;
        (entry.Mm, entry.Address, entry.Write).Should().Be(("A", 0L, true));
        entry.Pfn.Should().BeLessThan(DeviceStart, "a system page");
        var before = w.Steps.Count;
        w.DeviceRead("A", 0).Should().Be(new DeviceOutcome(100, Errno.OK));
        w.Steps.Skip(before).Should().NotContain(s => s.Resource == "pte A:0", "a hit uses the device page table only");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_invalidating_path_drops_the_entry(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, "A", 4);
        for (var p = 0; p < 4; p++)
            w.DeviceRead("A", p).Value.Should().Be(100 + p);
        w.Device!.MirrorEntries.Should().HaveCount(4);
        w.Mprotect("A", 0, 1, VmProt.Read).Should().Be(Errno.OK);
        w.MadviseDontneed("A", 1, 1).Should().Be(Errno.OK);
        w.Munmap("A", 2, 1).Should().Be(Errno.OK);
        w.Device.MirrorEntries.Select(e => e.Address).Should().Equal(3L);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.Device.MirrorEntries.Should().BeEmpty("fork write-protects the COW mapping's PTEs");
        w.DeviceRead("A", 3).Value.Should().Be(103);
        w.Exit("A").Should().Be(Errno.OK);
        w.Device.MirrorEntries.Should().BeEmpty("exit releases the mirror");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_cow_break_by_the_cpu_drops_the_read_only_entry(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, "A", 1);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.DeviceRead("A", 0).Value.Should().Be(100);
        w.Device!.MirrorEntries.Should().ContainSingle().Which.Write.Should().BeFalse();
        w.UserWrite("A", 0, 5).Should().Be(Sig.None);
        w.Device.MirrorEntries.Should().BeEmpty("wp_page_copy invalidates the old translation");
        w.DeviceRead("A", 0).Value.Should().Be(5);
        w.DeviceRead("B", 0).Value.Should().Be(100);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Migration_to_the_device_and_back_invalidates_the_mirror(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, "A", 1);
        w.DeviceWrite("A", 0, 9).Should().Be(Errno.OK);
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        w.Device!.MirrorEntries.Should().BeEmpty();
        w.DeviceRead("A", 0).Value.Should().Be(9);
        w.Device.MirrorEntries.Should().ContainSingle().Which.Pfn.Should().BeGreaterThanOrEqualTo(DeviceStart);
        w.UserRead("A", 0).Should().Be(new AccessOutcome(9, Sig.None));
        w.Device.MirrorEntries.Should().BeEmpty("the CPU fault migrated the page back");
        w.DeviceWrite("A", 0, 10).Should().Be(Errno.OK);
        w.UserRead("A", 0).Value.Should().Be(10);
    }

    [Fact]
    public void Mprotect_without_the_notifier_leaves_a_writable_entry_the_device_writes_through()
    {
        MapAndRead("upstream", out var good);
        good.Mprotect("A", 0, 1, VmProt.Read);
        good.DeviceWrite("A", 0, 7).Should().Be(Errno.EPERM);

        MapAndRead("mutant-mprotect-skips-mmu-notifier", out var w);
        w.Mprotect("A", 0, 1, VmProt.Read);
        ShouldViolate(w, () => w.DeviceWrite("A", 0, 7), ViolationCategory.StaleMirror);
    }

    [Fact]
    public void Fork_without_the_notifier_lets_the_device_write_into_the_page_the_child_shares()
    {
        MapAndRead("upstream", out var good);
        good.Fork("A", "B");
        good.DeviceWrite("A", 0, 7).Should().Be(Errno.OK);
        good.UserRead("B", 0).Value.Should().Be(100);
        good.UserRead("A", 0).Value.Should().Be(7);

        MapAndRead("mutant-fork-skips-mmu-notifier", out var w);
        w.Fork("A", "B");
        ShouldViolate(w, () => w.DeviceWrite("A", 0, 7), ViolationCategory.StaleMirror);
    }

    [Fact]
    public void Madvise_without_the_notifier_leaves_the_device_reading_the_zapped_page()
    {
        MapAndRead("upstream", out var good);
        good.MadviseDontneed("A", 0, 1);
        good.DeviceRead("A", 0).Should().Be(new DeviceOutcome(0, Errno.OK));

        MapAndRead("mutant-zap-skips-mmu-notifier", out var w);
        w.MadviseDontneed("A", 0, 1);
        ShouldViolate(w, () => w.DeviceRead("A", 0), ViolationCategory.StaleMirror, ViolationCategory.UseAfterFree);
    }

    private void MapAndRead(string variant, out KernelWorld w)
    {
        w = NewDeviceWorld(variant);
        MapAndFill(w, "A", 1);
        w.DeviceRead("A", 0).Should().Be(new DeviceOutcome(100, Errno.OK));
    }
}
