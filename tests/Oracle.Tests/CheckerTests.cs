using System.Diagnostics;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Oracle.Tests;

public class CheckerTests
{
    private static readonly Op MapA = new() { Kind = OpKind.Mmap, Mm = "A", Page = 0, Pages = 4, Prot = Prot.ReadWrite };

    /// <summary>
    /// 30 crashed writers (info: pending forever) and a read of a value nobody wrote: 2^30 subsets to rule out.
    /// The writers repeat values, so the register fast path does not apply and the search must do it.
    /// </summary>
    private static History.History Explosive()
    {
        var r = new HistoryRecorder(new HistoryHeader(1, null, null, null, [MapA]));
        for (var p = 0; p < 30; p++)
        {
            var id = r.Invoke(p, new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = p % 3 + 1 });
            r.Complete(id, EventType.Info, null);
        }
        var read = r.Invoke(30, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 });
        r.Ok(read, OpResult.OfValue(-1));
        return r.ToHistory();
    }

    /// <summary>
    /// The checker gives up at its time budget, never before it. How close to the budget it stops is a speed
    /// property of the machine, measured by bench/timing.sh (docs/performance.md), not asserted here.
    /// </summary>
    [Fact]
    public void Time_budget_yields_unknown_and_not_before_the_budget()
    {
        var budget = TimeSpan.FromMilliseconds(300);
        var clock = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(Explosive(), new CheckOptions(Budget: budget, Parallel: false));
        clock.Stop();
        result.Verdict.Should().Be(Verdict.Unknown);
        result.Message.Should().Contain("time budget");
        clock.Elapsed.Should().BeGreaterThanOrEqualTo(budget, "a slower machine only makes this more true");
    }

    [Fact]
    public void State_budget_yields_unknown()
    {
        var result = LinearizabilityChecker.Check(Explosive(), new CheckOptions(Parallel: false, MaxStates: 5000));
        result.Verdict.Should().Be(Verdict.Unknown);
        result.Message.Should().Contain("state budget");
        // Where the search stood deepest: some crashed writes placed, stuck on the read of a value nobody wrote.
        result.Deepest!.StuckOn!.Op.Kind.Should().Be(OpKind.Read);
        result.Deepest.Ops.Should().NotBeEmpty().And.OnlyContain(o => o.Op.Kind == OpKind.Write);
        result.LongestPartial.Should().Equal(result.Deepest.Ops.Select(o => o.Id));
        result.Explain().Should().Contain("stuck on #30 p30 {\"op\":\"read\"");
        CheckReport.ToJson(result).Should().Contain("\"stuckOn\"").And.Contain("\"longestPartial\"");
    }

    [Fact]
    public void Memory_budget_yields_unknown_and_counts_bytes_not_entries()
    {
        var small = LinearizabilityChecker.Check(Explosive(), new CheckOptions(Parallel: false, MaxMemoryBytes: 1 << 20));
        small.Verdict.Should().Be(Verdict.Unknown);
        small.Message.Should().StartWith("memory budget of 1 MiB exhausted");
        var larger = LinearizabilityChecker.Check(Explosive(), new CheckOptions(Parallel: false, MaxMemoryBytes: 4 << 20));
        larger.StatesExplored.Should().BeGreaterThan(2 * small.StatesExplored);
        // Entries of 30 crashed writes are far more than 72 bytes but not kilobytes each.
        small.StatesExplored.Should().BeInRange(1000, 10_000);
    }

    [Theory]
    [InlineData("--max-states", "0")]
    [InlineData("--max-memory", "0")]
    public void Runner_rejects_a_budget_below_one_in_one_line(string flag, string value)
    {
        var error = new StringWriter();
        var code = flag == "--max-states"
            ? CheckRunner.Run("unused.jsonl", false, null, new StringWriter(), error, maxStates: long.Parse(value))
            : CheckRunner.Run("unused.jsonl", false, null, new StringWriter(), error, maxMemoryMiB: long.Parse(value));
        code.Should().Be(CheckRunner.ExitMalformed);
        error.ToString().TrimEnd().Should().NotContain("\n").And.Contain(flag);
    }

    [Fact]
    public void A_tiny_timeout_is_reported_as_given_not_as_zero()
    {
        var path = Path.GetTempFileName();
        try
        {
            HistoryWriter.Write(Explosive(), path);
            var output = new StringWriter();
            CheckRunner.Run(path, json: false, timeoutSeconds: 0.001, output, new StringWriter()).Should().Be(3);
            output.ToString().Should().Contain("time budget of 0.001 s exhausted").And.NotContain("budget of 0 s");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Runner_exit_code_3_on_unknown_and_json_says_so()
    {
        var path = Path.GetTempFileName();
        try
        {
            HistoryWriter.Write(Explosive(), path);
            var output = new StringWriter();
            CheckRunner.Run(path, json: true, timeoutSeconds: 0.3, output, new StringWriter()).Should().Be(3);
            output.ToString().Should().Contain("\"verdict\": \"unknown\"");
            var bounded = new StringWriter();
            CheckRunner.Run(path, json: false, timeoutSeconds: null, bounded, new StringWriter(), maxStates: 100).Should().Be(3);
            bounded.ToString().Should().Contain("state budget of 100 exhausted").And.Contain("stuck on");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_write_history_is_split_per_page_and_parallel_agrees_with_sequential()
    {
        var h = HistoryGenerator.Generate(WorkloadKind.ReadWrite, 3000, 8, seed: 5);
        var sequential = LinearizabilityChecker.Check(h, CheckOptions.Sequential);
        var parallel = LinearizabilityChecker.Check(h, CheckOptions.Default);
        sequential.Verdict.Should().Be(Verdict.Linearizable);
        parallel.Verdict.Should().Be(Verdict.Linearizable);
        sequential.Partitions.Should().Be(64);
        sequential.Operations.Should().Be(3000);
    }

    [Theory]
    [InlineData(WorkloadKind.ReadWrite)]
    [InlineData(WorkloadKind.Contended)]
    [InlineData(WorkloadKind.Mixed)]
    [InlineData(WorkloadKind.DeviceMixed)]
    public void Generated_histories_are_linearizable(WorkloadKind kind)
    {
        for (var seed = 0; seed < 5; seed++)
        {
            var h = HistoryGenerator.Generate(kind, 400, 6, seed);
            var result = LinearizabilityChecker.Check(h, CheckOptions.Sequential);
            result.Verdict.Should().Be(Verdict.Linearizable, $"{kind} seed {seed}: {result.Explain()}");
        }
    }

    [Fact]
    public void Broken_history_is_rejected_with_evidence()
    {
        var h = HistoryGenerator.Generate(WorkloadKind.Broken, 2000, 4, seed: 3);
        var result = LinearizabilityChecker.Check(h, CheckOptions.Default);
        result.Verdict.Should().Be(Verdict.NotLinearizable);
        result.FirstUnlinearizable!.Result.Should().Be(OpResult.OfValue(-1));
        result.Reason.Should().MatchRegex(@"^read of A:\d+ returned \{""value"":-1\}, but every allowed state gives");
        result.LongestPartial.Should().NotBeEmpty();
        result.LastLinearized!.Id.Should().Be(result.LongestPartial![^1]);
    }

    [Fact]
    public void Device_mixed_history_splits_per_address_space_and_its_broken_variant_is_rejected()
    {
        var h = HistoryGenerator.Generate(WorkloadKind.DeviceMixed, 3000, 8, seed: 2);
        var kinds = h.Events.Where(e => e.Op is not null).Select(e => e.Op!.Kind).ToHashSet();
        kinds.Should().Contain([OpKind.MigrateToDevice, OpKind.MigrateToSystem, OpKind.DeviceWrite, OpKind.Fork, OpKind.Mprotect, OpKind.Munmap]);
        var result = LinearizabilityChecker.Check(h, CheckOptions.Sequential);
        result.Verdict.Should().Be(Verdict.Linearizable, result.Explain());
        result.Partitions.Should().Be(4, "four address spaces, each forked: one partition each");

        var broken = LinearizabilityChecker.Check(HistoryGenerator.Generate(WorkloadKind.DeviceMixed, 3000, 8, seed: 2, broken: true), CheckOptions.Sequential);
        broken.Verdict.Should().Be(Verdict.NotLinearizable);
        broken.FirstUnlinearizable!.Result.Should().Be(OpResult.OfValue(-1));
    }

    [Fact]
    public void Generate_runner_knows_device_mixed_and_broken()
    {
        var output = new StringWriter();
        GenerateRunner.Run(200, 4, "device-mixed", 1, null, output, new StringWriter(), broken: true).Should().Be(0);
        var h = HistoryReader.Read(new StringReader(output.ToString()), "generated");
        LinearizabilityChecker.Check(h, CheckOptions.Sequential).Verdict.Should().Be(Verdict.NotLinearizable);
        var error = new StringWriter();
        GenerateRunner.Run(10, 2, "nonsense", 1, null, new StringWriter(), error).Should().Be(2);
        error.ToString().Should().Contain("device-mixed");
    }

    [Fact]
    public void Evidence_names_the_longest_partial_linearization_in_order()
    {
        var r = new HistoryRecorder(new HistoryHeader(1, null, null, null, [MapA]));
        var w1 = r.Invoke(0, new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = 1 });
        r.Ok(w1, OpResult.Success);
        var w2 = r.Invoke(0, new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = 2 });
        r.Ok(w2, OpResult.Success);
        var rd = r.Invoke(1, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 });
        r.Ok(rd, OpResult.OfValue(1));
        var result = LinearizabilityChecker.Check(r.ToHistory(), CheckOptions.Sequential);
        result.Verdict.Should().Be(Verdict.NotLinearizable);
        result.LongestPartial.Should().Equal(w1, w2);
        result.FirstUnlinearizable!.Id.Should().Be(rd);
        result.LastLinearized!.Id.Should().Be(w2);
        result.Deepest!.StuckOn!.Id.Should().Be(rd);
        result.Deepest.Ops.Select(o => o.Id).Should().Equal(w1, w2);
        result.Reason.Should().Be("read of A:0 returned {\"value\":1}, but every allowed state gives {\"value\":2}");
    }

    [Fact]
    public void In_memory_history_breaking_the_rules_is_malformed_not_a_crash()
    {
        var events = new List<HistoryEvent>
        {
            new(EventType.Invoke, 0, 0, new Op { Kind = OpKind.Read, Mm = "A" }, null),   // no page
        };
        var result = LinearizabilityChecker.Check(new History.History(HistoryHeader.Empty, events));
        result.Verdict.Should().Be(Verdict.Malformed);
        result.Message.Should().Contain("event 0").And.Contain("needs field \"page\"");

        var twice = new List<HistoryEvent>
        {
            new(EventType.Invoke, 0, 0, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 }, null),
            new(EventType.Ok, 0, 0, null, OpResult.OfValue(0)),
            new(EventType.Ok, 0, 0, null, OpResult.OfValue(0)),
        };
        LinearizabilityChecker.Check(new History.History(HistoryHeader.Empty, twice)).Message.Should().Contain("second completion");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    [InlineData(1_000)]
    public void The_validators_per_process_rules_hold_for_many_processes_and_any_id(int expectedEvents)
    {
        // expectedEvents sets which ids the validator keeps in arrays by id ([0, expectedEvents)) and which in a
        // dictionary: the rules are the same on both sides.
        // Twenty processes (past the validator's first table size), each with an op completed and one pending;
        // then the rules about pending and crashed processes, with ids that are negative or zero.
        var read = new Op { Kind = OpKind.Read, Mm = "A", Page = 0 };
        var events = new List<HistoryEvent>();
        for (var p = 0; p < 20; p++)
        {
            events.Add(new(EventType.Invoke, p, 100 + p, read, null));
            events.Add(new(EventType.Ok, p, 100 + p, null, OpResult.OfValue(0)));
        }
        for (var p = 0; p < 20; p++) events.Add(new(EventType.Invoke, p, -1 - p, read, null));
        var validator = new HistoryValidator(expectedEvents);
        foreach (var e in events) validator.Accept(e).Should().BeNull();
        validator.Accept(new(EventType.Invoke, 30, 105, read, null)).Should().Be("duplicate id 105");
        validator.Accept(new(EventType.Invoke, 30, -5, read, null)).Should().Be("duplicate id -5");
        validator.Accept(new(EventType.Ok, 5, 105, null, OpResult.OfValue(0))).Should().Be("second completion of id 105");
        validator.Accept(new(EventType.Ok, 5, 63, null, OpResult.OfValue(0))).Should().Be("completion of id 63, which was never invoked");
        validator.Accept(new(EventType.Ok, 5, 999, null, OpResult.OfValue(0))).Should().Be("completion of id 999, which was never invoked");
        validator.Accept(new(EventType.Ok, 6, -5, null, OpResult.OfValue(0))).Should().Be("completion of id -5 on process 6, but it was invoked on process 4");
        validator.Accept(new(EventType.Invoke, 19, 500, read, null)).Should().Be("process 19 invokes id 500 while id -20 is still pending");
        validator.Accept(new(EventType.Info, 7, -8, null, null)).Should().BeNull();
        validator.Accept(new(EventType.Invoke, 7, 501, read, null))
            .Should().Be("process 7 invokes again after an \"info\" completion (a crashed process never returns)");
        validator.Accept(new(EventType.Ok, 3, -4, null, OpResult.OfValue(0))).Should().BeNull();
        validator.Accept(new(EventType.Invoke, 3, 0, read, null)).Should().BeNull("process 3's op completed, and id 0 is new");
        validator.Accept(new(EventType.Invoke, 3, 1, read, null)).Should().Be("process 3 invokes id 1 while id 0 is still pending");
    }

    /// <summary>4096 mapped pages and a read and a write on each: thousands of one-page partitions of one large state.</summary>
    private static History.History Wide()
    {
        var r = new HistoryRecorder(new HistoryHeader(1, null, null, null,
            [new Op { Kind = OpKind.Mmap, Mm = "A", Page = 0, Pages = HistoryLimits.MaxPages, Prot = Prot.ReadWrite }]));
        for (var p = 0; p < HistoryLimits.MaxPages; p++)
        {
            r.Ok(r.Invoke(0, new Op { Kind = OpKind.Write, Mm = "A", Page = p, Value = p + 1 }), OpResult.Success);
            r.Ok(r.Invoke(1, new Op { Kind = OpKind.Read, Mm = "A", Page = p }), OpResult.OfValue(p + 1));
        }
        return r.ToHistory();
    }

    [Fact]
    public void Many_pages_at_the_limit_are_decided_and_an_exhausted_budget_stops_every_phase()
    {
        var h = Wide();
        var result = LinearizabilityChecker.Check(h, CheckOptions.Sequential);
        result.Verdict.Should().Be(Verdict.Linearizable);
        result.Partitions.Should().Be(HistoryLimits.MaxPages);
        // With no time at all, the checks between phases stop it before any partition starts.
        var stopped = LinearizabilityChecker.Check(h, CheckOptions.Sequential with { Budget = TimeSpan.Zero });
        stopped.Verdict.Should().Be(Verdict.Unknown);
        stopped.Message.Should().Contain("time budget");
        stopped.StatesExplored.Should().Be(0);
    }

    [Theory]
    [InlineData(0, 100_000)]
    [InlineData(4000, 97)]
    [InlineData(int.MaxValue, 1)]
    public void Pages_beyond_the_limit_are_malformed_before_anything_is_built(int page, int pages)
    {
        var r = new HistoryRecorder(new HistoryHeader(1, null, null, null, []));
        r.Ok(r.Invoke(0, new Op { Kind = OpKind.Mmap, Mm = "A", Page = page, Pages = pages, Prot = Prot.ReadWrite }), OpResult.Success);
        var result = LinearizabilityChecker.Check(r.ToHistory(), CheckOptions.Sequential);
        result.Verdict.Should().Be(Verdict.Malformed);
        // The in-memory history is validated as the reader validates a file (History/HistoryLimits via OpShape):
        // the same message, placed by event index.
        result.Message.Should().Be($"event 0: pages: the range [{page}, {(long)page + pages}) ends beyond the address-space limit of 4096 pages");

        var setup = new HistoryHeader(1, null, null, null, [new Op { Kind = OpKind.Mmap, Mm = "A", Page = page, Pages = pages, Prot = Prot.ReadWrite }]);
        LinearizabilityChecker.Check(new History.History(setup, []), CheckOptions.Sequential).Message.Should().StartWith("setup[0]: pages");
    }

    [Fact]
    public void Deep_sequential_history_needs_no_recursion()
    {
        // 50k sequential ops on one page: one partition, a 50k-deep linearization.
        var r = new HistoryRecorder(new HistoryHeader(1, null, null, null, [MapA]));
        for (var i = 0; i < 50_000; i++)
        {
            var id = r.Invoke(i % 2, i % 2 == 0 ? new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = i } : new Op { Kind = OpKind.Read, Mm = "A", Page = 0 });
            r.Ok(id, i % 2 == 0 ? OpResult.Success : OpResult.OfValue(i - 1));
        }
        LinearizabilityChecker.Check(r.ToHistory(), CheckOptions.Sequential).Verdict.Should().Be(Verdict.Linearizable);
    }
}
