using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>
/// How a CPU waits for a locked page behind a PTE entry: v4.11's migration_entry_wait pins the page
/// (get_page_unless_zero) across wait_on_page_locked; ffa65753c431 (<see cref="KernelVariant.MigrationWaitWithoutRef"/>)
/// queues on the page under the PTL and sleeps without a reference; b570f37a2ce4's trylock loser uses the same wait.
/// </summary>
public sealed class MigrationWaitTests : ModelTest
{
    /// <summary>Signals when <paramref name="actor"/> drops the PTL in <paramref name="function"/>: it is about to sleep.</summary>
    private static StepSignal PtlUnlocked(string actor, string function) => new($" {actor} {function} unlock ptl ");

    /// <summary>Locks A:0's page and replaces its PTE by a migration entry, as migrate_vma's collect does.</summary>
    private static (Page Page, Pte Original) StartMigration(KernelWorld w)
    {
        var mm = w.Mms["A"];
        var pte = PteOf(w, "A", 0);
        var page = w.pfn_to_page(w.pte_pfn(pte, "test"), "test");
        page.Lock("test");
        mm.Ptl.Lock("test");
        mm.WritePte(0, w.swp_entry_to_pte(w.make_migration_entry(page, true), "test"), "test");
        mm.Ptl.Unlock("test");
        return (page, pte);
    }

    private static Task<AccessOutcome> StartReader(KernelWorld w) => Task.Run(() =>
    {
        using var _ = w.EnterActor("reader");
        return w.UserRead("A", 0);
    });

    [Theory]
    [InlineData("seed", 2)]
    [InlineData("fix-migration-wait", 1)]
    [InlineData("fix-fault-trylock-wait", 1)]
    [InlineData("upstream", 1)]
    public async Task Migration_entry_waiter_pins_the_page_only_before_ffa65753c431(string variant, int refcountWhileWaiting)
    {
        var waiting = PtlUnlocked("reader", "migration_entry_wait");
        var w = NewWorld(variant, logger: waiting);
        MapAndFill(w, "A", 1);
        var (page, pte) = StartMigration(w);
        var reader = StartReader(w);
        await waiting.WaitFor(reader);
        reader.IsCompleted.Should().BeFalse("the fault waits on the locked page");
        page.RefcountRaw.Should().Be(refcountWhileWaiting, "a pinned waiter fails migrate_vma's refcount check");

        var mm = w.Mms["A"];
        mm.Ptl.Lock("test");
        mm.WritePte(0, pte, "test"); // remove_migration_pte
        mm.Ptl.Unlock("test");
        page.Unlock("test");
        (await reader.WaitAsync(StepSignal.HangGuard)).Should().Be(new AccessOutcome(100, Sig.None));
        page.RefcountRaw.Should().Be(1);
    }

    [Fact]
    public async Task Unpinned_waiter_never_touches_the_page_again_so_migration_may_free_it()
    {
        var waiting = PtlUnlocked("reader", "migration_entry_wait");
        var w = NewWorld("fix-migration-wait", logger: waiting);
        MapAndFill(w, "A", 1);
        var (page, _) = StartMigration(w);
        var mm = w.Mms["A"];
        var vma = mm.find_vma(0)!;
        w.page_remove_rmap(page, false, "test");
        var reader = StartReader(w);
        await waiting.WaitFor(reader);
        reader.IsCompleted.Should().BeFalse("the fault waits on the locked page");
        var waitedAt = w.Steps.Count;

        // migrate_vma finalize: the new page replaces the entry, the old page is unlocked and its last reference dropped.
        var dst = w.Buddy.alloc_page("test")!;
        w.copy_user_highpage(dst, page, "test");
        w.page_add_new_anon_rmap(dst, vma, 0, "test");
        mm.Ptl.Lock("test");
        mm.WritePte(0, Pte.pfn_pte(dst.Pfn, vma.PageProt), "test");
        mm.Ptl.Unlock("test");
        page.Unlock("test");
        w.put_page(page, "test");
        page.State.Should().Be(PageState.Free);

        (await reader.WaitAsync(StepSignal.HangGuard)).Should().Be(new AccessOutcome(100, Sig.None));
        w.FirstViolation.Should().BeNull();
        w.Steps.Skip(waitedAt).Where(s => s.Actor == "reader")
            .Should().NotContain(s => s.Resource.StartsWith($"page {page.Pfn} ", StringComparison.Ordinal),
                "the sleeper holds no reference, so it must not dereference the page after dropping the PTL");
    }

    public static TheoryData<string, bool, int> LoserVariants() => new()
    {
        { "fix-fault-trylock-wait", true, 0 },
        { "upstream", true, 0 },
        // b570f37a2ce4's wait without ffa65753c431: the loser would have to pin the page.
        { "fix-fault-trylock-wait", false, 1 },
    };

    [Theory]
    [MemberData(nameof(LoserVariants))]
    public async Task Trylock_loser_waits_for_the_unlock_without_a_reference(string variant, bool withoutRef, int extraRefs)
    {
        var v = KernelVariants.Get(variant) with { MigrationWaitWithoutRef = withoutRef };
        var waiting = PtlUnlocked("reader", "do_swap_page");
        var w = KernelWorld.Create(new MachineLayout(16, 0, 0), KernelConfig.Default, v, waiting);
        var dev = new TestDevice(w, TestDeviceStart, 8);
        MapAndFill(w, "A", 1);
        var dpage = dev.PlaceDeviceEntry("A", 0);
        var refcount = dpage.RefcountRaw;
        dpage.Lock("test"); // another CPU won trylock_page and is migrating
        var reader = StartReader(w);
        await waiting.WaitFor(reader);
        reader.IsCompleted.Should().BeFalse("the loser sleeps until the page is unlocked");
        dpage.RefcountRaw.Should().Be(refcount + extraRefs, "a pinned loser fails the winner's migrate_vma refcount check");
        dev.FaultCalls.Should().Be(0);

        dpage.Unlock("test");
        (await reader.WaitAsync(StepSignal.HangGuard)).Should().Be(new AccessOutcome(100, Sig.None));
        dev.FaultCalls.Should().Be(1, "after the wake-up the fault is retried and wins trylock_page");
        w.FirstViolation.Should().BeNull();
        w.CheckInvariants();
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Hot_added_ram_counts_as_returned_once_every_process_exited(string variant)
    {
        var w = NewWorld(variant);
        w.HotplugAdd(64, 4).Should().Be(Errno.OK);
        w.Buddy.ManagedPages.Should().Be(20);
        MapAndFill(w, "A", 20);
        w.Buddy.FreeCount.Should().Be(0);
        w.Exit("A").Should().Be(Errno.OK);
        w.CheckLeaks();
        w.Buddy.FreeCount.Should().Be(20);
    }
}
