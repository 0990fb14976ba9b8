using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// The seed's known use-after-free, replayed deterministically: a CPU fault reaches the driver's page_fault
/// callback holding no reference (do_swap_page → device_entry_fault, no PTL) and, just then, another thread
/// (actor B, the driver migrating the range back) frees the device page. The reference driver must not mask it;
/// the fault-path fixes must close it. The interleaving is forced by wrapping the pgmap's page_fault.
/// </summary>
public sealed class SeedFaultRaceTests : ModelTest
{
    private static void InterleaveMigrationBeforeCallback(KernelWorld w)
    {
        var pgmap = w.Device!.Pgmap;
        var real = pgmap.PageFaultRaw!;
        pgmap.WritePageFault((vma, address, page, flags) =>
        {
            using (w.EnterActor("B"))
                w.MigrateToSystem("A", 0, 1);
            return real(vma, address, page, flags);
        }, "test");
    }

    [Fact]
    public void Seed_fault_callback_runs_on_a_page_freed_by_a_concurrent_migration()
    {
        var w = NewDeviceWorld("seed");
        MapAndFill(w, pages: 1);
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        InterleaveMigrationBeforeCallback(w);

        var v = ShouldViolate(w, () => w.UserRead("A", 0), ViolationCategory.UseAfterFree);
        v.Function.Should().Be(nameof(Dmirror.dmirror_devmem_fault));
    }

    [Theory]
    [InlineData("fix-fault-ref")]
    [InlineData("fix-fault-trylock")]
    [InlineData("fix-fault-trylock-wait")]
    [InlineData("upstream")]
    public void Fixed_fault_paths_keep_the_page_alive_across_the_callback(string variant)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: 1);
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        InterleaveMigrationBeforeCallback(w);

        w.UserRead("A", 0).Should().Be(new AccessOutcome(100, Sig.None));
        IsPresent(w, "A", 0).Should().BeTrue();
        w.Device!.PagesInUse.Should().Be(0);
    }
}
