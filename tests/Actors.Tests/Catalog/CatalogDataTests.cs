using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Catalog;
using Hmm.Spec.Input;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Tests.Catalog;

/// <summary>
/// The catalog's data file (catalog/bug-catalog.json), its schema (docs/catalog.schema.json) and
/// <see cref="CatalogLoader"/> agree: same fields, same required fields per kind, same categories and strategies;
/// the shipped data loads, every entry's scenario, variants and category exist; and a bad entry is refused with
/// the file, the entry and the field named.
/// </summary>
public sealed class CatalogDataTests
{
    private static string RepoFile(params string[] parts) => Path.Combine([Bundles.SampleTrace.RepoRoot(), .. parts]);

    private static JsonObject Schema() => JsonNode.Parse(File.ReadAllText(RepoFile("docs", "catalog.schema.json")))!.AsObject();

    private static JsonObject EntrySchema() => Schema()["$defs"]!["entry"]!.AsObject();

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    private static JsonObject Data() => JsonNode.Parse(File.ReadAllText(RepoFile("catalog", "bug-catalog.json")))!.AsObject();

    private static IReadOnlyList<CatalogEntry> Load(JsonObject data) => CatalogLoader.Parse(data.ToJsonString(), "test.json");

    /// <summary>The data with its first entry of <paramref name="kind"/> changed by <paramref name="change"/>, loaded.</summary>
    private static Action Changed(string kind, Action<JsonObject> change)
    {
        var data = Data();
        var entry = data["entries"]!.AsArray().Select(n => n!.AsObject()).First(e => e["kind"]!.GetValue<string>() == kind);
        change(entry);
        return () => Load(data);
    }

    [Fact]
    public void The_shipped_data_loads_as_the_embedded_catalog()
    {
        // That every entry's scenario, variants and category exist is CatalogTests' first test.
        var fromFile = Load(Data());
        BugCatalog.Entries.Should().Equal(fromFile, "the embedded resource is the checked-in file");
        BugCatalog.Entries.Should().HaveCountGreaterThan(20);
        BugCatalog.Mutants.Should().OnlyContain(e => e.Title == KernelVariants.Get(e.Variant).Description && e.Change == CatalogLoader.MutantChange);
    }

    [Fact]
    public void Schema_and_loader_know_the_same_fields()
    {
        var schema = Schema();
        schema["properties"]!.AsObject().Select(p => p.Key).Should().BeEquivalentTo(CatalogLoader.TopFields);
        Strings(schema["required"]).Should().BeEquivalentTo(CatalogLoader.TopFields);
        schema["properties"]!["format"]!["const"]!.GetValue<string>().Should().Be(CatalogLoader.FormatName);
        schema["properties"]!["version"]!["const"]!.GetValue<int>().Should().Be(CatalogLoader.FormatVersion);

        var entry = EntrySchema();
        entry["properties"]!.AsObject().Select(p => p.Key).Should().Equal(CatalogLoader.EntryFields);
        Strings(entry["required"]).Should().BeEquivalentTo(CatalogLoader.CommonRequired);
        Strings(entry["then"]!["required"]).Should().BeEquivalentTo(CatalogLoader.BugOnlyFields);
        entry["else"]!["not"]!["anyOf"]!.AsArray().SelectMany(n => Strings(n!["required"])).Should().BeEquivalentTo(CatalogLoader.BugOnlyFields);
        Strings(entry["properties"]!["category"]!["enum"]).Should().BeEquivalentTo(ViolationCategory.All);
        Strings(entry["properties"]!["bundle_strategy"]!["enum"]).Should().BeEquivalentTo(CatalogLoader.BundleStrategies);
        Strings(entry["properties"]!["kind"]!["enum"]).Should().BeEquivalentTo(["bug", "mutant"]);
    }

    [Fact]
    public void Each_required_field_is_required_by_the_loader_too()
    {
        foreach (var kind in new[] { "bug", "mutant" })
        {
            var required = kind == "bug" ? CatalogLoader.CommonRequired.Concat(CatalogLoader.BugOnlyFields) : CatalogLoader.CommonRequired;
            foreach (var field in required)
            {
                Changed(kind, e => e.Remove(field)).Should().Throw<InputError>($"a {kind} without {field}")
                    .Which.Place.Should().EndWith("." + field);
            }
        }
        foreach (var field in CatalogLoader.BugOnlyFields)
        {
            Changed("mutant", e => e[field] = "x").Should().Throw<InputError>($"a mutant with {field}")
                .Which.Place.Should().EndWith("." + field);
        }
    }

    [Fact]
    public void Every_optional_field_the_schema_allows_loads()
    {
        var optional = CatalogLoader.EntryFields.Except(CatalogLoader.CommonRequired).Except(CatalogLoader.BugOnlyFields).Except(["scenario", "unreachable"]);
        var act = Changed("bug", e =>
        {
            foreach (var f in optional)
                e[f] = f switch { "budget" or "bundle_seed" => 5, "dfs_feasible" => true, "bundle_strategy" => "pct", "fix_still_has" => e["id"]!.GetValue<string>(), _ => "text" };
        });
        act.Should().NotThrow();
    }

    [Theory]
    [InlineData("scenario", "no-such-scenario", "no built-in scenario")]
    [InlineData("variant", "no-such-variant", "no kernel variant")]
    [InlineData("fixed_by", "no-such-variant", "no kernel variant")]
    [InlineData("category", "no-such-category", "unknown category")]
    [InlineData("bundle_strategy", "portfolio", "unknown strategy")]
    [InlineData("fix_still_has", "no-such-entry", "no entry")]
    [InlineData("colour", "red", "unknown field")]
    public void A_bad_entry_is_refused_naming_the_file_the_entry_and_the_field(string field, string value, string problem)
    {
        var e = Changed("bug", entry => entry[field] = value).Should().Throw<InputError>().Which;
        e.Place.Should().StartWith("test.json: entries[0] (seed-fault-uaf-vs-madvise).").And.EndWith(field);
        e.Problem.Should().Contain(problem);
    }

    [Fact]
    public void Duplicate_ids_and_both_or_neither_of_scenario_and_unreachable_are_refused()
    {
        var data = Data();
        var entries = data["entries"]!.AsArray();
        entries.Add(entries[0]!.DeepClone());
        var dup = () => Load(data);
        dup.Should().Throw<InputError>().Which.Problem.Should().Contain("used twice");

        Changed("bug", e => e["unreachable"] = "why").Should().Throw<InputError>().Which.Problem.Should().Contain("not both");
        Changed("bug", e => e.Remove("scenario")).Should().Throw<InputError>().Which.Problem.Should().Contain("not neither");
    }

    [Fact]
    public void Malformed_json_is_refused_with_its_line()
    {
        var act = () => CatalogLoader.Parse("{\n  \"format\": \"hmm-bug-catalog\",\n  \"version\": 1,\n  \"entries\": [,]\n}", "test.json");
        act.Should().Throw<InputError>().Which.Place.Should().StartWith("test.json: line 4");
    }
}
