using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>Rules of docs/reference-model.md that the corpus does not pin down on its own.</summary>
public class ReferenceModelTests
{
    private static Op Map(int pages) => new() { Kind = OpKind.Mmap, Mm = "A", Page = 0, Pages = pages, Prot = Prot.ReadWrite };
    private static Op Write(int page, long value) => new() { Kind = OpKind.Write, Mm = "A", Page = page, Value = value };

    /// <summary>A history of ops run one after another by process 0 with the given results.</summary>
    private static History.History Sequential(HistoryHeader header, params (Op Op, OpResult Result)[] steps)
    {
        var r = new HistoryRecorder(header);
        foreach (var (op, result) in steps) r.Ok(r.Invoke(0, op), result);
        return r.ToHistory();
    }

    [Fact]
    public void Swap_types_follow_swap_h_for_the_default_config()
    {
        var s = ModelSetting.Default;
        (s.MaxSwapfiles, s.SwpMigrationRead, s.SwpMigrationWrite, s.SwpDeviceWrite, s.SwpDevice).Should().Be((27, 28, 29, 30, 31));
        // Without MIGRATION there is no DEVICE_UNADDRESSABLE (Kconfig): only SWP_HWPOISON is taken.
        var noMigration = ModelSetting.From(HistoryHeader.Empty with { Config = new Dictionary<string, bool> { ["CONFIG_MIGRATION"] = false, ["CONFIG_DEVICE_UNADDRESSABLE"] = false } }, 1);
        (noMigration.MaxSwapfiles, noMigration.HasDevice).Should().Be((31, false));
        var unbuildable = () => ModelSetting.From(HistoryHeader.Empty with { Config = new Dictionary<string, bool> { ["CONFIG_MIGRATION"] = false } }, 1);
        unbuildable.Should().Throw<InputError>().Which.Problem.Should().Contain("CONFIG_MIGRATION=n");
        var noDevice = ModelSetting.From(HistoryHeader.Empty with { Config = new Dictionary<string, bool> { ["device_unaddressable"] = false } }, 1);
        noDevice.HasDevice.Should().BeFalse();
        noDevice.MaxSwapfiles.Should().Be(29);
    }

    [Fact]
    public void Out_of_memory_signal_is_allowed_only_for_a_device_page_and_only_when_ram_is_nearly_exhausted()
    {
        var migrate = new Op { Kind = OpKind.MigrateToDevice, Mm = "A", Page = 0, Pages = 1 };
        var read0 = new Op { Kind = OpKind.Read, Mm = "A", Page = 0 };
        var deviceSigbus = new[] { (read0, OpResult.OfSignal(Outcomes.SIGBUS)) };
        var tight = new HistoryHeader(1, null, null, new MachineSpec(2, 4, 1024), [Map(4), Write(0, 1), Write(1, 1), migrate]);
        LinearizabilityChecker.Check(Sequential(tight, deviceSigbus), CheckOptions.Sequential).Verdict.Should().Be(Verdict.Linearizable,
            "the 2017 helper turns the callback's failed allocation (MIGRATE_PFN_ERROR) into SIGBUS");
        var roomy = tight with { Machine = new MachineSpec(64, 4, 1024) };
        LinearizabilityChecker.Check(Sequential(roomy, deviceSigbus), CheckOptions.Sequential).Verdict.Should().Be(Verdict.NotLinearizable);

        // A fault that needs a fresh page (first touch, COW) gets VM_FAULT_OOM, which x86 retries: never a signal.
        var firstTouch = new[] { (Write(2, 7), OpResult.OfSignal(Outcomes.SIGBUS)) };
        LinearizabilityChecker.Check(Sequential(tight, firstTouch), CheckOptions.Sequential).Verdict.Should().Be(Verdict.NotLinearizable);
        var untouchedRead = new[] { (new Op { Kind = OpKind.Read, Mm = "A", Page = 3 }, OpResult.OfSignal(Outcomes.SIGBUS)) };
        LinearizabilityChecker.Check(Sequential(tight, untouchedRead), CheckOptions.Sequential).Verdict.Should().Be(Verdict.NotLinearizable);
    }

    [Fact]
    public void Setup_ran_alone_so_255_written_pages_of_a_4096_page_mapping_stay_one_state()
    {
        // limit-255-written-of-4096: the largest op range (4096) puts the history's memory slack above the
        // machine's 4096 pages, so "low memory" held in every state. Applied to the setup, every write also
        // offered SIGBUS and the initial state set doubled per write; a setup op ran alone, nothing in flight.
        var setup = new List<Op> { Map(4096) };
        for (var i = 0; i < 255; i++) setup.Add(Write(16 * i, i + 1));
        var header = new HistoryHeader(1, null, null, new MachineSpec(4096, 4096, 4096), setup);
        var model = new ReferenceModel(ModelSetting.From(header, 2 + 4096));
        // Three writes first: with the slack applied to the setup they give 8 states, a quick failure.
        model.Initial(setup.Take(4).ToList()).Should().ContainSingle();
        model.Initial(setup).Should().ContainSingle();

        History.History Racing(long firstRead)
        {
            var r = new HistoryRecorder(header);
            var migrate = r.Invoke(0, new Op { Kind = OpKind.MigrateToDevice, Mm = "A", Page = 0, Pages = 4096 });
            r.Ok(r.Invoke(1, new Op { Kind = OpKind.Read, Mm = "A", Page = 4064 }), OpResult.OfValue(firstRead));
            r.Ok(r.Invoke(1, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 }), OpResult.OfValue(1));
            r.Complete(migrate, EventType.Info, null);
            return r.ToHistory();
        }

        const long budget = 100_000;
        var clean = LinearizabilityChecker.Check(Racing(255), new CheckOptions(Parallel: false, MaxStates: budget));
        clean.Verdict.Should().Be(Verdict.Linearizable);
        clean.StatesExplored.Should().BeLessThan(budget);
        var wrong = LinearizabilityChecker.Check(Racing(254), new CheckOptions(Parallel: false, MaxStates: budget));
        wrong.Verdict.Should().Be(Verdict.NotLinearizable);
        wrong.StatesExplored.Should().BeLessThan(budget);
    }

    [Fact]
    public void Partial_migration_leaves_residency_to_the_next_observation()
    {
        var header = new HistoryHeader(1, null, null, new MachineSpec(64, 8, 1024), [Map(2), Write(0, 1), Write(1, 2)]);
        var migrate = (new Op { Kind = OpKind.MigrateToDevice, Mm = "A", Page = 0, Pages = 2 }, OpResult.OfMigrated(1));
        var onDevice = new OpResult { Present = false, SwapEntry = true, SwapType = 30, Exclusive = true, File = false };
        var onSystem = new OpResult { Present = true, SwapEntry = false, Exclusive = true, File = false };
        var pagemap0 = new Op { Kind = OpKind.Pagemap, Mm = "A", Page = 0 };

        // Either page may be the one that moved; once observed on the device, page 0 stays there until moved.
        foreach (var seen in new[] { onDevice, onSystem })
        {
            LinearizabilityChecker.Check(Sequential(header, migrate, (pagemap0, seen), (pagemap0, seen)), CheckOptions.Sequential)
                .Verdict.Should().Be(Verdict.Linearizable);
        }
        LinearizabilityChecker.Check(Sequential(header, migrate, (pagemap0, onDevice), (pagemap0, onSystem)), CheckOptions.Sequential)
            .Verdict.Should().Be(Verdict.NotLinearizable);
        // Migration never changes contents, whichever page moved.
        LinearizabilityChecker.Check(Sequential(header, migrate, (new Op { Kind = OpKind.Read, Mm = "A", Page = 1 }, OpResult.OfValue(1))), CheckOptions.Sequential)
            .Verdict.Should().Be(Verdict.NotLinearizable);
    }

    [Fact]
    public void Fork_family_links_partitions_and_pages_stay_separate_otherwise()
    {
        var header = new HistoryHeader(1, null, null, null, [Map(4)]);
        var r = new HistoryRecorder(header);
        r.Ok(r.Invoke(0, Write(0, 1)), OpResult.Success);
        r.Ok(r.Invoke(1, Write(1, 1)), OpResult.Success);
        LinearizabilityChecker.Check(r.ToHistory(), CheckOptions.Sequential).Partitions.Should().Be(2);
        r.Ok(r.Invoke(2, new Op { Kind = OpKind.Fork, Mm = "A", Child = "B" }), OpResult.Success);
        r.Ok(r.Invoke(1, new Op { Kind = OpKind.Read, Mm = "B", Page = 1 }), OpResult.OfValue(1));
        LinearizabilityChecker.Check(r.ToHistory(), CheckOptions.Sequential).Partitions.Should().Be(1);
    }

    [Fact]
    public void Step_offers_every_allowed_outcome_without_guessing()
    {
        var model = new ReferenceModel(ModelSetting.Default);
        var start = model.Initial([Map(1)]);
        var into = new List<RefState>();
        // A result-less (info) madvise over a hole may end either way; both successors are kept.
        model.Step(start[0], new Op { Kind = OpKind.MadviseDontneed, Mm = "A", Page = 0, Pages = 2 }, null, into);
        into.Should().HaveCount(2);
        model.Explain(start, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 }, OpResult.OfValue(5))
            .Should().Be("read of A:0 returned {\"value\":5}, but every allowed state gives {\"value\":0}");
    }
}
