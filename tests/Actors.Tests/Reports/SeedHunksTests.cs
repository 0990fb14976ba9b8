using System.Text.RegularExpressions;
using Hmm.Spec.Actors.Reports;
using Hmm.Spec.Actors.Tests.Support;

namespace Hmm.Spec.Actors.Tests.Reports;

/// <summary>The SeedHunks table against the seed patch itself (not in the repository: ../shared/seed beside it, or
/// $HMM_SPEC_SEED; without it those tests are skipped, see Support/Requirements): every entry names a real hunk of
/// the right file that really touches its symbol, and every hunk that changes code has an entry.</summary>
public sealed class SeedHunksTests
{
    // Read on first use: the tests that do not need the patch must run without it.
    private static readonly Lazy<IReadOnlyList<PatchHunk>> LazyPatch =
        new(() => ParsePatch(File.ReadAllLines(Requirements.SeedPatch ?? throw new FileNotFoundException(Requirements.SeedSkipReason))));

    private static IReadOnlyList<PatchHunk> Patch => LazyPatch.Value;

    [SeedFact]
    public void The_seed_copy_is_the_patch_with_its_hunks()
    {
        Patch.Select(h => h.File).Distinct().Should().HaveCount(11, "the seed's diffstat lists 11 files");
        Patch.Should().HaveCount(28);
    }

    [SeedFact]
    public void Every_entry_names_a_hunk_of_its_file_that_touches_its_symbol()
    {
        foreach (var entry in SeedHunks.All)
        {
            var hunk = Patch.SingleOrDefault(h => h.File == entry.File && h.Header == entry.Header);
            hunk.Should().NotBeNull($"{entry.Reference} must be a hunk of the seed");
            hunk!.Text.Should().Contain(entry.Symbol, $"hunk {entry.Reference} must touch {entry.Symbol}");
        }
    }

    [SeedFact]
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

    /// <summary>$HMM_SPEC_SEED names the patch; a name that is not a file finds nothing (the tests then skip).
    /// In this class so it never runs beside the tests that read the patch.</summary>
    [Fact]
    public void The_seed_is_found_where_the_environment_variable_points()
    {
        var saved = Environment.GetEnvironmentVariable(Requirements.SeedVariable);
        var file = Path.GetTempFileName();
        try
        {
            Environment.SetEnvironmentVariable(Requirements.SeedVariable, file);
            Requirements.SeedPatch.Should().Be(Path.GetFullPath(file));
            Environment.SetEnvironmentVariable(Requirements.SeedVariable, file + ".missing");
            Requirements.SeedPatch.Should().BeNull();
        }
        finally
        {
            Environment.SetEnvironmentVariable(Requirements.SeedVariable, saved);
            File.Delete(file);
        }
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
}
