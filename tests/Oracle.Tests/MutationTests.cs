using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// Histories produced by deliberately broken implementations are rejected, under many random interleavings;
/// the same scripts on the correct implementation are accepted (so a rejection is the bug's doing).
/// Each script is built so that the bug is observable in every interleaving.
/// </summary>
public class MutationTests
{
    private static readonly MachineSpec Machine = new(64, 8, 1024);

    private static Op Read(string mm, int page = 0) => new() { Kind = OpKind.Read, Mm = mm, Page = page };
    private static Op Write(string mm, long value, int page = 0) => new() { Kind = OpKind.Write, Mm = mm, Page = page, Value = value };

    /// <summary>Each process runs its script in order; a barrier op list runs first on process 0 alone.</summary>
    private static History.History Run(SimBug bug, List<Op> setup, Op[] first, Op[][] then, int seed)
    {
        var header = new HistoryHeader(1, null, null, Machine, setup);
        var rng = new Random(seed);
        var sim = new SimulatedSystem(bug);
        var firstDone = 0;
        var next = new int[then.Length];
        // Phase 1: process 0 runs `first` alone; phase 2: the scripts run concurrently on processes 1..n.
        var phase1 = HistoryGenerator.Run(header, sim, 1, _ => firstDone < first.Length ? first[firstDone++] : null, int.MaxValue, rng);
        var phase2 = HistoryGenerator.Run(header with { Setup = [] }, sim, then.Length,
            p => next[p] < then[p].Length ? then[p][next[p]++] : null, int.MaxValue, rng);
        var offset = phase1.Events.Count;
        var events = phase1.Events.Concat(phase2.Events.Select(e => e with { Process = e.Process + 1, Id = e.Id + offset })).ToList();
        return new History.History(header, events);
    }

    /// <summary>The bugs by name (<see cref="SimBug"/> is internal to the oracle, so theory data carries names).</summary>
    public static TheoryData<string> Bugs() => new()
    {
        nameof(SimBug.ForkSharesPrivatePages),
        nameof(SimBug.MunmapKeepsPagesReadable),
        nameof(SimBug.MigrationDropsWrite),
        nameof(SimBug.DeviceWriteIgnoresProtection),
    };

    [Theory]
    [MemberData(nameof(Bugs))]
    public void Broken_implementation_is_rejected_in_every_interleaving(string name)
    {
        var bug = Enum.Parse<SimBug>(name);
        var (setup, first, then) = Script(bug);
        for (var seed = 0; seed < 40; seed++)
        {
            var broken = Run(bug, setup, first, then, seed);
            LinearizabilityChecker.Check(broken, CheckOptions.Sequential).Verdict
                .Should().Be(Verdict.NotLinearizable, $"{bug}, seed {seed}:\n{HistoryWriter.ToText(broken)}");
            var correct = Run(SimBug.None, setup, first, then, seed);
            LinearizabilityChecker.Check(correct, CheckOptions.Sequential).Verdict
                .Should().Be(Verdict.Linearizable, $"correct system, seed {seed}:\n{HistoryWriter.ToText(correct)}");
        }
    }

    private static (List<Op> Setup, Op[] First, Op[][] Then) Script(SimBug bug)
    {
        var map = new Op { Kind = OpKind.Mmap, Mm = "A", Page = 0, Pages = 2, Prot = Prot.ReadWrite };
        return bug switch
        {
            // After fork, a write in the child must not show in the parent.
            SimBug.ForkSharesPrivatePages => ([map, Write("A", 1)],
                [new Op { Kind = OpKind.Fork, Mm = "A", Child = "B" }, Write("B", 2)],
                [[Read("A"), Read("A", 1)], [Write("B", 3, 1), Read("A")]]),
            // After munmap returned, reads must fault.
            SimBug.MunmapKeepsPagesReadable => ([map, Write("A", 5)],
                [new Op { Kind = OpKind.Munmap, Mm = "A", Page = 0, Pages = 1 }],
                [[Read("A")], [Read("A"), Read("A", 1)]]),
            // Migration must not lose the last write.
            SimBug.MigrationDropsWrite => ([map, Write("A", 5)],
                [Write("A", 6), new Op { Kind = OpKind.MigrateToDevice, Mm = "A", Page = 0, Pages = 1 }],
                [[Read("A")], [Read("A", 1)]]),
            // A device write to a read-only mapping is EPERM.
            SimBug.DeviceWriteIgnoresProtection => ([map, new Op { Kind = OpKind.Mprotect, Mm = "A", Page = 0, Pages = 2, Prot = Prot.Read }],
                [],
                [[new Op { Kind = OpKind.DeviceWrite, Mm = "A", Page = 0, Value = 9 }], [Read("A", 1)]]),
            _ => throw new ArgumentOutOfRangeException(nameof(bug)),
        };
    }
}
