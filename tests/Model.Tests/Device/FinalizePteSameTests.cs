using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// migrate_vma run step by step with a zap (madvise(MADV_DONTNEED), which holds mmap_sem only for read, as the
/// migration does) between collect and finalize: finalize must re-check its migration entry with pte_same under
/// the PTL, or it resurrects a mapping that was zapped (mutant FinalizeSkipsPteSame).
/// </summary>
public sealed class FinalizePteSameTests : ModelTest
{
    /// <summary>Runs the migration of pages 0..1 to the device with page 0 zapped after collect.</summary>
    private static void MigrateWithZapAfterCollect(KernelWorld w) =>
        MigrateWithActionAfterCollect(w, () =>
        {
            w.MadviseDontneed("A", 0, 1).Should().Be(Errno.OK);
            PteOf(w, "A", 0).IsNone.Should().BeTrue("the zap cleared the migration entry");
        });

    private static void MigrateWithActionAfterCollect(KernelWorld w, Action between)
    {
        MapAndFill(w, pages: 2);
        var mm = w.Mms["A"];
        var driver = w.Device!;
        var ops = driver.ToDevice;
        mm.MmapSem.DownRead("test");
        MigrateVma migrate;
        try
        {
            migrate = new MigrateVma(mm.find_vma(0)!, 0, 2, MigrateSelect.System, driver.Pgmap, faultPage: null);
            w.migrate_vma_collect(migrate);
        }
        finally
        {
            mm.MmapSem.UpRead("test");
        }
        migrate.Cpages.Should().Be(2);

        between();

        mm.MmapSem.DownRead("test");
        try
        {
            w.migrate_vma_unmap(migrate);
            ops.alloc_and_copy(migrate);
            w.migrate_vma_pages(migrate);
            ops.finalize_and_map(migrate);
            w.migrate_vma_finalize(migrate);
        }
        finally
        {
            mm.MmapSem.UpRead("test");
        }
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Finalize_leaves_a_zapped_address_empty(string variant)
    {
        var w = NewDeviceWorld(variant);
        MigrateWithZapAfterCollect(w);
        PteOf(w, "A", 0).IsNone.Should().BeTrue();
        IsDeviceEntry(w, "A", 1).Should().BeTrue();
        w.Smaps("A").Rss.Should().Be(1);
        w.Device!.PagesInUse.Should().Be(1, "the destination of the zapped page went back to the free list");
        w.HeldRefs.Should().BeEmpty();
        w.Exit("A").Should().Be(Errno.OK);
        w.Device.PagesInUse.Should().Be(0);
        w.Buddy.FreeCount.Should().Be(16);
        w.DeviceRemove().Should().Be(Errno.OK);
        w.CheckLeaks();
    }

    // seed and fix-rmap-subpage break in try_to_unmap_one on the other mm's device entry (RmapWalkTests).
    [Theory]
    [InlineData("fix-rmap-soft-dirty")]
    [InlineData("upstream")]
    public void A_fork_between_collect_and_finalize_gets_the_new_page_too(string variant)
    {
        var w = NewDeviceWorld(variant);
        MigrateWithActionAfterCollect(w, () => w.Fork("A", "B").Should().Be(Errno.OK));
        for (var i = 0; i < 2; i++)
        {
            IsDeviceEntry(w, "A", i).Should().BeTrue();
            IsDeviceEntry(w, "B", i).Should().BeTrue("the child's copy of the migration entry was found by the rmap walk");
            w.is_write_device_entry(w.pte_to_swp_entry(PteOf(w, "B", i), "test")).Should().BeFalse("fork made the COW copies read-only");
            w.DeviceRead("B", i).Should().Be(new DeviceOutcome(100 + i, Errno.OK));
        }
        w.UserWrite("B", 0, 7).Should().Be(Sig.None);
        w.UserRead("A", 0).Should().Be(new AccessOutcome(100, Sig.None));
        w.Exit("B").Should().Be(Errno.OK);
        w.Exit("A").Should().Be(Errno.OK);
        w.Device!.PagesInUse.Should().Be(0);
    }

    [Fact]
    public void Mutant_finalize_skips_pte_same_is_caught()
    {
        var w = NewDeviceWorld("mutant-finalize-skips-pte-same");
        ExpectBroken(w);
        MigrateWithZapAfterCollect(w);
        IsDeviceEntry(w, "A", 0).Should().BeTrue("the mutant re-installed the zapped page");
        w.Smaps("A").Rss.Should().Be(2, "smaps counts both entries");
        w.Mms["A"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(1, "but the zap already took the page out of rss");
        var v = Assert.Throws<KernelViolation>(w.CheckInvariants);
        v.Category.Should().Be(ViolationCategory.RssMismatch, v.Message);
    }
}
