using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>The WGL checker agrees with the brute-force checker on many small random histories.</summary>
public class DifferentialTests
{
    [Theory]
    [InlineData(WorkloadKind.Contended, 1)]
    [InlineData(WorkloadKind.ReadWrite, 2)]
    [InlineData(WorkloadKind.Mixed, 3)]
    public void Agrees_with_brute_force(WorkloadKind kind, int seedBase)
    {
        int linearizable = 0, rejected = 0;
        for (var i = 0; i < 150; i++)
        {
            var seed = seedBase * 10_000 + i;
            var rng = new Random(seed);
            var h = SmallHistory(kind, rng);
            var expected = BruteForceChecker.IsLinearizable(h);
            var actual = LinearizabilityChecker.Check(h, CheckOptions.Sequential);
            actual.Verdict.Should().Be(expected ? Verdict.Linearizable : Verdict.NotLinearizable,
                $"seed {seed}, history:\n{HistoryWriter.ToText(h)}");
            if (expected) linearizable++; else rejected++;
        }
        // Both verdicts must be exercised, or the test proves little.
        linearizable.Should().BeGreaterThan(20);
        rejected.Should().BeGreaterThan(20);
    }

    /// <summary>A generated history of 4-7 ops, sometimes with an info completion, with about half the results perturbed.</summary>
    private static History.History SmallHistory(WorkloadKind kind, Random rng)
    {
        var pages = kind == WorkloadKind.Contended ? 1 : 3;
        var setup = new List<Op>
        {
            new() { Kind = OpKind.Mmap, Mm = "A", Page = 0, Pages = pages, Prot = Prot.ReadWrite },
            new() { Kind = OpKind.Write, Mm = "A", Page = 0, Value = 1 },
        };
        long counter = 10;
        var children = 0;
        Op Fork()
        {
            children++;
            return new Op { Kind = OpKind.Fork, Mm = "A", Child = "B" };
        }

        Op? Next(int _)
        {
            var page = rng.Next(pages);
            var mm = children > 0 && rng.Next(2) == 0 ? "B" : "A";
            return (kind, rng.Next(10)) switch
            {
                (_, < 4) => new Op { Kind = OpKind.Read, Mm = mm, Page = page },
                (WorkloadKind.Mixed, 4) when children == 0 => Fork(),
                (WorkloadKind.Mixed, 5) => new Op { Kind = OpKind.MigrateToDevice, Mm = mm, Page = 0, Pages = pages },
                (WorkloadKind.Mixed, 6) => rng.Next(2) == 0
                    ? new Op { Kind = OpKind.Munmap, Mm = mm, Page = page, Pages = 1 }
                    : new Op { Kind = OpKind.Mprotect, Mm = mm, Page = page, Pages = 1, Prot = Prot.Read },
                _ => new Op { Kind = OpKind.Write, Mm = mm, Page = page, Value = ++counter },
            };
        }
        var header = new HistoryHeader(1, null, null, new MachineSpec(64, 8, 1024), setup);
        var h = HistoryGenerator.Run(header, new SimulatedSystem(), 3, Next, 4 + rng.Next(4), rng, crashRate: 0.1);
        return HistoryPerturbation.MaybePerturbOne(h, rng, (opKind, r) =>
            r.Value is { } v ? OpResult.OfValue(rng.Next(3) == 0 ? 0 : v == 1 ? 11 : (v + 1) % 14)
            : r.Migrated is { } m ? OpResult.OfMigrated(m == 0 ? 1 : m - 1)
            : r.Signal is not null ? (opKind == OpKind.Read ? OpResult.OfValue(1) : OpResult.Success)
            : opKind is OpKind.Write or OpKind.Read ? OpResult.OfSignal(Outcomes.SIGSEGV)
            : OpResult.OfError(Outcomes.EFAULT));
    }
}
