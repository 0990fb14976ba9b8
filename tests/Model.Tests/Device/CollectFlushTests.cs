using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// migrate_vma_collect_pmd's TLB flush (issue 12 item 6): after pte_unmap_unlock in the 2017 code (8c3328f1f36a),
/// before it from 60bae7370896; try_to_unmap_one's ptep_clear_flush for a page another mm maps.
/// </summary>
public sealed class CollectFlushTests : ModelTest
{
    [Theory]
    [InlineData("seed", false)]
    [InlineData("fix-collect-flush", true)]
    [InlineData("upstream", true)]
    public void Collect_flushes_after_or_before_dropping_the_ptl(string variant, bool underPtl)
    {
        var w = NewDeviceWorld(variant);
        MapAndFill(w, pages: 2);
        var before = w.Steps.Count;
        w.MigrateToDevice("A", 0, 2).Should().Be(2);
        var steps = w.Steps.Skip(before).ToList();
        var flush = steps.FindIndex(s => s.Resource == "tlb A:*" && s.Function == "migrate_vma_collect_pmd");
        var unlock = steps.FindIndex(s => s.Kind == StepKind.Unlock && s.Function == "migrate_vma_collect_pmd");
        flush.Should().BeGreaterThan(-1);
        (flush < unlock).Should().Be(underPtl);
        w.TlbLookupRaw(w.Mms["A"], "main", 0).Should().BeNull();
    }

    [Fact]
    public void Collect_of_device_entries_only_flushes_nothing()
    {
        var w = NewDeviceWorld("seed");
        MapAndFill(w, pages: 1);
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        var before = w.Steps.Count;
        w.MigrateToSystem("A", 0, 1).Should().Be(1);
        w.Steps.Skip(before).Should().NotContain(s => s.Resource == "tlb A:*" && s.Function == "migrate_vma_collect_pmd",
            "only present PTEs count as unmapped");
    }

    [Fact]
    public void Try_to_unmap_one_flushes_the_other_mms_present_mapping_under_its_ptl()
    {
        var w = NewDeviceWorld("upstream");
        MapAndFill(w, pages: 1);
        w.Fork("A", "B").Should().Be(Errno.OK);
        using (w.EnterActor("cpu1"))
            w.UserRead("B", 0).Value.Should().Be(100);
        w.TlbLookupRaw(w.Mms["B"], "cpu1", 0).Should().NotBeNull();
        w.MigrateToDevice("A", 0, 1).Should().Be(1);
        w.TlbLookupRaw(w.Mms["B"], "cpu1", 0).Should().BeNull("ptep_clear_flush in try_to_unmap_one");
        IsDeviceEntry(w, "B", 0).Should().BeTrue();
        using (w.EnterActor("cpu1"))
            w.UserRead("B", 0).Value.Should().Be(100);
    }
}
