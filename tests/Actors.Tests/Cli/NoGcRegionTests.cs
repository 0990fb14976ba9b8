using System.Globalization;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

/// <summary>The advice for huge pages: which mappings it takes to be the heap's, and that it reaches the kernel.</summary>
[Collection(nameof(NoGcRegionTests))]
public class HugePagesTests
{
    [Theory]
    [InlineData("7fe4c3c00000-7fe4d0a0d000 rw-p 00000000 00:00 0 ", 0x7fe4c3c00000UL, 0x7fe4d0a0d000UL)]
    [InlineData("7fe4c3c00000-7fe4d0a0d000 rw-p 00000000 00:00 0", 0x7fe4c3c00000UL, 0x7fe4d0a0d000UL)]
    [InlineData("7fe4c3c00000-7fe4d0a0d000 r--p 00000000 08:01 1234 /tmp/h.jsonl", null, null)]   // a mapped file
    [InlineData("7fe4c3c00000-7fe4d0a0d000 rw-p 00000000 00:00 0 [stack]", null, null)]          // named
    [InlineData("7fe4c3c00000-7fe4d0a0d000 ---p 00000000 00:00 0 ", null, null)]                 // reserved only
    [InlineData("7fe4c3c00000-7fe4d0a0d000 rw-s 00000000 00:01 77 /memfd:doublemapper (deleted)", null, null)]
    [InlineData("7fe4d0a0d000-7fe4c3c00000 rw-p 00000000 00:00 0 ", null, null)]                 // empty range
    [InlineData("garbage", null, null)]
    public void Only_anonymous_private_read_write_mappings_are_candidates(string line, ulong? start, ulong? end)
    {
        var range = HugePages.Anonymous(line);
        if (start is null) range.Should().BeNull();
        else range.Should().Be((start.Value, end!.Value));
    }

    [HugePagesFact]
    public void The_regions_memory_is_advised_so_that_an_object_allocated_in_it_lies_in_a_huge_page_mapping()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{\"format\":\"hmm-history\",\"version\":1}\n");
            using var region = NoGcRegion.ForHistory(path);
            region.Entered.Should().BeTrue();
            region.HugePageBytes.Should().BeGreaterThanOrEqualTo(HugePages.MinBytes, "the allowance's mappings are advised");
            var handle = GCHandle.Alloc(new byte[64], GCHandleType.Pinned);
            try
            {
                HugePageFlag((ulong)handle.AddrOfPinnedObject()).Should().BeTrue("smaps lists VmFlags \"hg\" for an advised mapping");
            }
            finally
            {
                handle.Free();
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Whether the mapping holding <paramref name="address"/> carries the MADV_HUGEPAGE flag (smaps "VmFlags: ... hg").</summary>
    private static bool HugePageFlag(ulong address)
    {
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-');
            var space = line.IndexOf(' ');
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end))
            {
                inside = address >= start && address < end;
                continue;
            }
            if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal)) return line.Split(' ').Contains("hg");
        }
        return false;
    }
}

/// <summary>A fact that needs Linux with transparent huge pages available on request (not "never"): skipped, saying so, elsewhere.</summary>
public sealed class HugePagesFactAttribute : FactAttribute
{
    private const string Setting = "/sys/kernel/mm/transparent_hugepage/enabled";

    public HugePagesFactAttribute([CallerMemberName] string test = "")
    {
        if (OperatingSystem.IsLinux() && File.Exists(Setting) && !File.ReadAllText(Setting).Contains("[never]")) return;
        Skip = $"transparent huge pages are not available here ({Setting} missing or [never])";
        DisplayName = $"{test} (skipped: {Skip})";
    }
}

/// <summary>The region is process-wide and other tests' allocations would end it: these run alone.</summary>
[CollectionDefinition(nameof(NoGcRegionTests), DisableParallelization = true)]
public class NoGcRegionCollection;
