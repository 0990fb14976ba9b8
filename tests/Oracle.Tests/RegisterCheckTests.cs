using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>The register fast path (Gibbons and Korach's zones) agrees with the search and the brute force, and falls back where it must.</summary>
public class RegisterCheckTests
{
    private static readonly Op MapA = new() { Kind = OpKind.Mmap, Mm = "A", Page = 0, Pages = 2, Prot = Prot.ReadWrite };

    /// <summary>The fast path's own answer on the whole history (null: it does not apply).</summary>
    private static RegisterCheck.Decision? Decide(History.History h)
    {
        var table = OpTable.From(h.Events);
        var model = new ReferenceModel(ModelSetting.From(h.Header, table.Processes + 1));
        return RegisterCheck.TryDecide(model, table, Enumerable.Range(0, table.Ops.Length).ToArray(), model.Initial(h.Header.Setup));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 4)]
    public void Agrees_with_the_search_and_the_brute_force_on_small_histories(int seedBase, int processes)
    {
        int applied = 0, linearizable = 0, rejected = 0;
        for (var i = 0; i < 300; i++)
        {
            var seed = seedBase * 100_000 + i;
            var rng = new Random(seed);
            var h = SmallRegisterHistory(rng, processes);
            var because = $"seed {seed}, history:\n{HistoryWriter.ToText(h)}";
            var expected = BruteForceChecker.IsLinearizable(h);
            var searched = LinearizabilityChecker.Check(h, CheckOptions.Sequential with { RegisterFastPath = false });
            searched.Verdict.Should().Be(expected ? Verdict.Linearizable : Verdict.NotLinearizable, because);
            LinearizabilityChecker.Check(h, CheckOptions.Sequential).Verdict.Should().Be(searched.Verdict, because);
            if (Decide(h) is not { } fast) continue;
            applied++;
            fast.Linearizable.Should().Be(expected, because);
            if (expected) linearizable++;
            else
            {
                rejected++;
                fast.Evidence!.StuckOn.Should().NotBeNull(because);
            }
        }
        // The fast path must have decided most histories, with both verdicts, or this proves little.
        applied.Should().BeGreaterThan(200);
        linearizable.Should().BeGreaterThan(40);
        rejected.Should().BeGreaterThan(40);
    }

    /// <summary>
    /// 3-9 reads and writes of one page by a few processes, unique written values, some crashed (info), and
    /// in about half of them one read changed to another written value, the initial value or a value nobody wrote.
    /// </summary>
    private static History.History SmallRegisterHistory(Random rng, int processes)
    {
        long counter = 0;
        var setup = new List<Op> { MapA };
        if (rng.Next(3) == 0) setup.Add(new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = 100 });
        Op? Next(int _) => rng.Next(2) == 0
            ? new Op { Kind = OpKind.Read, Mm = "A", Page = 0 }
            : new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = ++counter };
        var header = new HistoryHeader(1, null, null, null, setup);
        var h = HistoryGenerator.Run(header, new SimulatedSystem(), processes, Next, 3 + rng.Next(7), rng, crashRate: 0.1);
        if (rng.Next(2) == 0) return h;
        var events = h.Events.ToList();
        var reads = Enumerable.Range(0, events.Count).Where(i => events[i].Type == EventType.Ok && events[i].Result!.Value is not null).ToList();
        if (reads.Count == 0) return h;
        var at = reads[rng.Next(reads.Count)];
        var value = rng.Next(4) switch
        {
            0 => setup.Count > 1 ? 100 : 0,
            1 => 77,
            _ => 1 + rng.Next((int)Math.Max(1, counter)),
        };
        events[at] = events[at] with { Result = OpResult.OfValue(value) };
        return new History.History(h.Header, events);
    }

    [Fact]
    public void Contended_history_is_decided_without_search_states()
    {
        var h = HistoryGenerator.Generate(WorkloadKind.Contended, 20_000, 16, seed: 1);
        var result = LinearizabilityChecker.Check(h, CheckOptions.Sequential);
        result.Verdict.Should().Be(Verdict.Linearizable, result.Explain());
        result.StatesExplored.Should().Be(0);
    }

    [Fact]
    public void Corrupted_contended_history_is_rejected_at_the_corrupted_read()
    {
        var h = HistoryGenerator.Generate(WorkloadKind.Contended, 20_000, 16, seed: 1, broken: true);
        var result = LinearizabilityChecker.Check(h, CheckOptions.Sequential);
        result.Verdict.Should().Be(Verdict.NotLinearizable);
        result.FirstUnlinearizable!.Result.Should().Be(OpResult.OfValue(-1));
        result.Reason.Should().Contain("a value no write of this page wrote");
        // The evidence is a linearization of everything that completed before the corrupted read was invoked.
        result.Deepest!.Ops.Should().HaveCountGreaterThan(9_000);
        result.LastLinearized!.Id.Should().Be(result.LongestPartial![^1]);
    }

    private sealed class Builder
    {
        private readonly HistoryRecorder _r = new(new HistoryHeader(1, null, null, null, [MapA]));
        public int Invoke(int p, Op op) => _r.Invoke(p, op);
        public void Ok(int id, OpResult r) => _r.Ok(id, r);
        public int Write(int p, long v) => Invoke(p, new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = v });
        public int Read(int p) => Invoke(p, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 });
        public History.History History => _r.ToHistory();
    }

    [Fact]
    public void Overlapping_forward_zones_are_a_violation()
    {
        // w1 and w2 both finish, then a read of 1 and a read of 2 start: each cluster must span the gap.
        var b = new Builder();
        var w1 = b.Write(0, 1);
        var w2 = b.Write(1, 2);
        b.Ok(w1, OpResult.Success);
        b.Ok(w2, OpResult.Success);
        var r1 = b.Read(0);
        var r2 = b.Read(1);
        b.Ok(r1, OpResult.OfValue(1));
        b.Ok(r2, OpResult.OfValue(2));
        var h = b.History;
        BruteForceChecker.IsLinearizable(h).Should().BeFalse();
        var fast = Decide(h)!;
        fast.Linearizable.Should().BeFalse();
        fast.Evidence!.Reason.Should().Contain("overlap");
        LinearizabilityChecker.Check(h, CheckOptions.Sequential).Verdict.Should().Be(Verdict.NotLinearizable);
    }

    [Fact]
    public void Backward_zone_inside_a_forward_zone_is_a_violation()
    {
        // A read of 1 spans the whole of w2 and a read of 2 that follows it: w2's cluster has to fit inside w1's span.
        var b = new Builder();
        var w1 = b.Write(0, 1);
        b.Ok(w1, OpResult.Success);
        var w2 = b.Write(1, 2);
        var r2 = b.Read(2);
        b.Ok(w2, OpResult.Success);
        b.Ok(r2, OpResult.OfValue(2));
        var r1 = b.Read(0);
        b.Ok(r1, OpResult.OfValue(1));
        var h = b.History;
        BruteForceChecker.IsLinearizable(h).Should().BeFalse();
        Decide(h)!.Linearizable.Should().BeFalse();
    }

    [Fact]
    public void Read_before_its_write_is_a_violation_and_concurrent_one_is_not()
    {
        var b = new Builder();
        var r = b.Read(0);
        b.Ok(r, OpResult.OfValue(5));
        var w = b.Write(1, 5);
        b.Ok(w, OpResult.Success);
        Decide(b.History)!.Evidence!.Reason.Should().Contain("before the write of its value");

        var c = new Builder();
        var r2 = c.Read(0);
        var w2 = c.Write(1, 5);
        c.Ok(r2, OpResult.OfValue(5));
        c.Ok(w2, OpResult.Success);
        Decide(c.History)!.Linearizable.Should().BeTrue();
    }

    [Fact]
    public void Evidence_includes_a_write_still_running_whose_value_was_read()
    {
        // w1 is still running when r1 reads its value and r2 reads a value nobody wrote: evidence w1 r1, stuck on r2.
        var b = new Builder();
        var w1 = b.Write(0, 1);
        var r1 = b.Read(1);
        b.Ok(r1, OpResult.OfValue(1));
        var r2 = b.Read(2);
        b.Ok(r2, OpResult.OfValue(-1));
        b.Ok(w1, OpResult.Success);
        var fast = Decide(b.History)!;
        fast.Linearizable.Should().BeFalse();
        fast.Evidence!.StuckOn!.Id.Should().Be(r2);
        fast.Evidence.Ops.Select(o => o.Id).Should().Equal(w1, r1);
        fast.Evidence.Reason.Should().StartWith("read of A:0 returned {\"value\":-1}, but every allowed state gives {\"value\":1}; read #2 returned a value no write");
    }

    [Fact]
    public void Falls_back_where_it_does_not_apply()
    {
        var dup = new Builder();
        dup.Ok(dup.Write(0, 3), OpResult.Success);
        dup.Ok(dup.Write(1, 3), OpResult.Success);
        Decide(dup.History).Should().BeNull("two writes of one value");

        var initial = new Builder();
        initial.Ok(initial.Write(0, 0), OpResult.Success);
        Decide(initial.History).Should().BeNull("a write of the initial value");

        var signal = new Builder();
        signal.Ok(signal.Read(0), OpResult.OfSignal(Outcomes.SIGSEGV));
        Decide(signal.History).Should().BeNull("a result other than a value");

        var pages = new Builder();
        pages.Ok(pages.Write(0, 1), OpResult.Success);
        pages.Ok(pages.Invoke(1, new Op { Kind = OpKind.Read, Mm = "A", Page = 1 }), OpResult.OfValue(0));
        Decide(pages.History).Should().BeNull("two pages");

        var other = new Builder();
        other.Ok(other.Invoke(0, new Op { Kind = OpKind.Pagemap, Mm = "A", Page = 0 }), new OpResult { Present = false });
        Decide(other.History).Should().BeNull("an op other than read and write");

        // Not mapped read-write in the initial state: mprotect in the setup.
        var ro = new HistoryRecorder(new HistoryHeader(1, null, null, null,
            [MapA, new Op { Kind = OpKind.Mprotect, Mm = "A", Page = 0, Pages = 1, Prot = Prot.Read }]));
        ro.Ok(ro.Invoke(0, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 }), OpResult.OfValue(0));
        Decide(ro.ToHistory()).Should().BeNull("a read-only page");
    }
}
