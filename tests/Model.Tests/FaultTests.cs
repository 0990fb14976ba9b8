using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>handle_pte_fault / do_anonymous_page / do_wp_page / do_swap_page / do_fault on every entry type.</summary>
public sealed class FaultTests : ModelTest
{
    public static TheoryData<string> CoreVariants() => new() { "seed", "fix-fault-ref", "fix-fault-trylock", "fix-fault-trylock-wait", "upstream" };

    [Fact]
    public void None_pte_read_fault_maps_the_zero_page_and_a_write_fault_allocates()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 2, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        w.UserRead("A", 1).Should().Be(new AccessOutcome(0, Sig.None));
        PteOf(w, "A", 1).IsPresent.Should().BeTrue();
        w.Mms["A"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(0, "the zero page (ZeroPageTests)");
        w.UserWrite("A", 0, 1).Should().Be(Sig.None);
        w.Mms["A"].RssRaw(MmCounter.MM_ANONPAGES).Should().Be(1);
    }

    [Fact]
    public void Write_then_read_returns_the_value_and_later_accesses_do_not_fault()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 1, VmProt.ReadWrite, false);
        w.UserWrite("A", 0, 42).Should().Be(Sig.None);
        var steps = w.Steps.Count;
        w.UserRead("A", 0).Should().Be(new AccessOutcome(42, Sig.None));
        w.Steps.Skip(steps).Should().NotContain(s => s.Function == "handle_mm_fault");
    }

    [Fact]
    public void Access_outside_a_vma_or_against_protection_is_sigsegv()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 1, VmProt.Read, false);
        w.UserRead("A", 5).Signal.Should().Be(Sig.SIGSEGV);
        w.UserWrite("A", 0, 1).Should().Be(Sig.SIGSEGV);
        w.Mprotect("A", 0, 1, VmProt.None).Should().Be(Errno.OK);
        w.UserRead("A", 0).Signal.Should().Be(Sig.SIGSEGV);
        w.UserRead("nobody", 0).Signal.Should().Be(Sig.SIGSEGV);
    }

    [Fact]
    public void Cow_after_fork_keeps_parent_and_child_apart_and_frees_nothing_early()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 2);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.UserWrite("B", 0, 7).Should().Be(Sig.None);
        w.UserRead("A", 0).Value.Should().Be(100);
        w.UserRead("B", 0).Value.Should().Be(7);
        // The parent's page is now mapped once: its write reuses it in place (no copy).
        var pfn = w.pte_pfn(PteOf(w, "A", 0), "test");
        w.UserWrite("A", 0, 8).Should().Be(Sig.None);
        w.pte_pfn(PteOf(w, "A", 0), "test").Should().Be(pfn);
        w.UserRead("A", 1).Value.Should().Be(101);
        w.UserRead("B", 1).Value.Should().Be(101);
    }

    [Fact]
    public void Shared_anonymous_memory_is_shared_with_the_fork_child()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 2, shared: true);
        w.Fork("A", "B").Should().Be(Errno.OK);
        PteOf(w, "B", 0).IsNone.Should().BeTrue("copy_page_range skips VMAs without anon_vma");
        w.UserWrite("B", 0, 9).Should().Be(Sig.None);
        w.UserRead("A", 0).Value.Should().Be(9);
        w.Mms["B"].RssRaw(MmCounter.MM_SHMEMPAGES).Should().Be(1);
    }

    [Fact]
    public void Swap_entry_fault_reads_the_slot_back()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 2);
        w.swap_out_page("A", 1).Should().BeTrue();
        EntryOf(w, "A", 1).Type.Should().Be(0);
        w.Mms["A"].RssRaw(MmCounter.MM_SWAPENTS).Should().Be(1);
        w.UserRead("A", 1).Should().Be(new AccessOutcome(101, Sig.None));
        w.Mms["A"].RssRaw(MmCounter.MM_SWAPENTS).Should().Be(0);
        w.SwapArea.Slots.Should().BeEmpty();
    }

    [Fact]
    public void Swap_entry_write_fault_maps_the_page_writable()
    {
        var w = NewWorld();
        MapAndFill(w, "A", 1);
        w.swap_out_page("A", 0).Should().BeTrue();
        w.UserWrite("A", 0, 5).Should().Be(Sig.None);
        w.UserRead("A", 0).Value.Should().Be(5);
    }

    [Fact]
    public void Hwpoison_entry_is_sigbus()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 1, VmProt.ReadWrite, false);
        var mm = w.Mms["A"];
        mm.Ptl.Lock("test");
        mm.WritePte(0, w.swp_entry_to_pte(w.Swp.make_hwpoison_entry(3), "test"), "test");
        mm.Ptl.Unlock("test");
        w.UserRead("A", 0).Signal.Should().Be(Sig.SIGBUS);
        mm.Ptl.Lock("test");
        mm.WritePte(0, Pte.None, "test");
        mm.Ptl.Unlock("test");
    }

    [Fact]
    public async Task Migration_entry_fault_waits_for_the_page_unlock_then_retries()
    {
        var waiting = new StepSignal(" reader migration_entry_wait unlock ");
        var w = NewWorld(logger: waiting);
        MapAndFill(w, "A", 1);
        var mm = w.Mms["A"];
        var pte = PteOf(w, "A", 0);
        var page = w.pfn_to_page(w.pte_pfn(pte, "test"), "test");
        page.Lock("test");
        mm.Ptl.Lock("test");
        mm.WritePte(0, w.swp_entry_to_pte(w.make_migration_entry(page, true), "test"), "test");
        mm.Ptl.Unlock("test");

        var reader = Task.Run(() =>
        {
            using var _ = w.EnterActor("reader");
            return w.UserRead("A", 0);
        });
        await waiting.WaitFor(reader);
        reader.IsCompleted.Should().BeFalse("the fault waits on the locked page");
        mm.Ptl.Lock("test");
        mm.WritePte(0, pte, "test"); // remove_migration_pte
        mm.Ptl.Unlock("test");
        page.Unlock("test");
        (await reader.WaitAsync(StepSignal.HangGuard)).Should().Be(new AccessOutcome(100, Sig.None));
    }

    [Theory]
    [MemberData(nameof(CoreVariants))]
    public void Device_read_entry_fault_migrates_back_through_page_fault(string variant)
    {
        var (w, dev) = NewWorldWithDevice(variant);
        MapAndFill(w, "A", 2);
        w.Mprotect("A", 0, 2, VmProt.Read);
        var dpage = dev.PlaceDeviceEntry("A", 0);
        w.is_write_device_entry(EntryOf(w, "A", 0)).Should().BeFalse();
        w.CheckInvariants();
        w.UserRead("A", 0).Should().Be(new AccessOutcome(100, Sig.None));
        dev.FaultCalls.Should().Be(1);
        PteOf(w, "A", 0).IsPresent.Should().BeTrue();
        dpage.State.Should().Be(PageState.Free);
        dev.FreeCount.Should().Be(8);
    }

    [Theory]
    [MemberData(nameof(CoreVariants))]
    public void Device_write_entry_fault_migrates_back_and_the_write_lands(string variant)
    {
        var (w, dev) = NewWorldWithDevice(variant);
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0, write: true);
        w.is_write_device_entry(EntryOf(w, "A", 0)).Should().BeTrue();
        w.UserWrite("A", 0, 55).Should().Be(Sig.None);
        w.UserRead("A", 0).Value.Should().Be(55);
        dev.FaultCalls.Should().Be(1);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Device_fault_callback_sigbus_reaches_the_process(string variant)
    {
        var (w, dev) = NewWorldWithDevice(variant);
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0);
        dev.FailFaultWith = VmFault.VM_FAULT_SIGBUS;
        w.UserRead("A", 0).Signal.Should().Be(Sig.SIGBUS);
        dev.FaultCalls.Should().Be(1);
        EntryOf(w, "A", 0).Should().Match<SwapEntry>(e => w.is_device_entry(e), "nothing is lost: the data stays on the device");
    }

    [Theory]
    [InlineData("seed", true)]
    [InlineData("fix-pf-oom-no-kill", false)]
    [InlineData("upstream", false)]
    public void Vm_fault_oom_is_retried_not_sigbus_with_the_oom_killer_as_a_visible_event(string variant, bool kills)
    {
        var (w, dev) = NewWorldWithDevice(variant);
        MapAndFill(w, "A", 1);
        MapAndFill(w, "B", 2);
        dev.PlaceDeviceEntry("A", 0);
        dev.FailFaultWith = VmFault.VM_FAULT_OOM;
        dev.FailFaultTimes = 2;

        w.UserRead("A", 0).Should().Be(new AccessOutcome(100, Sig.None), "mm_fault_error returns to user space, which retries the fault");
        dev.FaultCalls.Should().Be(3);
        if (kills)
        {
            w.OomKills.Should().Equal(new OomKillEvent("A", "B", 2), new OomKillEvent("A", "B", 2));
            w.Steps.Should().Contain(s => s.Function == "out_of_memory" && s.Detail.Contains("Kill process B"));
        }
        else
        {
            w.OomKills.Should().BeEmpty();
            w.Steps.Count(s => s.Function == "pagefault_out_of_memory" && s.Detail.Contains("Retrying PF")).Should().Be(2);
        }
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Device_fault_callback_that_keeps_returning_oom_is_a_livelock(string variant)
    {
        var (w, dev) = NewWorldWithDevice(variant);
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0);
        dev.FailFaultWith = VmFault.VM_FAULT_OOM;
        w.FaultRetryLimit = 3;
        ShouldViolate(w, () => w.UserRead("A", 0), ViolationCategory.Livelock);
        dev.FaultCalls.Should().BeGreaterThan(300, "retries with no other task running are bounded at 100 x the limit");
        if (variant == "seed")
            w.OomKills.Should().OnlyContain(k => k.Victim == "A", "the faulting process is the only one with memory: the kernel would kill it");
    }

    [Fact]
    public void Anonymous_fault_without_a_free_page_is_retried_not_sigbus()
    {
        var w = NewWorld(ramPages: 1);
        w.Mmap("A", 0, 2, VmProt.ReadWrite, false);
        w.UserWrite("A", 0, 5).Should().Be(Sig.None);
        w.FaultRetryLimit = 1;
        ShouldViolate(w, () => w.UserWrite("A", 1, 6), ViolationCategory.Livelock);
        w.OomKills.Should().NotBeEmpty().And.OnlyContain(k => k.Faulting == "A" && k.Victim == "A");
    }

    [Fact]
    public void Device_entry_fault_retried_forever_is_a_livelock()
    {
        var (w, dev) = NewWorldWithDevice();
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0);
        dev.FailFaultWith = 0; // "handled" without migrating: the access faults again
        w.FaultRetryLimit = 5;
        ShouldViolate(w, () => w.UserRead("A", 0), ViolationCategory.Livelock);
    }

    [Fact]
    public void Mutant_do_swap_page_ignoring_device_entries_gives_sigbus()
    {
        var (w, dev) = NewWorldWithDevice("mutant-do-swap-page-ignores-device-entries");
        MapAndFill(w, "A", 1);
        dev.PlaceDeviceEntry("A", 0);
        w.UserRead("A", 0).Signal.Should().Be(Sig.SIGBUS);
        dev.FaultCalls.Should().Be(0);
    }

    [Fact]
    public void Without_config_device_unaddressable_the_fault_stub_is_sigbus()
    {
        var w = NewWorld(config: KernelConfig.Default with { DeviceUnaddressable = false });
        w.Mmap("A", 0, 1, VmProt.ReadWrite, false);
        var mm = w.Mms["A"];
        var vma = mm.find_vma(0)!;
        w.device_entry_fault(vma, 0, SwapEntry.swp_entry(0, 0), 0).Should().Be(VmFault.VM_FAULT_SIGBUS);
    }

    [Fact]
    public void Seed_check_catches_a_present_pte_to_unaddressable_memory()
    {
        var (w, dev) = NewWorldWithDevice();
        w.Mmap("A", 0, 2, VmProt.ReadWrite, false);
        w.UserWrite("A", 1, 1).Should().Be(Sig.None); // anon_vma_prepare
        var mm = w.Mms["A"];
        var page = dev.Alloc();
        w.page_add_new_anon_rmap(page, mm.find_vma(0) ?? throw new InvalidOperationException(), 0, "test");
        mm.Ptl.Lock("test");
        mm.WritePte(0, Pte.pfn_pte(page.Pfn, Pte._PAGE_PRESENT | Pte._PAGE_USER), "test"); // read-only, present: a bug
        mm.Ptl.Unlock("test");
        mm.add_mm_counter(MmCounter.MM_ANONPAGES, 1, "test");
        w.UserWrite("A", 0, 1).Should().Be(Sig.SIGBUS);
        w.Steps.Should().Contain(s => s.Function == "handle_pte_fault" && s.Detail.Contains("Bad page map"));
        ShouldViolate(w, w.CheckInvariants, ViolationCategory.UnaddressableMapped);
    }

    [Fact]
    public void Mmio_pfnmap_reads_and_writes_reach_the_registers_without_struct_page()
    {
        var w = NewWorld();
        w.MmapPfn("A", 0, 2, 100_000, VmProt.ReadWrite).Should().Be(Errno.OK);
        w.UserWrite("A", 1, 77).Should().Be(Sig.None);
        w.UserRead("A", 1).Value.Should().Be(77);
        w.pte_special(PteOf(w, "A", 0), "test").Should().BeTrue();
        w.Mms["A"].RssRaw(MmCounter.MM_FILEPAGES).Should().Be(0);
        w.MmapPfn("A", 4, 1, 3, VmProt.Read).Should().Be(Errno.EINVAL, "pfn 3 is RAM with a struct page");
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.UserRead("B", 1).Value.Should().Be(77);
        w.MadviseDontneed("A", 0, 2).Should().Be(Errno.EINVAL);
        w.Munmap("A", 0, 2).Should().Be(Errno.OK);
    }

    [Fact]
    public void Seed_check_calls_pfn_to_page_on_an_mmio_pfn_in_a_cow_pfnmap()
    {
        // A private VM_PFNMAP mapping is a COW mapping: after fork both PTEs are write-protected, the next write
        // faults on a present PTE, and the seed's new check does pfn_to_page(pte_pfn()) for a pfn without struct page.
        var w = NewWorld("seed");
        w.MmapPfnMapping("A", 0, 1, 100_000, VmProt.ReadWrite, shared: false).Should().Be(Errno.OK);
        w.Fork("A", "B").Should().Be(Errno.OK);
        ShouldViolate(w, () => w.UserWrite("A", 0, 1), ViolationCategory.NoStructPage);
    }

    [Theory]
    [InlineData("fix-drop-addressable-check")]
    [InlineData("upstream")]
    public void Without_the_seed_check_a_cow_pfnmap_write_is_handled_by_do_wp_page(string variant)
    {
        // do_wp_page: vm_normal_page returns NULL for the special PTE, so the write breaks COW by copying from
        // the pfn (wp_page_copy) and never calls pfn_to_page on the MMIO pfn.
        var w = NewWorld(variant);
        w.MmapPfnMapping("A", 0, 1, 100_000, VmProt.ReadWrite, shared: false).Should().Be(Errno.OK);
        w.Fork("A", "B").Should().Be(Errno.OK);
        w.UserWrite("A", 0, 1).Should().Be(Sig.None);
        w.UserRead("A", 0).Value.Should().Be(1);
        w.Steps.Should().NotContain(s => s.Function == "handle_pte_fault" && s.Resource.StartsWith("page "));
    }

    [Fact]
    public void Addressability_and_migratability_follow_the_pgmap_flags()
    {
        var (w, dev) = NewWorldWithDevice();
        var dpage = w.Memmap.Find(TestDeviceStart)!;
        var ram = w.Memmap.Find(0)!;
        w.Buddy.alloc_page("test").Should().BeSameAs(ram);
        w.is_addressable_page(ram, "test").Should().BeTrue();
        w.dev_page_allow_migrate(ram, "test").Should().BeFalse();
        var p = dev.Alloc();
        w.is_addressable_page(p, "test").Should().BeFalse();
        w.dev_page_allow_migrate(p, "test").Should().BeTrue();
        dev.Pgmap.WriteFlags(MemoryFlags.MEMORY_DEVICE, "test");
        w.is_addressable_page(p, "test").Should().BeTrue();
        w.dev_page_allow_migrate(p, "test").Should().BeFalse();
        _ = dpage;
        ExpectBroken(w); // pages allocated without mappings
    }

    [Fact]
    public void Reading_a_free_device_page_is_use_after_free()
    {
        var (w, _) = NewWorldWithDevice();
        var free = w.Memmap.Find(TestDeviceStart)!;
        ShouldViolate(w, () => free.ReadPgmap("device_entry_fault"), ViolationCategory.UseAfterFree);
    }
}
