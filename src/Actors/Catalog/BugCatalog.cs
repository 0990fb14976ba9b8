using Hmm.Spec.Input;

namespace Hmm.Spec.Actors.Catalog;

/// <summary>
/// The known-bug catalog (issue 6, docs/bug-catalog.md): every upstream bug of the seed the model reproduces and
/// every single-fault mutant, each with the scenario that exposes it. The entries are data, in
/// <see cref="DataPath"/> (schema: docs/catalog.schema.json), embedded in this assembly and read and validated by
/// <see cref="CatalogLoader"/> the first time the catalog is used; a bad entry is an <c>InputError</c> naming the
/// file, the entry and the field. <see cref="CatalogBenchmark"/> measures the entries and tests replay their bundles.
/// </summary>
public static class BugCatalog
{
    /// <summary>The data file, relative to the repository root (also the name of its embedded resource).</summary>
    public const string DataPath = "catalog/bug-catalog.json";

    private static readonly Lazy<IReadOnlyList<CatalogEntry>> Loaded = new(() => CatalogLoader.LoadEmbedded(DataPath));

    public static IReadOnlyList<CatalogEntry> Entries => Loaded.Value;

    public static IEnumerable<CatalogEntry> Bugs => Entries.Where(e => e.Kind == CatalogEntryKind.Bug);
    public static IEnumerable<CatalogEntry> Mutants => Entries.Where(e => e.Kind == CatalogEntryKind.Mutant);

    /// <summary>Entries a scenario exposes (those with a bundle under <c>traces/</c>).</summary>
    public static IEnumerable<CatalogEntry> Reachable => Entries.Where(e => e.Scenario is not null);

    public static CatalogEntry? Find(string id) => Entries.FirstOrDefault(e => e.Id == id);
}
