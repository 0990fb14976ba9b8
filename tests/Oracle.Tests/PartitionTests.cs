using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// The partitioning rules (docs/reference-model.md, "Partitioning") split where they may and nowhere else:
/// the partitioned search agrees with one search over the whole history and with the brute force.
/// </summary>
public class PartitionTests
{
    private static readonly CheckOptions Whole = CheckOptions.Sequential with { Partition = false, RegisterFastPath = false };

    public enum Shape
    {
        /// <summary>Two families with device pages, no removal, no fork: split per (family, page).</summary>
        DeviceNoRemoval,
        /// <summary>The same with device_remove among the ops: the device joins the families.</summary>
        DeviceRemoval,
        /// <summary>One family, forked during the history: range ops touch the whole family.</summary>
        Fork,
        /// <summary>An address space N that an mmap of the history creates: its range ops touch all of it.</summary>
        NewAddressSpace,
    }

    [Theory]
    [InlineData(Shape.DeviceNoRemoval, 1)]
    [InlineData(Shape.DeviceRemoval, 2)]
    [InlineData(Shape.Fork, 3)]
    [InlineData(Shape.NewAddressSpace, 4)]
    public void Partitioned_search_agrees_with_the_whole_search_and_the_brute_force(Shape shape, int seedBase)
    {
        int linearizable = 0, rejected = 0, split = 0;
        for (var i = 0; i < 150; i++)
        {
            var seed = seedBase * 10_000 + i;
            var h = SmallHistory(shape, new Random(seed));
            var because = $"seed {seed}, history:\n{HistoryWriter.ToText(h)}";
            var expected = BruteForceChecker.IsLinearizable(h);
            var verdict = expected ? Verdict.Linearizable : Verdict.NotLinearizable;
            LinearizabilityChecker.Check(h, Whole).Verdict.Should().Be(verdict, because);
            var partitioned = LinearizabilityChecker.Check(h, CheckOptions.Sequential);
            partitioned.Verdict.Should().Be(verdict, because);
            if (partitioned.Partitions > 1) split++;
            if (expected) linearizable++; else rejected++;
        }
        linearizable.Should().BeGreaterThan(20);
        rejected.Should().BeGreaterThan(20);
        // Each shape must really be split, or the agreement shows nothing about the rules.
        split.Should().BeGreaterThan(40);
    }

    /// <summary>4-8 ops of 3 processes on families A (and B), with crashes, and about half with one result perturbed.</summary>
    private static History.History SmallHistory(Shape shape, Random rng)
    {
        var mms = shape switch { Shape.Fork => new List<string> { "A" }, Shape.NewAddressSpace => ["A", "N"], _ => ["A", "B"] };
        var setup = new List<Op>();
        foreach (var mm in mms.Where(m => m != "N"))
        {
            setup.Add(new Op { Kind = OpKind.Mmap, Mm = mm, Page = 0, Pages = 3, Prot = Prot.ReadWrite });
            setup.Add(new Op { Kind = OpKind.Write, Mm = mm, Page = 0, Value = 1 });
            setup.Add(new Op { Kind = OpKind.MigrateToDevice, Mm = mm, Page = 0, Pages = 1 });
        }
        long counter = 10;
        var forked = false;
        var removed = false;
        Op? Next(int _)
        {
            var mm = mms[rng.Next(mms.Count)];
            var page = rng.Next(3);
            switch (rng.Next(12))
            {
                case < 3: return new Op { Kind = OpKind.Read, Mm = mm, Page = page };
                case < 5: return new Op { Kind = OpKind.Write, Mm = mm, Page = page, Value = ++counter };
                case 5: return new Op { Kind = OpKind.DeviceRead, Mm = mm, Page = page };
                case 6: return new Op { Kind = OpKind.MigrateToDevice, Mm = mm, Page = page, Pages = 1 + rng.Next(3 - page) };
                case 7: return new Op { Kind = OpKind.MigrateToSystem, Mm = mm, Page = page, Pages = 1 };
                case 8: return new Op { Kind = OpKind.Mprotect, Mm = mm, Page = page, Pages = 1, Prot = Prot.Read };
                case 9: return new Op { Kind = OpKind.Munmap, Mm = mm, Page = page, Pages = 1 };
                case 10 when shape == Shape.Fork && !forked:
                    forked = true;
                    mms.Add("C");
                    return new Op { Kind = OpKind.Fork, Mm = "A", Child = "C" };
                case 10 or 11 when shape == Shape.NewAddressSpace:
                    return new Op { Kind = OpKind.Mmap, Mm = mm, Page = page, Pages = 1, Prot = Prot.ReadWrite };
                case 10 when shape == Shape.DeviceRemoval && !removed:
                    removed = true;
                    return new Op { Kind = OpKind.DeviceRemove };
                default: return new Op { Kind = OpKind.DeviceWrite, Mm = mm, Page = page, Value = ++counter };
            }
        }
        var header = new HistoryHeader(1, null, null, new MachineSpec(64, 8, 1024), setup);
        var h = HistoryGenerator.Run(header, new SimulatedSystem(), 3, Next, 4 + rng.Next(5), rng, crashRate: 0.1);
        return HistoryPerturbation.MaybePerturbOne(h, rng, Perturbed);
    }

    /// <summary>
    /// A different result of the same op kind, in one of the kind's documented shapes (History/ResultShape): a
    /// result no op of that kind can return is a malformed history, not a wrong answer, and would test nothing.
    /// </summary>
    private static OpResult Perturbed(OpKind kind, OpResult r) => kind switch
    {
        OpKind.Read => r.Value is { } v ? OpResult.OfValue(v == 1 ? 11 : 1) : OpResult.OfValue(1),
        OpKind.Write => r.Signal is null ? OpResult.OfSignal(Outcomes.SIGSEGV) : OpResult.Success,
        OpKind.DeviceRead => r.Value is { } v ? OpResult.OfValue(v == 1 ? 11 : 1) : OpResult.OfValue(1),
        OpKind.MigrateToDevice or OpKind.MigrateToSystem => r.Migrated is { } m ? OpResult.OfMigrated(m == 0 ? 1 : m - 1) : OpResult.OfMigrated(1),
        // The rest return {"ok": true} or an errno.
        _ => r.Error is null ? OpResult.OfError(Outcomes.EFAULT) : OpResult.Success,
    };

    private static int Partitions(History.History h) => LinearizabilityChecker.Check(h, CheckOptions.Sequential).Partitions;

    /// <summary>A recorder whose setup maps families A and B (4 pages each, all on the device).</summary>
    private static HistoryRecorder Recorder()
    {
        var setup = new List<Op>();
        foreach (var mm in new[] { "A", "B" })
        {
            setup.Add(new Op { Kind = OpKind.Mmap, Mm = mm, Page = 0, Pages = 4, Prot = Prot.ReadWrite });
            setup.Add(new Op { Kind = OpKind.MigrateToDevice, Mm = mm, Page = 0, Pages = 4 });
        }
        return new HistoryRecorder(new HistoryHeader(1, null, null, new MachineSpec(64, 8, 1024), setup));
    }

    /// <summary>The ops invoked on processes 0, 1, ... all at once, then all completed with info.</summary>
    private static History.History Of(params Op[] ops)
    {
        var r = Recorder();
        var ids = ops.Select((op, p) => r.Invoke(p, op)).ToArray();
        foreach (var id in ids) r.Complete(id, EventType.Info, null);
        return r.ToHistory();
    }

    private static Op Read(string mm, int page) => new() { Kind = OpKind.Read, Mm = mm, Page = page };

    [Fact]
    public void Device_pages_split_per_family_and_page_unless_the_device_is_removed()
    {
        var migrateA = new Op { Kind = OpKind.MigrateToDevice, Mm = "A", Page = 0, Pages = 2 };
        var deviceWriteB = new Op { Kind = OpKind.DeviceWrite, Mm = "B", Page = 3, Value = 5 };
        // A concurrent migration of unknown outcome is checked page by page (Checking/PageByPage: one sub-op per
        // page, each its own step), so its pages do not join:
        // {migrate A:0}, {migrate A:1, read A:1}, {device_write B:3}, {read B:2}
        Partitions(Of(migrateA, Read("A", 1), deviceWriteB, Read("B", 2))).Should().Be(4);
        // A migration that stays one step (a partial count) joins the pages of its range:
        // {migrate A:0-1, read A:1}, {device_write B:3}, {read B:2}
        var r = Recorder();
        var migrate = r.Invoke(0, migrateA);
        var others = new[] { Read("A", 1), deviceWriteB, Read("B", 2) }.Select((op, p) => r.Invoke(p + 1, op)).ToArray();
        r.Ok(migrate, OpResult.OfMigrated(1));
        foreach (var id in others) r.Complete(id, EventType.Info, null);
        Partitions(r.ToHistory()).Should().Be(3);
        // device_remove changes every device-resident page: one partition
        Partitions(Of(migrateA, Read("A", 1), deviceWriteB, Read("B", 2), new Op { Kind = OpKind.DeviceRemove })).Should().Be(1);
    }

    [Fact]
    public void Range_ops_split_only_while_the_family_is_stable()
    {
        var mprotect = new Op { Kind = OpKind.Mprotect, Mm = "A", Page = 0, Pages = 2, Prot = Prot.Read };
        var munmap = new Op { Kind = OpKind.Munmap, Mm = "A", Page = 3, Pages = 1 };
        // {mprotect A:0-1, read A:0}, {munmap A:3}, {read A:2}
        Partitions(Of(mprotect, Read("A", 0), munmap, Read("A", 2))).Should().Be(3);
        // An exit (or fork) can change whether A exists: every op on A's family is one partition, B's read apart.
        Partitions(Of(mprotect, Read("A", 0), munmap, Read("A", 2), new Op { Kind = OpKind.Exit, Mm = "A" }, Read("B", 0))).Should().Be(2);
        // An mmap of an address space that does not exist at the start may create it.
        Partitions(Of(new Op { Kind = OpKind.Mmap, Mm = "N", Page = 0, Pages = 1 }, Read("N", 1))).Should().Be(1);
    }
}
