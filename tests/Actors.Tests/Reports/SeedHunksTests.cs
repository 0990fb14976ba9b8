using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Hmm.Spec.Actors.Reports;

namespace Hmm.Spec.Actors.Tests.Reports;

/// <summary>The SeedHunks table against the seed patch itself (a copy lives in TestData): every entry names a
/// real hunk of the right file that really touches its symbol, and every hunk that changes code has an entry.</summary>
public sealed class SeedHunksTests
{
    private static readonly IReadOnlyList<PatchHunk> Patch = ParsePatch(File.ReadAllLines(SeedPath()));

    [Fact]
    public void The_seed_copy_is_the_patch_with_its_hunks()
    {
        Patch.Select(h => h.File).Distinct().Should().HaveCount(11, "the seed's diffstat lists 11 files");
        Patch.Should().HaveCount(28);
    }

    [Fact]
    public void Every_entry_names_a_hunk_of_its_file_that_touches_its_symbol()
    {
        foreach (var entry in SeedHunks.All)
        {
            var hunk = Patch.SingleOrDefault(h => h.File == entry.File && h.Header == entry.Header);
            hunk.Should().NotBeNull($"{entry.Reference} must be a hunk of the seed");
            hunk!.Text.Should().Contain(entry.Symbol, $"hunk {entry.Reference} must touch {entry.Symbol}");
        }
    }

    [Fact]
    public void Every_hunk_that_changes_code_has_an_entry()
    {
        var covered = SeedHunks.All.Select(e => (e.File, e.Header)).ToHashSet();
        var missing = Patch.Where(h => !h.OnlyAddsIncludes && !covered.Contains((h.File, h.Header)))
            .Select(h => $"{h.File} {h.Header}").ToList();

        missing.Should().BeEmpty();
        Patch.Count(h => h.OnlyAddsIncludes).Should().Be(2, "kernel/memremap.c and mm/memory.c each add #include lines only in one hunk");
    }

    [Theory]
    [InlineData("do_swap_page", "mm/memory.c do_swap_page @@ -2690,6 +2738,14 @@")]
    [InlineData("copy_one_pte", "mm/memory.c copy_one_pte @@ -927,6 +928,25 @@")]
    [InlineData("zap_pte_range", "mm/memory.c zap_pte_range @@ -1243,6 +1263,34 @@")]
    [InlineData("change_pte_range", "mm/mprotect.c change_pte_range @@ -126,6 +126,18 @@")]
    [InlineData("device_entry_fault", "kernel/memremap.c device_entry_fault @@ -203,6 +205,21 @@")]
    [InlineData("zap_pte_range/details", "mm/memory.c zap_pte_range @@ -1243,6 +1263,34 @@")]
    public void Kernel_functions_resolve_to_their_hunk(string function, string reference)
    {
        var location = SeedHunks.Lookup(function);

        location.InSeed.Should().BeTrue();
        location.Hunks.Select(h => h.Reference).Should().Contain(reference);
    }

    [Fact]
    public void Functions_with_two_hunks_list_both()
    {
        SeedHunks.Lookup("handle_pte_fault").Hunks.Select(h => h.Header)
            .Should().Equal("@@ -3679,6 +3735,7 @@", "@@ -3729,9 +3786,16 @@");
    }

    [Theory]
    [InlineData("handle_mm_fault", "mm/memory.c")]
    [InlineData("migrate_vma_finalize", "mm/migrate.c")]
    [InlineData("dmirror_devmem_fault", "lib/test_hmm.c")]
    [InlineData("put_page", "include/linux/mm.h")]
    public void Surrounding_code_is_not_in_the_seed_but_says_where_it_lives(string function, string file)
    {
        var location = SeedHunks.Lookup(function);

        location.InSeed.Should().BeFalse();
        location.Origin.Should().StartWith(file);
    }

    [Theory]
    [InlineData("madvise_dontneed")]
    [InlineData("migrate_to_device")]
    [InlineData("read")]
    public void A_scenario_operation_is_named_as_such(string op)
    {
        var location = SeedHunks.Lookup(op);

        location.InSeed.Should().BeFalse();
        location.Origin.Should().Be(SeedHunks.ScenarioOpOrigin);
    }

    [Fact]
    public void An_unknown_function_is_simply_not_in_the_seed()
    {
        var location = SeedHunks.Lookup("CheckInvariants");

        location.InSeed.Should().BeFalse();
        location.Origin.Should().BeNull();
    }

    private sealed record PatchHunk(string File, string Header, string Text, bool OnlyAddsIncludes);

    private static IReadOnlyList<PatchHunk> ParsePatch(string[] lines)
    {
        var hunks = new List<PatchHunk>();
        string? file = null;
        string? header = null;
        var body = new List<string>();
        foreach (var line in lines.Append("diff --git a/END b/END"))
        {
            var diff = Regex.Match(line, @"^diff --git a/(\S+) b/");
            var at = Regex.Match(line, @"^(@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@)(.*)$");
            if ((diff.Success || at.Success || line == "--") && header is not null)
            {
                var added = body.Where(l => l.StartsWith('+')).ToList();
                hunks.Add(new PatchHunk(file!, header, string.Join('\n', body),
                    added.Count > 0 && added.All(l => l.StartsWith("+#include", StringComparison.Ordinal))));
                header = null;
                body.Clear();
            }
            if (diff.Success)
            {
                file = diff.Groups[1].Value;
            }
            else if (at.Success && file is not null)
            {
                header = at.Groups[1].Value;
                body.Add(at.Groups[2].Value);
            }
            else if (header is not null)
            {
                body.Add(line);
            }
        }
        return hunks;
    }

    /// <summary>
    /// The seed patch as posted, read from the shared folder that sits beside the repository (as in CI), so the
    /// hunk table is checked against the real patch without a copy of it in the product.
    /// </summary>
    private static string SeedPath([CallerFilePath] string here = "")
    {
        for (var dir = Path.GetDirectoryName(here); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var candidate = Path.Combine(dir, "..", "shared", "seed", "000_f0445c4590ad8e61.txt");
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir, "Hmm.Spec.sln")))
                return Path.GetFullPath(candidate);
        }
        throw new FileNotFoundException("the seed patch ../shared/seed/000_f0445c4590ad8e61.txt beside the repository");
    }
}
