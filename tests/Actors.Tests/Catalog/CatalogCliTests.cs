using Hmm.Spec.Actors.Tests.Cli;

namespace Hmm.Spec.Actors.Tests.Catalog;

/// <summary><c>hmm-spec catalog</c>, <c>catalog swap-types</c> and <c>hmm-spec stress</c> through the command line.</summary>
public sealed class CatalogCliTests
{
    [Fact]
    public void Catalog_of_one_entry_writes_its_rows_and_mutation_score()
    {
        var file = Path.Combine(Path.GetTempPath(), $"catalog-{Guid.NewGuid():N}.md");
        var r = CliRunner.Run("catalog", "--entry", "mutant-max-swapfiles-not-reduced", "--seeds", "2", "--budget", "5",
            "--strategies", "random", "pct", "--stress-runs", "5", "--check-budget", "3", "--out", file);
        r.ExitCode.Should().Be(0, r.Err);
        var md = File.ReadAllText(file);
        File.Delete(file);
        md.Should().Contain("| mutant-max-swapfiles-not-reduced | random | 2/2 | 0 | 1 | 1 |")
            .And.Contain("| mutant-max-swapfiles-not-reduced | pct | 2/2 |")
            .And.Contain("Mutation score: 1/1")
            .And.Contain("| mutant-max-swapfiles-not-reduced | 5 | 5 |", "every stress run hits a deterministic invariant violation");
    }

    /// <summary>The fix check shows the later bug it looked past, never "other" for a catalogued one nor plain "clean".</summary>
    [Fact]
    public void Catalog_fix_check_names_the_later_bug_it_looked_past()
    {
        var r = CliRunner.Run("catalog", "--entry", "teardown-uaf-50f44ee7248a", "--seeds", "1", "--budget", "5",
            "--strategies", "random", "--stress-runs", "0", "--check-budget", "10");
        r.ExitCode.Should().Be(0, r.Err);
        var row = r.Out.Split('\n').Single(l => l.StartsWith("| teardown-uaf-50f44ee7248a | `seed` |", StringComparison.Ordinal));
        row.Should().Contain("| clean but for teardown-hang-249881232e14 (10 looked past) | clean |");
    }

    [Fact]
    public void Swap_types_costs_two_swap_files_exactly_when_device_memory_is_configured()
    {
        var r = CliRunner.Run("catalog", "swap-types");
        r.ExitCode.Should().Be(0, r.Err);
        var rows = r.Out.Split('\n').Where(l => l.StartsWith("| y ") || l.StartsWith("| n ")).ToArray();
        // The 12 combinations Kconfig can build: DEVICE_UNADDRESSABLE=y needs MIGRATION=y (ZONE_DEVICE -> MEMORY_HOTREMOVE).
        rows.Should().HaveCount(12);
        rows.Should().NotContain(row => row.StartsWith("| n | y | y ", StringComparison.Ordinal) || row.StartsWith("| n | n | y ", StringComparison.Ordinal));
        foreach (var row in rows)
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            var deviceConfigured = cells[3] == "y";
            cells[7].Should().Be(deviceConfigured ? "2" : "0", row);
            cells[9].Should().Be("none", row);
        }
        r.Out.Should().Contain("| y | y | y | y | 27 | 29 | 2 |");
    }

    [Fact]
    public void Stress_exits_1_and_counts_a_deterministic_bug()
    {
        var r = CliRunner.Run("stress", "--scenario", "catalog-hotplug-overlap", "--variant", "mutant-register-memory-ignores-conflict", "--runs", "5");
        r.ExitCode.Should().Be(1, r.Err);
        r.Out.Should().Contain("5 run(s) on real threads");
        // A rate, not 5 of 5 (CatalogTests.StressRuns says why): 3 or more misses in 5 has probability below 3e-10.
        var hits = System.Text.RegularExpressions.Regex.Match(r.Out, @"(\d+) expectation");
        hits.Success.Should().BeTrue(r.Out);
        int.Parse(hits.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(3, r.Out);
    }

    [Theory]
    [InlineData(new[] { "catalog", "--seeds", "0" }, "--seeds")]
    [InlineData(new[] { "catalog", "--entry", "nope" }, "unknown catalog entry")]
    [InlineData(new[] { "catalog", "--strategies", "bogus" }, "unknown strategy")]
    [InlineData(new[] { "stress", "--scenario", "fault-vs-fault", "--runs", "0" }, "--runs")]
    [InlineData(new[] { "stress", "--scenario", "no-such-scenario" }, "no-such-scenario")]
    public void Bad_input_is_one_line_and_exit_2(string[] args, string fragment) =>
        CliRunner.Run(args).ShouldBeBadInput(fragment);
}
