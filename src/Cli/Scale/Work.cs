using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Exploration;

namespace Hmm.Spec.Cli.Scale;

/// <summary>
/// A command's work split into independent units in a fixed order (docs/results-format.md). The definition holds
/// everything that decides the results: the command, every option that affects them, the scenarios (with a digest
/// of their text) and the unit list; its SHA-256 identifies the work, so that shards of different work never merge.
/// A run with any number of jobs, and any set of shards, runs these same units; <see cref="Reducer"/> turns their
/// outcomes into the command's output.
/// </summary>
internal abstract class Work
{
    private JsonObject? _definition;
    private string? _hash;

    public abstract string Command { get; }
    public abstract IReadOnlyList<WorkUnit> Units { get; }

    /// <summary>
    /// Where a unit logs while it runs: nowhere when many units share one progress line, the command's own logger
    /// when a run has a single unit (its progress is then the unit's, as before scale-out).
    /// </summary>
    public Microsoft.Extensions.Logging.ILogger UnitLogger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The options that affect results (and scenario digests), without the unit list.</summary>
    protected abstract JsonObject Options();

    /// <summary>Runs one unit in this process. Deterministic in <c>Result</c> and <c>Bugs</c> for the same definition.</summary>
    public abstract UnitOutcome Run(WorkUnit unit);

    /// <summary>
    /// A static estimate of a unit's cost, in arbitrary units comparable within one work: the worker pool hands out
    /// the costliest units first (<see cref="UnitOrder"/>). Only the order of running depends on it, never a result.
    /// </summary>
    public virtual double Cost(WorkUnit unit) => 1;

    /// <summary>
    /// Whether the workers may be pinned to a CPU each (<see cref="CpuPinning"/>): yes for work that runs under a
    /// controlled scheduler (one thread runs at a time), no for work whose threads must really run in parallel.
    /// </summary>
    public virtual bool Pinnable => true;

    public JsonObject Definition => _definition ??= new JsonObject
    {
        ["command"] = Command,
        ["tool_version"] = ModelInfo.ToolVersion,
        ["model_version"] = ModelInfo.ModelVersion,
        ["options"] = Options(),
        ["units"] = new JsonArray(Units.Select(u => (JsonNode)new JsonObject
        {
            ["key"] = u.Key,
            ["class"] = u.ClassName,
            ["name"] = u.TestName,
            ["spec"] = u.Spec.DeepClone(),
        }).ToArray()),
    };

    public string Hash => _hash ??= Json.Sha256(Definition);

    /// <summary>The units of a definition read back from a results file.</summary>
    public static IReadOnlyList<WorkUnit> UnitsOf(JsonObject definition) =>
        Json.Arr(definition, "units").Select((n, i) =>
        {
            var u = n as JsonObject ?? throw new FormatException("a unit of the work definition is not an object");
            return new WorkUnit(i, Json.Str(u, "key"), Json.Str(u, "class"), Json.Str(u, "name"), Json.Obj(u, "spec"));
        }).ToArray();

    /// <summary>Runs a unit and times it; the outcome's index and key are the unit's.</summary>
    protected static UnitOutcome Timed(WorkUnit unit, Func<UnitOutcome> run)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var outcome = run();
        outcome.ElapsedMs = watch.ElapsedMilliseconds;
        return outcome;
    }

    /// <summary>A scenario's identity in a definition: its name, source, variant and a digest of its text.</summary>
    protected static JsonObject ScenarioRef(Hmm.Spec.Actors.Harness.ScenarioPlan plan) => new()
    {
        ["name"] = plan.Scenario.Name,
        ["variant"] = plan.Variant.Name,
        ["source"] = plan.Scenario.Source,
        ["sha256"] = UnitBug.Sha256(plan.Scenario.Json),
    };
}

/// <summary>
/// What a merged run prints and returns: the command's text or JSON output (as a single run prints it), and its
/// exit code. Bundles of the bugs it reports are written by the reducer, into the run's <c>--out</c>.
/// </summary>
internal sealed record Summary(string Text, string JsonText, int ExitCode);

/// <summary>Settings of turning outcomes into a summary: where bundles go, the wall time, the command line.</summary>
internal sealed record ReduceSettings
{
    /// <summary>Where the reported bugs' bundles are written (null: not written, as with explore's OutDir null).</summary>
    public string? OutDir { get; init; }
    public long WallMs { get; init; }
    /// <summary>The command as a single run would have been typed (scale-out options left out), for generated documents.</summary>
    public string CommandLine { get; init; } = "";
    /// <summary>verify/merge <c>--markdown FILE</c>.</summary>
    public string? Markdown { get; init; }
}

/// <summary>Turns the outcomes of every unit of a definition into the command's output.</summary>
internal interface IReducer
{
    Summary Reduce(JsonObject definition, IReadOnlyList<WorkUnit> units, IReadOnlyList<UnitOutcome> outcomes, ReduceSettings settings);

    /// <summary>What must be equal when one shard's results appear twice (the deterministic part of an outcome).</summary>
    string Comparable(UnitOutcome outcome);
}

internal static class Reducers
{
    public static IReducer For(string command) => command switch
    {
        "explore" => new ExploreReducer(),
        "verify" => new VerifyReducer(),
        "catalog" => new CatalogReducer(),
        "stress" => new StressReducer(),
        _ => throw new FormatException($"unknown command \"{Json.Short(command)}\""),
    };

    /// <summary>The default comparison: status, bugs (category, message, bundle digest) and the deterministic result.</summary>
    public static string Deterministic(UnitOutcome o) => Json.Canonical(new JsonObject
    {
        ["status"] = o.Status,
        ["bugs"] = new JsonArray(o.Bugs.Select(b => (JsonNode)$"{b.Category}|{b.Message}|{b.BundleSha256}").ToArray()),
        ["result"] = o.Result.DeepClone(),
    });
}

/// <summary>
/// The order in which a worker pool hands out units: the costliest first by <see cref="Work.Cost"/> (ties in index
/// order), so that a long unit does not start last and leave one worker busy while the others idle (the longest
/// processing time first rule). Results are collected by index, so the order changes no result.
/// </summary>
internal static class UnitOrder
{
    public static IReadOnlyList<WorkUnit> LongestFirst(Work work, IReadOnlyList<WorkUnit> units) =>
        units.Select(u => (Unit: u, Cost: work.Cost(u))).OrderByDescending(x => x.Cost).ThenBy(x => x.Unit.Index).Select(x => x.Unit).ToArray();
}

/// <summary>Static size measures of scenarios for <see cref="Work.Cost"/>.</summary>
internal static class UnitCost
{
    /// <summary>The ops an iteration runs: setup, every actor's and the final ones.</summary>
    public static int Size(Hmm.Spec.Actors.Scenarios.Scenario scenario) => scenario.AllOps.Count();
}
