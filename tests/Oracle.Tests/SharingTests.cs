using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;
using Hmm.Spec.Oracle.Reference;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>
/// The checker's inner loop avoids building results and states it does not need: these pin down that the
/// shortcuts mean what the long way means.
/// </summary>
public class SharingTests
{
    public static TheoryData<OpResult> Results() => new()
    {
        OpResult.OfValue(5), OpResult.OfValue(0), OpResult.OfValue(-5), OpResult.Success,
        OpResult.OfSignal(Outcomes.SIGSEGV), new OpResult { Value = 5, Ok = true }, new OpResult { Value = 5, Present = true },
        new OpResult { Value = 5, File = false }, new OpResult { Migrated = 5 },
    };

    [Theory]
    [MemberData(nameof(Results))]
    public void IsValue_is_equality_with_a_value_result(OpResult r)
    {
        foreach (var v in new long[] { 5, 0, -5 }) r.IsValue(v).Should().Be(r == OpResult.OfValue(v), $"{r} against {v}");
    }

    /// <summary>
    /// IsValue lists OpResult's fields by hand: a field added to OpResult but not to IsValue would make a
    /// result with that field set pass as a plain value. Every settable property is tried here.
    /// </summary>
    [Fact]
    public void IsValue_is_false_when_any_other_field_is_set()
    {
        var others = typeof(OpResult).GetProperties().Where(p => p.CanWrite && p.Name != nameof(OpResult.Value)).ToList();
        others.Should().HaveCountGreaterThan(10);
        foreach (var field in others)
        {
            var type = Nullable.GetUnderlyingType(field.PropertyType) ?? field.PropertyType;
            object sample = type == typeof(string) ? "x" : type == typeof(bool) ? false : Convert.ChangeType(0, type);
            var r = OpResult.OfValue(5);
            var clone = r with { };
            field.SetValue(clone, sample);   // init-only, but settable by reflection on a fresh copy
            clone.IsValue(5).Should().BeFalse($"{field.Name} is set");
            (clone == OpResult.OfValue(5)).Should().BeFalse($"{field.Name} is set");
        }
    }

    [Fact]
    public void A_step_that_changes_nothing_keeps_the_state_object()
    {
        var model = new ReferenceModel(ModelSetting.Default);
        var setup = new Op[]
        {
            new() { Kind = OpKind.Mmap, Mm = "A", Page = 0, Pages = 2, Prot = Prot.ReadWrite },
            new() { Kind = OpKind.Mmap, Mm = "A", Page = 4, Pages = 1, Prot = Prot.ReadWrite, Shared = true },
            new() { Kind = OpKind.Write, Mm = "A", Page = 0, Value = 7 },
        };
        var s = model.Initial(setup).Should().ContainSingle().Subject;
        var into = new List<RefState>();

        model.Step(s, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 }, OpResult.OfValue(7), into);
        into.Should().ContainSingle().Which.Should().BeSameAs(s);

        into.Clear();
        model.Step(s, new Op { Kind = OpKind.Read, Mm = "A", Page = 1 }, OpResult.OfValue(0), into);
        into.Should().ContainSingle().Which.Should().NotBeSameAs(s, "the first read maps the zero page");

        into.Clear();
        model.Step(s, new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = 8 }, OpResult.Success, into);
        var written = into.Should().ContainSingle().Subject;
        written.Should().NotBeSameAs(s);
        written.Equals(s).Should().BeFalse();

        into.Clear();
        model.Step(s, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 }, OpResult.OfValue(8), into);
        into.Should().BeEmpty("the page holds 7");
    }

    [Fact]
    public void Reads_that_share_a_state_still_count_as_linearized_ops()
    {
        // Two overlapping reads of the same value followed by one that can only come after a write: the shared
        // state object must not make the memo treat different linearized sets as one.
        var r = new HistoryRecorder(new HistoryHeader(1, null, null, null,
            [new Op { Kind = OpKind.Mmap, Mm = "A", Page = 0, Pages = 1, Prot = Prot.ReadWrite }]));
        var read = new Op { Kind = OpKind.Read, Mm = "A", Page = 0 };
        var a = r.Invoke(0, read);
        var b = r.Invoke(1, read);
        var w = r.Invoke(2, new Op { Kind = OpKind.Write, Mm = "A", Page = 0, Value = 3 });
        r.Ok(a, OpResult.OfValue(0));
        r.Ok(w, OpResult.Success);
        r.Ok(b, OpResult.OfValue(3));
        var c = r.Invoke(0, read);
        r.Ok(c, OpResult.OfValue(0));
        var result = LinearizabilityChecker.Check(r.ToHistory());
        result.Verdict.Should().Be(Verdict.NotLinearizable, "the write completed before the last read began");
        result.FirstUnlinearizable!.Id.Should().Be(c);
    }
}
