namespace Hmm.Spec.Actors.Catalog;

/// <summary>Whether an entry is a real upstream bug of the seed or a single-fault mutant.</summary>
public enum CatalogEntryKind
{
    /// <summary>A bug the seed shipped with, fixed upstream later.</summary>
    Bug,
    /// <summary>A mutant: <c>upstream</c> plus exactly one fault in a seed hunk.</summary>
    Mutant,
}

/// <summary>
/// One catalogued bug or mutant: the variant that has it, the built-in scenario that exposes it, the stable
/// category it is reported with, and (for bugs) the variant whose fix removes it. <c>upstream</c> must pass the
/// scenario. The checked-in bundle under <c>traces/</c> is <see cref="BundleFile"/>, written by
/// <c>hmm-spec explore --scenario S --variant V --strategy BundleStrategy --seed BundleSeed --out traces</c>.
/// </summary>
public sealed record CatalogEntry
{
    public required string Id { get; init; }
    public required CatalogEntryKind Kind { get; init; }
    public required string Title { get; init; }
    /// <summary>The variant that has the bug.</summary>
    public required string Variant { get; init; }
    /// <summary>Built-in scenario that exposes it; null when no scenario op reaches the faulty code (see <see cref="Unreachable"/>).</summary>
    public string? Scenario { get; init; }
    /// <summary>The category the exploration reports (a <c>ViolationCategory</c> or Coyote's deadlock/livelock).</summary>
    public required string Category { get; init; }
    /// <summary>The variant that fixes it (bugs only).</summary>
    public string? FixedBy { get; init; }
    /// <summary>Upstream commit(s) of the fix (bugs only).</summary>
    public string? Commit { get; init; }
    /// <summary>What the bug is, in kernel terms.</summary>
    public required string What { get; init; }
    /// <summary>How the scenario drives the model into it.</summary>
    public required string Exposure { get; init; }
    /// <summary>What the fix changes (bugs) or which seed hunk the mutant breaks.</summary>
    public required string Change { get; init; }
    /// <summary>Iterations after which an exploration counts as a miss (catalog benchmark and mutation score).</summary>
    public int Budget { get; init; } = DefaultBudget;

    public const int DefaultBudget = 200;
    /// <summary>Strategy and seed of the checked-in bundle (and of the mutation-score test).</summary>
    public string BundleStrategy { get; init; } = Exploration.ExplorationStrategy.Random;
    public uint BundleSeed { get; init; } = 1;
    /// <summary>Small enough for dfs to make sense within the budget.</summary>
    public bool DfsFeasible { get; init; }
    /// <summary>Why no scenario can expose this entry (null when one does).</summary>
    public string? Unreachable { get; init; }
    /// <summary>
    /// The catalogued later bug that <see cref="FixedBy"/> still has on this scenario (its id; null: the fix variant
    /// must explore the scenario clean). A fix check accepts exactly that entry's category and nothing else.
    /// </summary>
    public string? FixStillHas { get; init; }
    /// <summary>A known defect of the model that makes <c>upstream</c> or the fix variant fail this scenario (null: none).</summary>
    public string? KnownModelIssue { get; init; }

    /// <summary>The bundle's file name under <c>traces/</c> (the name <c>TraceBundle.WriteTo</c> gives it).</summary>
    public string? BundleFile => Scenario is null
        ? null
        : $"{Scenario}.{Variant}.{BundleStrategy}.s{BundleSeed}{Bundles.TraceBundle.FileSuffix}";
}
