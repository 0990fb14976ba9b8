using System.Text.Json;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Input;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Input;
using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Catalog;

/// <summary>
/// Strict reader of the catalog's data file (<c>catalog/bug-catalog.json</c>, docs/catalog.schema.json). Every
/// problem is an <see cref="InputError"/> whose place is the file, the entry (index and id) and the field; besides
/// the shape, each entry's variant, fix variant, scenario, category and bundle strategy must exist, ids are unique
/// and <c>fix_still_has</c> names another entry.
/// </summary>
public static class CatalogLoader
{
    public const string FormatName = "hmm-bug-catalog";
    public const int FormatVersion = 1;

    /// <summary>What a mutant entry's fix field says (a mutant is <c>upstream</c> plus one fault; nothing fixes it).</summary>
    public const string MutantChange = "upstream plus this one fault in a seed hunk";

    internal static readonly string[] TopFields = ["format", "version", "entries"];

    /// <summary>Every field an entry may have, in the order the data file writes them.</summary>
    internal static readonly string[] EntryFields =
    [
        "id", "kind", "title", "variant", "scenario", "category", "fixed_by", "commit", "bundle_strategy", "bundle_seed",
        "budget", "dfs_feasible", "what", "exposure", "change", "unreachable", "fix_still_has", "known_model_issue",
    ];

    /// <summary>Fields every entry has; a bug also has <see cref="BugOnlyFields"/>, which a mutant must not have.</summary>
    internal static readonly string[] CommonRequired = ["id", "kind", "variant", "category", "what", "exposure"];

    /// <summary>
    /// Fields only a bug has (all required): a mutant's title is its variant's description, its change is
    /// <see cref="MutantChange"/>, and nothing upstream fixes it.
    /// </summary>
    internal static readonly string[] BugOnlyFields = ["title", "fixed_by", "commit", "change"];

    /// <summary>Strategies a bundle can be recorded with (a portfolio rotates strategies, so it names none).</summary>
    internal static IEnumerable<string> BundleStrategies => ExplorationStrategy.Names.Where(n => n != ExplorationStrategy.Portfolio);

    /// <summary>Reads the catalog embedded in this assembly as the resource <paramref name="resource"/>.</summary>
    public static IReadOnlyList<CatalogEntry> LoadEmbedded(string resource)
    {
        using var stream = typeof(CatalogLoader).Assembly.GetManifestResourceStream(resource)
            ?? throw new InputError(resource, "the catalog data is not embedded in this build");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), resource);
    }

    /// <summary>Parses catalog JSON; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<CatalogEntry> Parse(string json, string source)
    {
        try
        {
            using var doc = JsonInput.Parse(json);
            return Read(doc.RootElement);
        }
        catch (InputError e)
        {
            throw new InputError(string.IsNullOrEmpty(e.Place) ? source : $"{source}: {Excerpt.Clean(e.Place)}", Excerpt.Clean(e.Problem));
        }
    }

    private static IReadOnlyList<CatalogEntry> Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new InputError("$", "expected the catalog object");
        Known(root, TopFields, "");
        if (String(root, "format", "") != FormatName)
            throw new InputError("format", $"expected \"{FormatName}\"");
        if (!root.TryGetProperty("version", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version) || version != FormatVersion)
            throw new InputError("version", $"expected {FormatVersion}");
        if (!root.TryGetProperty("entries", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw new InputError("entries", "expected a non-empty array of entries");

        var entries = new List<CatalogEntry>();
        var places = new Dictionary<string, string>();
        var i = 0;
        foreach (var e in list.EnumerateArray())
        {
            var place = $"entries[{i++}]";
            if (e.ValueKind != JsonValueKind.Object)
                throw new InputError(place, "expected an entry object");
            if (e.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String)
                place += $" ({idElement.GetString()})";
            var entry = ReadEntry(e, place + ".");
            if (!places.TryAdd(entry.Id, place))
                throw new InputError(place + ".id", $"the id is used twice (first at {places[entry.Id]})");
            entries.Add(entry);
        }
        foreach (var entry in entries)
        {
            if (entry.FixStillHas is { } later && !places.ContainsKey(later))
                throw new InputError(places[entry.Id] + ".fix_still_has", $"no entry \"{later}\" in the catalog");
        }
        return entries;
    }

    private static CatalogEntry ReadEntry(JsonElement e, string at)
    {
        Known(e, EntryFields, at);
        foreach (var f in CommonRequired)
        {
            if (!e.TryGetProperty(f, out _))
                throw new InputError(at + f, "missing (required in every entry)");
        }
        var kind = String(e, "kind", at) switch
        {
            "bug" => CatalogEntryKind.Bug,
            "mutant" => CatalogEntryKind.Mutant,
            var other => throw new InputError(at + "kind", $"\"{other}\" is neither \"bug\" nor \"mutant\""),
        };
        foreach (var f in BugOnlyFields)
        {
            var has = e.TryGetProperty(f, out _);
            if (kind == CatalogEntryKind.Bug && !has)
                throw new InputError(at + f, "missing (required in a bug entry)");
            if (kind == CatalogEntryKind.Mutant && has)
                throw new InputError(at + f, "not allowed in a mutant entry (its title is its variant's description; upstream has no fix for it)");
        }

        var id = String(e, "id", at);
        if (!System.Text.RegularExpressions.Regex.IsMatch(id, "^[a-z0-9][a-z0-9.+-]*$"))
            throw new InputError(at + "id", "expected lower-case letters, digits, '.', '+' and '-'");
        var variant = Variant(e, "variant", at)!;
        if (kind == CatalogEntryKind.Mutant && (variant.Name != id || !variant.Name.StartsWith("mutant-", StringComparison.Ordinal)))
            throw new InputError(at + "variant", "a mutant entry's id and variant are the mutant variant's name (mutant-...)");
        var scenario = OptionalString(e, "scenario", at);
        if (scenario is not null && !BuiltinScenarios.Exists(scenario))
            throw new InputError(at + "scenario", $"no built-in scenario \"{scenario}\" (scenarios/)");
        var unreachable = OptionalString(e, "unreachable", at);
        if ((scenario is null) == (unreachable is null))
            throw new InputError(at + (scenario is null ? "scenario" : "unreachable"),
                "an entry has either a scenario that exposes it or an unreachable reason, not both and not neither");
        var category = String(e, "category", at);
        if (!ViolationCategory.All.Contains(category))
            throw new InputError(at + "category", $"unknown category \"{category}\" (known: {string.Join(", ", ViolationCategory.All)})");
        var strategy = OptionalString(e, "bundle_strategy", at) ?? ExplorationStrategy.Random;
        if (!BundleStrategies.Contains(strategy))
            throw new InputError(at + "bundle_strategy", $"unknown strategy \"{strategy}\" (known: {string.Join(", ", BundleStrategies)})");

        return new CatalogEntry
        {
            Id = id,
            Kind = kind,
            Title = kind == CatalogEntryKind.Bug ? String(e, "title", at) : variant.Description,
            Variant = variant.Name,
            Scenario = scenario,
            Category = category,
            FixedBy = Variant(e, "fixed_by", at)?.Name,
            Commit = OptionalString(e, "commit", at),
            What = String(e, "what", at),
            Exposure = String(e, "exposure", at),
            Change = kind == CatalogEntryKind.Bug ? String(e, "change", at) : MutantChange,
            Budget = (int)Integer(e, "budget", at, CatalogEntry.DefaultBudget, 1, int.MaxValue),
            BundleStrategy = strategy,
            BundleSeed = (uint)Integer(e, "bundle_seed", at, 1, 0, uint.MaxValue),
            DfsFeasible = Boolean(e, "dfs_feasible", at),
            Unreachable = unreachable,
            FixStillHas = OptionalString(e, "fix_still_has", at),
            KnownModelIssue = OptionalString(e, "known_model_issue", at),
        };
    }

    private static void Known(JsonElement o, string[] fields, string at)
    {
        foreach (var p in o.EnumerateObject())
        {
            if (!fields.Contains(p.Name))
                throw new InputError(at + p.Name, $"unknown field (known: {string.Join(", ", fields)})");
        }
    }

    private static string String(JsonElement o, string name, string at) =>
        OptionalString(o, name, at) ?? throw new InputError(at + name, "missing");

    private static string? OptionalString(JsonElement o, string name, string at)
    {
        if (!o.TryGetProperty(name, out var v))
            return null;
        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
            throw new InputError(at + name, "expected a non-empty string");
        return v.GetString();
    }

    private static KernelVariant? Variant(JsonElement o, string name, string at)
    {
        if (OptionalString(o, name, at) is not { } text)
            return null;
        return KernelVariants.TryGet(text, out var v) ? v : throw new InputError(at + name, $"no kernel variant \"{text}\" (hmm-spec list variants)");
    }

    private static long Integer(JsonElement o, string name, string at, long absent, long min, long max)
    {
        if (!o.TryGetProperty(name, out var v))
            return absent;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n) || n < min || n > max)
            throw new InputError(at + name, $"expected an integer from {min} to {max}");
        return n;
    }

    private static bool Boolean(JsonElement o, string name, string at)
    {
        if (!o.TryGetProperty(name, out var v))
            return false;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InputError(at + name, "expected true or false"),
        };
    }
}
