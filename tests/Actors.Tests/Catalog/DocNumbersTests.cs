using System.Text.RegularExpressions;
using Hmm.Spec.Actors.Catalog;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Scenarios;

namespace Hmm.Spec.Actors.Tests.Catalog;

/// <summary>
/// Numbers the docs repeat that the code produces: the generated catalog (docs/bug-catalog.md) lists exactly the
/// catalog's entries, its mutation score counts its mutants, its default-strategy sentence follows its own table;
/// docs/results-format.md counts the built-in scenarios. A doc that falls behind the code fails here: regenerate it
/// (<c>hmm-spec catalog</c>) or correct the number.
/// </summary>
public sealed class DocNumbersTests
{
    private static string Doc(string name) => File.ReadAllText(Path.Combine(Bundles.SampleTrace.RepoRoot(), "docs", name));

    private static string Section(string doc, string heading)
    {
        var start = doc.IndexOf("## " + heading + "\n", StringComparison.Ordinal);
        start.Should().BeGreaterThanOrEqualTo(0, $"the doc has a section {heading}");
        var end = doc.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        return end < 0 ? doc[start..] : doc[start..end];
    }

    [Fact]
    public void The_catalog_doc_lists_every_entry_in_order()
    {
        var summary = Section(Doc("bug-catalog.md"), "Summary");
        var ids = Regex.Matches(summary, @"^\| ([a-z0-9.+-]+) \| `", RegexOptions.Multiline).Select(m => m.Groups[1].Value);
        ids.Should().Equal(BugCatalog.Entries.Select(e => e.Id), "docs/bug-catalog.md is generated from the catalog's data");
    }

    [Fact]
    public void The_catalog_docs_mutation_score_counts_the_mutants()
    {
        var m = Regex.Match(Doc("bug-catalog.md"), @"^Mutation score: (\d+)/(\d+) mutants", RegexOptions.Multiline);
        m.Success.Should().BeTrue("the doc states a mutation score");
        int.Parse(m.Groups[2].Value).Should().Be(BugCatalog.Mutants.Count());
    }

    [Fact]
    public void The_catalog_docs_default_strategy_sentence_follows_its_table()
    {
        var doc = Doc("bug-catalog.md");
        var rows = Regex.Matches(Section(doc, "Time to first hit"), @"^\| ([a-z0-9.+-]+) \| portfolio \| (\d+)/(\d+) \|", RegexOptions.Multiline)
            .Select(m => new EntryMeasurement(BugCatalog.Find(m.Groups[1].Value)!,
                [new StrategyTiming(ExplorationStrategy.Portfolio, int.Parse(m.Groups[3].Value), int.Parse(m.Groups[2].Value), 0, null, null, null, null, null)],
                [], null))
            .ToArray();
        rows.Should().NotBeEmpty();
        var sentence = CatalogMarkdown.DefaultStrategySentence(rows);
        sentence.Should().NotBeNull();
        doc.Should().Contain(sentence!, "the sentence is computed from the same rows the table shows");
    }

    [Fact]
    public void The_default_strategy_sentence_names_partial_and_missed_entries()
    {
        EntryMeasurement Row(string id, int found) => new(BugCatalog.Find(id)!,
            [new StrategyTiming(ExplorationStrategy.Portfolio, 5, found, 0, null, null, null, null, null)], [], null);
        var ids = BugCatalog.Reachable.Select(e => e.Id).Take(3).ToArray();
        CatalogMarkdown.DefaultStrategySentence([Row(ids[0], 5), Row(ids[1], 3), Row(ids[2], 0)]).Should().Be(
            $"The default strategy (portfolio) found 1 of 3 entries with every seed; with some seeds only: {ids[1]} 3/5; with no seed: {ids[2]}.");
        CatalogMarkdown.DefaultStrategySentence([]).Should().BeNull();
    }

    [Fact]
    public void The_results_format_doc_counts_the_built_in_scenarios()
    {
        var m = Regex.Match(Doc("results-format.md"), @"every built-in scenario: (\d+)\) has (\d+) units");
        m.Success.Should().BeTrue("docs/results-format.md states explore's unit count");
        int.Parse(m.Groups[1].Value).Should().Be(BuiltinScenarios.Names.Count);
        int.Parse(m.Groups[2].Value).Should().Be(BuiltinScenarios.Names.Count);
    }
}
