using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Stress;

namespace Hmm.Spec.Cli.Scale;

/// <summary>
/// <c>stress</c>'s units: the runs in up to <see cref="MaxUnits"/> ranges, each with its share of the time limit
/// (so one job spends at most <c>--seconds</c> in all, as before). Stress runs on real threads: what each run hits
/// is up to the OS scheduler, so its tallies are measurements, not results that repeat.
/// </summary>
internal sealed class StressWork(ScenarioPlan plan, int runs, double seconds) : Work
{
    public const int MaxUnits = 16;
    private IReadOnlyList<WorkUnit>? _units;

    public override string Command => "stress";

    /// <summary>A stress run races real threads: on one CPU they would only ever interleave, never run at once.</summary>
    public override bool Pinnable => false;

    public override IReadOnlyList<WorkUnit> Units => _units ??= Build();

    private IReadOnlyList<WorkUnit> Build()
    {
        var count = Math.Min(runs, MaxUnits);
        var units = new List<WorkUnit>();
        for (var i = 0; i < count; i++)
        {
            long a = (long)runs * i / count, b = (long)runs * (i + 1) / count;
            units.Add(new WorkUnit(i, $"stress/{plan.Scenario.Name}/{plan.Variant.Name}/runs {a}..{b - 1}",
                $"stress/{plan.Scenario.Name}", $"{plan.Variant.Name}/runs {a}..{b - 1}",
                new JsonObject { ["first_run"] = a, ["runs"] = b - a }));
        }
        return units;
    }

    protected override JsonObject Options() => new()
    {
        ["runs"] = runs,
        ["seconds"] = seconds,
        ["scenario"] = ScenarioRef(plan),
    };

    public override UnitOutcome Run(WorkUnit unit) => Timed(unit, () =>
    {
        var n = Json.Int(unit.Spec, "runs");
        var r = new StressRunner(UnitLogger).Run(plan, n, seconds * n / runs);
        var outcome = new UnitOutcome { Index = unit.Index, Key = unit.Key, Status = r.Bugs.Count > 0 ? UnitStatus.Bug : UnitStatus.Pass };
        outcome.Measured["stress"] = ToJson(r);
        foreach (var (category, hits) in r.Bugs.OrderBy(b => b.Key, StringComparer.Ordinal))
            outcome.Bugs.Add(UnitBug.WithBundle(category, $"{hits} run(s) hit {category}" + (r.FirstMessage is { } m && Actors.Exploration.BugCategory.Of(m) == category ? $"; first: {m}" : ""), null, null));
        return outcome;
    });

    public static JsonObject ToJson(StressResult r) => new()
    {
        ["scenario"] = r.Scenario,
        ["variant"] = r.Variant,
        ["runs"] = r.Runs,
        ["clean"] = r.Clean,
        ["bugs"] = new JsonObject(r.Bugs.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => KeyValuePair.Create(b.Key, (JsonNode?)b.Value))),
        ["elapsed_ms"] = r.ElapsedMs,
        ["first"] = r.FirstMessage,
    };

    public static StressResult FromJson(JsonObject o) => new(
        Json.Str(o, "scenario"), Json.Str(o, "variant"), Json.Int(o, "runs"), Json.Int(o, "clean"),
        Json.Obj(o, "bugs").ToDictionary(p => p.Key, p => p.Value!.GetValue<int>()),
        Json.Long(o, "elapsed_ms"), Json.OptStr(o, "first"));
}

/// <summary>stress's output from its units: the tallies summed, the first message of the first unit that hit a bug.</summary>
internal sealed class StressReducer : IReducer
{
    /// <summary>Nothing of a stress unit repeats but its identity: a shard that ran twice is taken once.</summary>
    public string Comparable(UnitOutcome outcome) => outcome.Key;

    public Summary Reduce(JsonObject definition, IReadOnlyList<WorkUnit> units, IReadOnlyList<UnitOutcome> outcomes, ReduceSettings settings)
    {
        var scenario = Json.Obj(Json.Obj(definition, "options"), "scenario");
        var failed = units.Zip(outcomes).Where(u => u.Second.Status == UnitStatus.Error).ToArray();
        var done = outcomes.Where(o => o.Status != UnitStatus.Error).Select(o => StressWork.FromJson(Json.Obj(o.Measured, "stress"))).ToArray();
        var bugs = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (category, hits) in done.SelectMany(r => r.Bugs))
            bugs[category] = bugs.GetValueOrDefault(category) + hits;
        var w = new StringWriter();
        w.WriteLine($"{Json.Str(scenario, "name")} [{Json.Str(scenario, "variant")}]: {done.Sum(r => r.Runs)} run(s) on real threads in {settings.WallMs} ms: {done.Sum(r => r.Clean)} clean" +
                    string.Concat(bugs.Select(b => $", {b.Value} {b.Key}")));
        if (done.Select(r => r.FirstMessage).FirstOrDefault(m => m is not null) is { } first)
            w.WriteLine($"  first: {first}");
        foreach (var (unit, outcome) in failed)
            w.WriteLine($"  error: {unit.Key}: {outcome.Error}");
        var exit = bugs.Count > 0 ? Cli.ExitBug : failed.Length > 0 ? Cli.ExitIncomplete : Cli.ExitOk;
        return new Summary(w.ToString(), w.ToString(), exit);
    }
}
