using System.Runtime;
using Hmm.Spec.Cli.Commands;

namespace Hmm.Spec.Actors.Tests.Cli;

/// <summary>`check`'s no-collection region: entered for a history, left afterwards, harmless when nested.</summary>
[Collection(nameof(NoGcRegionTests))]
public class NoGcRegionTests
{
    [Fact]
    public void The_region_is_left_when_the_check_ends_and_a_nested_one_is_a_no_op()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{\"format\":\"hmm-history\",\"version\":1}\n");
            using (var outer = NoGcRegion.ForHistory(path))
            {
                outer.Entered.Should().BeTrue();
                GCSettings.LatencyMode.Should().Be(GCLatencyMode.NoGCRegion);
                using (var inner = NoGcRegion.ForHistory(path)) inner.Entered.Should().BeFalse();
                GCSettings.LatencyMode.Should().Be(GCLatencyMode.NoGCRegion, "the nested region must not end the outer one");
            }
            GCSettings.LatencyMode.Should().NotBe(GCLatencyMode.NoGCRegion);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_file_still_gets_a_region_and_the_reader_reports_the_file()
    {
        using (var r = NoGcRegion.ForHistory("/nonexistent/history.jsonl")) { }
        CliRunner.Run("check", "/nonexistent/history.jsonl").ShouldBeBadInput("/nonexistent/history.jsonl");
        GCSettings.LatencyMode.Should().NotBe(GCLatencyMode.NoGCRegion);
    }
}

/// <summary>The region is process-wide and other tests' allocations would end it: these run alone.</summary>
[CollectionDefinition(nameof(NoGcRegionTests), DisableParallelization = true)]
public class NoGcRegionCollection;
