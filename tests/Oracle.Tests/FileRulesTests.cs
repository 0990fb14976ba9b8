using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>docs/reference-model.md, "Files": memfd mappings, private copy-on-write of file pages, ftruncate.</summary>
public class FileRulesTests
{
    private static Op MapFile(string mm, int pages, bool shared) =>
        new() { Kind = OpKind.Mmap, Mm = mm, Page = 0, Pages = pages, Prot = Prot.ReadWrite, Shared = shared, File = "F" };
    private static Op Read(string mm, int page) => new() { Kind = OpKind.Read, Mm = mm, Page = page };
    private static Op Write(string mm, int page, long value) => new() { Kind = OpKind.Write, Mm = mm, Page = page, Value = value };
    private static Op Truncate(int pages) => new() { Kind = OpKind.Ftruncate, File = "F", Pages = pages };

    private static readonly OpResult Bus = OpResult.OfSignal(Outcomes.SIGBUS);

    private static Verdict Check(Op[] setup, params (Op Op, OpResult Result)[] steps)
    {
        var r = new HistoryRecorder(new HistoryHeader(1, null, null, new MachineSpec(64, 8, 1024), setup));
        foreach (var (op, result) in steps) r.Ok(r.Invoke(0, op), result);
        return LinearizabilityChecker.Check(r.ToHistory(), CheckOptions.Sequential).Verdict;
    }

    [Fact]
    public void A_private_mapping_reads_the_file_until_it_writes()
    {
        Op[] setup = [MapFile("S", 1, shared: true), MapFile("P", 1, shared: false), Write("S", 0, 5)];
        Check(setup, (Read("P", 0), OpResult.OfValue(5))).Should().Be(Verdict.Linearizable);
        Check(setup, (Read("P", 0), OpResult.OfValue(0))).Should().Be(Verdict.NotLinearizable);
        Check(setup, (Write("P", 0, 6), OpResult.Success), (Read("S", 0), OpResult.OfValue(5)), (Read("P", 0), OpResult.OfValue(6)))
            .Should().Be(Verdict.Linearizable);
        Check(setup, (Write("P", 0, 6), OpResult.Success), (Read("S", 0), OpResult.OfValue(6)))
            .Should().Be(Verdict.NotLinearizable, "the private copy never reaches the file");
    }

    [Fact]
    public void Truncation_discards_private_copies_and_faults_beyond_eof()
    {
        Op[] setup = [MapFile("A", 2, shared: false), Write("A", 0, 7), Write("A", 1, 8)];
        Check(setup, (Truncate(1), OpResult.Success), (Read("A", 0), OpResult.OfValue(7)), (Read("A", 1), Bus))
            .Should().Be(Verdict.Linearizable);
        Check(setup, (Truncate(1), OpResult.Success), (Read("A", 1), OpResult.OfValue(8)))
            .Should().Be(Verdict.NotLinearizable);
        Check(setup, (Truncate(0), OpResult.Success), (Truncate(2), OpResult.Success), (Read("A", 1), OpResult.OfValue(0)))
            .Should().Be(Verdict.Linearizable, "growing the file again exposes zero pages");
    }

    [Fact]
    public void Ftruncate_of_a_file_never_mapped_is_an_error_and_migration_skips_unwritten_file_pages()
    {
        Check([], (Truncate(0), OpResult.OfError(Outcomes.EINVAL))).Should().Be(Verdict.Linearizable);
        Check([], (Truncate(0), OpResult.Success)).Should().Be(Verdict.NotLinearizable);
        var migrate = new Op { Kind = OpKind.MigrateToDevice, Mm = "A", Page = 0, Pages = 2 };
        Check([MapFile("A", 2, shared: false), Write("A", 0, 1)], (migrate, OpResult.OfMigrated(2)))
            .Should().Be(Verdict.NotLinearizable, "only the written (anonymous) copy can move");
        Check([MapFile("A", 2, shared: false), Write("A", 0, 1)], (migrate, OpResult.OfMigrated(1)))
            .Should().Be(Verdict.Linearizable);
    }

    [Fact]
    public void The_codec_reads_the_file_field_and_a_zero_size()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("""{"op": "ftruncate", "file": "F", "pages": 0}""");
        var op = OpCodec.ReadOp(doc.RootElement, "op");
        (op.Kind, op.File, op.Pages).Should().Be((OpKind.Ftruncate, "F", 0));
        OpCodec.Format(op).Should().Be("""{"op":"ftruncate","pages":0,"file":"F"}""");
        using var bad = System.Text.Json.JsonDocument.Parse("""{"op": "munmap", "mm": "A", "page": 0, "pages": 1, "file": "F"}""");
        Assert.Throws<InputError>(() => OpCodec.ReadOp(bad.RootElement, "op")).Message.Should().Contain("op.file");
    }

    [Fact]
    public void Truncation_is_not_atomic_an_access_it_discards_may_fail_early()
    {
        Op[] setup = [MapFile("A", 2, shared: false), Write("A", 0, 7), Write("A", 1, 8)];
        Check(setup, (Read("A", 1), Bus), (Truncate(1), OpResult.Success))
            .Should().Be(Verdict.Linearizable, "i_size is written before the unmap: a page the truncation discards may fail first");
        Check(setup, (Read("A", 0), Bus), (Truncate(1), OpResult.Success))
            .Should().Be(Verdict.NotLinearizable, "a page below the new size never fails");
        Check(setup, (Read("A", 1), Bus))
            .Should().Be(Verdict.NotLinearizable, "without a truncation nothing fails early");
    }
}
