using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Bench;
using Hmm.Spec.Actors.Catalog;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Stress;

namespace Hmm.Spec.Cli.Scale;

/// <summary>
/// <c>catalog</c>'s units, per entry with a scenario: each strategy's seeds in ranges of <see cref="SeedsPerUnit"/>
/// (each seed one exploration, as before), the fix/upstream checks, and the stress run. Iteration counts and
/// findings are deterministic; milliseconds and stress tallies are measurements and vary from run to run.
/// </summary>
internal sealed class CatalogWork(IReadOnlyList<CatalogEntry> entries, CatalogSettings settings) : Work
{
    public const int SeedsPerUnit = 5;
    private IReadOnlyList<WorkUnit>? _units;

    public override string Command => "catalog";

    public override IReadOnlyList<WorkUnit> Units => _units ??= Build();

    private IReadOnlyList<WorkUnit> Build()
    {
        var units = new List<WorkUnit>();
        void Add(CatalogEntry e, string what, JsonObject spec) =>
            units.Add(new WorkUnit(units.Count, $"catalog/{e.Id}/{what}", $"catalog/{e.Id}", $"{e.Variant}/{what}", spec));
        foreach (var e in entries.Where(e => e.Scenario is not null))
        {
            foreach (var strategy in settings.Strategies)
            {
                if (strategy == ExplorationStrategy.Dfs && !e.DfsFeasible)
                    continue;
                // dfs ignores the seed: one run says everything.
                var seeds = strategy == ExplorationStrategy.Dfs ? 1 : settings.Seeds;
                for (var a = 0; a < seeds; a += SeedsPerUnit)
                {
                    var b = Math.Min(seeds, a + SeedsPerUnit);
                    Add(e, $"{strategy}/seeds {a}..{b - 1}", new JsonObject
                    {
                        ["entry"] = e.Id, ["kind"] = "time", ["strategy"] = strategy, ["first_seed"] = a, ["seeds"] = b - a,
                    });
                }
            }
            Add(e, "checks", new JsonObject { ["entry"] = e.Id, ["kind"] = "checks" });
            if (settings.StressRuns > 0)
                Add(e, "stress", new JsonObject { ["entry"] = e.Id, ["kind"] = "stress" });
        }
        return units;
    }

    protected override JsonObject Options() => new()
    {
        ["seeds"] = settings.Seeds,
        ["budget"] = settings.Budget,
        ["strategies"] = new JsonArray(settings.Strategies.Select(s => (JsonNode)s).ToArray()),
        ["check_budget"] = settings.CheckBudget,
        ["stress_runs"] = settings.StressRuns,
        ["stress_seconds"] = settings.StressSeconds,
        ["entries"] = new JsonArray(entries.Select(e => (JsonNode)e.Id).ToArray()),
    };

    public override UnitOutcome Run(WorkUnit unit) => Timed(unit, () =>
    {
        var entry = BugCatalog.Find(Json.Str(unit.Spec, "entry"))!;
        var scenario = BuiltinScenarios.Load(entry.Scenario!);
        var plan = ScenarioPlan.Create(scenario, entry.Variant);
        var outcome = new UnitOutcome { Index = unit.Index, Key = unit.Key, Status = UnitStatus.Pass };
        switch (Json.Str(unit.Spec, "kind"))
        {
            case "time":
                var strategy = Json.Str(unit.Spec, "strategy");
                var first = Json.Int(unit.Spec, "first_seed");
                var found = new JsonArray();
                var ms = new JsonArray();
                var explorer = new Explorer();
                for (var seed = (uint)first; seed < first + Json.Int(unit.Spec, "seeds"); seed++)
                {
                    var r = explorer.Explore(plan, new ExploreOptions { Strategy = strategy, Seed = seed, Iterations = settings.Budget ?? entry.Budget, OutDir = null });
                    found.Add(new JsonObject { ["seed"] = seed, ["category"] = r.BugFound ? r.Category : null, ["iterations"] = r.Iterations });
                    ms.Add(r.ElapsedMs);
                }
                outcome.Result["seeds"] = found;
                outcome.Measured["ms"] = ms;
                break;
            case "checks":
                var stillHas = entry.FixStillHas is { } id ? BugCatalog.Find(id)?.Category : null;
                var checks = new JsonArray();
                foreach (var variant in new[] { entry.FixedBy, "upstream" }.OfType<string>().Distinct())
                {
                    var ignore = variant == entry.FixedBy && stillHas is not null ? new HashSet<string> { stillHas } : new HashSet<string>();
                    var c = CatalogBenchmark.Check(ScenarioPlan.Create(scenario, variant), settings.CheckBudget, ignore);
                    checks.Add(new JsonObject { ["variant"] = c.Variant, ["category"] = c.Category, ["looked_past"] = c.LookedPast });
                }
                outcome.Result["checks"] = checks;
                break;
            default:
                var s = new StressRunner(UnitLogger).Run(plan, settings.StressRuns, settings.StressSeconds);
                outcome.Measured["stress"] = StressWork.ToJson(s);
                break;
        }
        return outcome;
    });
}

/// <summary>catalog's output from its units: the Markdown catalog, as one run renders it.</summary>
internal sealed class CatalogReducer : IReducer
{
    public string Comparable(UnitOutcome outcome) => Reducers.Deterministic(outcome);

    public Summary Reduce(JsonObject definition, IReadOnlyList<WorkUnit> units, IReadOnlyList<UnitOutcome> outcomes, ReduceSettings settings)
    {
        var o = Json.Obj(definition, "options");
        var s = new CatalogSettings
        {
            Seeds = Json.Int(o, "seeds"),
            Budget = o["budget"] is null ? null : Json.Int(o, "budget"),
            Strategies = Json.Strs(o, "strategies").ToArray(),
            CheckBudget = Json.Int(o, "check_budget"),
            StressRuns = Json.Int(o, "stress_runs"),
            StressSeconds = Json.Double(o, "stress_seconds"),
        };
        var failed = units.Zip(outcomes).Where(u => u.Second.Status == UnitStatus.Error).ToArray();
        if (failed.Length > 0)
        {
            // A catalog with a hole would read as a measurement; say what failed instead.
            var text = string.Concat(failed.Select(f => $"error: {f.First.Key}: {f.Second.Error}\n"));
            return new Summary(text, text, Cli.ExitIncomplete);
        }
        var rows = new List<EntryMeasurement>();
        foreach (var id in Json.Strs(o, "entries"))
        {
            var entry = BugCatalog.Find(id) ?? throw new FormatException($"unknown catalog entry \"{Json.Short(id)}\"");
            var mine = units.Zip(outcomes).Where(u => Json.Str(u.First.Spec, "entry") == id).ToArray();
            var timings = mine.Where(u => Json.Str(u.First.Spec, "kind") == "time")
                .GroupBy(u => Json.Str(u.First.Spec, "strategy"))
                .Select(g => Timing(g.Key, entry.Category, g.Select(u => u.Second).ToArray()))
                .ToArray();
            var checks = mine.Where(u => Json.Str(u.First.Spec, "kind") == "checks")
                .SelectMany(u => Json.Arr(u.Second.Result, "checks").Cast<JsonObject>())
                .Select(c => new FixCheck(Json.Str(c, "variant"), Json.OptStr(c, "category"), Json.Int(c, "looked_past")))
                .ToArray();
            var stress = mine.Where(u => Json.Str(u.First.Spec, "kind") == "stress")
                .Select(u => StressWork.FromJson(Json.Obj(u.Second.Measured, "stress"))).FirstOrDefault();
            rows.Add(new EntryMeasurement(entry, timings, checks, stress));
        }
        var markdown = CatalogMarkdown.Render(rows, s, settings.CommandLine, TimeSpan.FromMilliseconds(settings.WallMs));
        return new Summary(markdown, markdown, Cli.ExitOk);
    }

    /// <summary>Time to first hit over a strategy's seeds (<see cref="FirstHitTimes"/>' rule, as <see cref="CatalogBenchmark.Time"/>).</summary>
    private static StrategyTiming Timing(string strategy, string category, IReadOnlyList<UnitOutcome> outcomes)
    {
        var hits = new FirstHitTimes();
        int other = 0;
        string? otherCategory = null;
        foreach (var outcome in outcomes)
        {
            var times = Json.Arr(outcome.Measured, "ms");
            foreach (var (node, i) in Json.Arr(outcome.Result, "seeds").Select((n, i) => (n, i)))
            {
                var seed = node as JsonObject ?? throw new FormatException("a catalog seed is not an object");
                var hit = Json.OptStr(seed, "category");
                if (hit == category)
                {
                    hits.Hit(Json.Int(seed, "iterations"), times[i]!.GetValue<double>());
                    continue;
                }
                if (hit is not null)
                {
                    other++;
                    otherCategory ??= hit;
                }
                hits.Miss();
            }
        }
        return CatalogBenchmark.Timing(strategy, hits, other, otherCategory);
    }
}
