using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// The kernel's own HMM self-tests (tools/testing/selftests/mm/hmm-tests.c) as sequential scenarios through the
/// facade, on the seed and on upstream.
/// </summary>
public sealed class SelfTestScenarioTests : ModelTest
{
    private const int N = 6;

    /// <summary>anon_read: untouched pages read 0, written ones their values, after mprotect read-only.</summary>
    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Anon_read(string variant)
    {
        var w = NewDeviceWorld(variant);
        w.Mmap("A", 0, N, VmProt.ReadWrite, shared: false).Should().Be(Errno.OK);
        for (var i = 2; i < N; i++)
            w.UserWrite("A", i, 1000 + i).Should().Be(Sig.None);
        w.Mprotect("A", 0, N, VmProt.Read).Should().Be(Errno.OK);

        for (var i = 0; i < N; i++)
            w.DeviceRead("A", i).Should().Be(new DeviceOutcome(i < 2 ? 0 : 1000 + i, Errno.OK), $"page {i}");
        w.DeviceWrite("A", 3, 7).Should().Be(Errno.EPERM, "the mapping is read-only");
        w.UserRead("A", 3).Should().Be(new AccessOutcome(1003, Sig.None));
    }

    /// <summary>anon_write: the device writes a fresh buffer; the CPU reads the device's values.</summary>
    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Anon_write(string variant)
    {
        var w = NewDeviceWorld(variant);
        w.Mmap("A", 0, N, VmProt.ReadWrite, shared: false).Should().Be(Errno.OK);
        for (var i = 0; i < N; i++)
            w.DeviceWrite("A", i, 2000 + i).Should().Be(Errno.OK);
        for (var i = 0; i < N; i++)
            w.UserRead("A", i).Should().Be(new AccessOutcome(2000 + i, Sig.None));
    }

    /// <summary>migrate: every page moves; the device's read-back equals what the CPU wrote.</summary>
    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Migrate(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: N);
        var freeRam = w.Buddy.FreeCount;
        w.MigrateToDevice("A", 0, N).Should().Be(N);
        for (var i = 0; i < N; i++)
        {
            IsDeviceEntry(w, "A", i).Should().BeTrue($"page {i} is on the device");
            w.DeviceRead("A", i).Should().Be(new DeviceOutcome(100 + i, Errno.OK));
        }
        w.Buddy.FreeCount.Should().Be(freeRam + N, "the source system pages were freed");
        w.Device!.PagesInUse.Should().Be(N);
        w.Smaps("A").Rss.Should().Be(N, "device entries count in rss");
        w.MigrateToDevice("A", 0, N).Should().Be(0, "pages already on the device are not selected");
    }

    /// <summary>migrate_multiple: ten rounds of write, migrate, read back on the CPU.</summary>
    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Migrate_multiple(string variant)
    {
        var w = NewDeviceWorld(variant);
        for (var round = 0; round < 10; round++)
        {
            w.Mmap("A", 0, N, VmProt.ReadWrite, shared: false).Should().Be(Errno.OK);
            for (var i = 0; i < N; i++)
                w.UserWrite("A", i, round * 100 + i).Should().Be(Sig.None);
            w.MigrateToDevice("A", 0, N).Should().Be(N, $"round {round}");
            for (var i = 0; i < N; i++)
                w.UserRead("A", i).Should().Be(new AccessOutcome(round * 100 + i, Sig.None), $"round {round} page {i}");
            w.Device!.PagesInUse.Should().Be(0, "every CPU read migrated its page back and freed the device page");
            w.Munmap("A", 0, N).Should().Be(Errno.OK);
        }
        w.Buddy.FreeCount.Should().Be(16);
    }

    /// <summary>anon_read_multiple: ten rounds of CPU write, device read.</summary>
    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Anon_read_multiple(string variant)
    {
        var w = NewDeviceWorld(variant);
        w.Mmap("A", 0, N, VmProt.ReadWrite, shared: false).Should().Be(Errno.OK);
        for (var round = 0; round < 10; round++)
        {
            for (var i = 0; i < N; i++)
                w.UserWrite("A", i, round + i).Should().Be(Sig.None);
            for (var i = 0; i < N; i++)
                w.DeviceRead("A", i).Should().Be(new DeviceOutcome(round + i, Errno.OK), $"round {round} page {i}");
        }
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Device_access_to_a_hole_or_prot_none_is_efault(string variant)
    {
        var w = NewDeviceWorld(variant);
        w.Mmap("A", 0, 2, VmProt.ReadWrite, shared: false).Should().Be(Errno.OK);
        w.Mmap("A", 4, 2, VmProt.None, shared: false).Should().Be(Errno.OK);
        w.DeviceRead("A", 2).Error.Should().Be(Errno.EFAULT);
        w.DeviceWrite("A", 3, 1).Should().Be(Errno.EFAULT);
        w.DeviceRead("A", 4).Error.Should().Be(Errno.EFAULT);
        w.DeviceWrite("A", 5, 1).Should().Be(Errno.EFAULT);
        w.DeviceRead("B", 0).Error.Should().Be(Errno.EINVAL, "unknown mm");
        w.MigrateToDevice("B", 0, 1).Should().Be(0);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Shared_anonymous_memory_is_not_migrated(string variant)
    {
        var w = NewDeviceWorld(variant);
        w.Mmap("A", 0, 2, VmProt.ReadWrite, shared: true).Should().Be(Errno.OK);
        w.UserWrite("A", 0, 5).Should().Be(Sig.None);
        w.MigrateToDevice("A", 0, 2).Should().Be(0);
        w.DeviceRead("A", 0).Should().Be(new DeviceOutcome(5, Errno.OK));
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Device_write_to_a_device_page_stays_on_the_device(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: 2);
        w.MigrateToDevice("A", 0, 2).Should().Be(2);
        w.DeviceWrite("A", 1, 77).Should().Be(Errno.OK);
        IsDeviceEntry(w, "A", 1).Should().BeTrue();
        w.MigrateToSystem("A", 0, 2).Should().Be(2);
        w.UserRead("A", 1).Should().Be(new AccessOutcome(77, Sig.None));
        w.Device!.PagesInUse.Should().Be(0);
    }
}
