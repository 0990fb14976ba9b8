using System.Text;
using System.Text.Json;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Bundles;

/// <summary>
/// A self-contained bug trace (docs/exploring.md): the scenario (embedded whole), the variant and config, the
/// exploration settings, Coyote's reproducible trace and the bug. One JSON file; <c>hmm-spec replay</c> reads it.
/// </summary>
public sealed record TraceBundle
{
    public const string FormatName = "hmm-trace-bundle";
    public const int FormatVersion = 1;
    public const string FileSuffix = ".hmmtrace.json";

    public required int ModelVersion { get; init; }
    public required string ToolVersion { get; init; }
    public required Scenario Scenario { get; init; }
    public required string Variant { get; init; }
    public required IReadOnlyDictionary<string, bool> Config { get; init; }
    public required ExploreOptions Options { get; init; }
    /// <summary>The 1-based iteration that hit the bug.</summary>
    public required int Iteration { get; init; }
    /// <summary>Coyote's <c>TestingEngine.ReproducibleTrace</c> (JSON text).</summary>
    public required string CoyoteTrace { get; init; }
    public required string Category { get; init; }
    public required string Message { get; init; }
    /// <summary>The file it was read from (null for a bundle built in memory), for messages.</summary>
    public string? FilePath { get; init; }

    public static TraceBundle Create(ScenarioPlan plan, ExploreOptions o, string coyoteTrace, string category, string message, int iteration) => new()
    {
        ModelVersion = ModelInfo.ModelVersion,
        ToolVersion = ModelInfo.ToolVersion,
        Scenario = plan.Scenario,
        Variant = plan.Variant.Name,
        Config = plan.ConfigSymbols,
        Options = o,
        Iteration = iteration,
        CoyoteTrace = coyoteTrace,
        Category = category,
        Message = message,
    };

    /// <summary>
    /// Writes <c>DIR/SCENARIO.VARIANT.STRATEGY.sSEED.hmmtrace.json</c> whole or not at all and returns its path. A
    /// different bundle already at that name (another scenario file with the same name, another process on the same
    /// directory) is never replaced: this one gets the next free <c>.2</c>, <c>.3</c>, ... (<see cref="AtomicFile.WriteNew"/>).
    /// </summary>
    public string WriteTo(string dir)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{Scenario.Name}.{Variant}.{Options.Strategy}.s{Options.Seed}{FileSuffix}");
        return AtomicFile.WriteNew(path, FileSuffix, ToJson());
    }

    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteNumber("version", FormatVersion);
            w.WriteNumber("model_version", ModelVersion);
            w.WriteString("tool_version", ToolVersion);
            w.WritePropertyName("scenario");
            using (var doc = JsonDocument.Parse(Scenario.Json))
                doc.RootElement.WriteTo(w);
            w.WriteString("scenario_source", Scenario.Source);
            w.WriteString("variant", Variant);
            w.WriteStartObject("config");
            foreach (var (k, v) in Config)
                w.WriteBoolean(k, v);
            w.WriteEndObject();
            w.WriteStartObject("exploration");
            w.WriteString("strategy", Options.Strategy);
            w.WriteNumber("seed", Options.Seed);
            w.WriteNumber("iterations", Options.Iterations);
            w.WriteNumber("max_steps", Options.MaxSteps);
            w.WriteNumber("iteration", Iteration);
            w.WriteEndObject();
            w.WritePropertyName("coyote_trace");
            using (var trace = JsonDocument.Parse(CoyoteTrace))
                trace.RootElement.WriteTo(w);
            w.WriteStartObject("bug");
            w.WriteString("category", Category);
            w.WriteString("message", Message);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static readonly string[] Fields =
        ["format", "version", "model_version", "tool_version", "scenario", "scenario_source", "variant", "config", "exploration", "coyote_trace", "bug"];
    private static readonly string[] ExplorationFields = ["strategy", "seed", "iterations", "max_steps", "iteration"];
    private static readonly string[] BugFields = ["category", "message"];

    /// <summary>Reads a bundle strictly; any problem (corrupt, truncated, incompatible) is an <see cref="InputError"/> naming the file.</summary>
    public static TraceBundle Read(string path)
    {
        var text = InputError.ReadFile(path, "bundle");
        try
        {
            return Parse(text) with { FilePath = path };
        }
        catch (JsonException e)
        {
            var place = e.LineNumber is { } line ? $"line {line + 1}" : "JSON";
            throw new InputError($"{path}: {place}", "corrupt or truncated bundle (malformed JSON)");
        }
        catch (InputError e)
        {
            throw e.Within(path);
        }
    }

    public static TraceBundle Parse(string text)
    {
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InputError("$", $"expected a bundle object, found {OpCodec.Describe(root)}");
        foreach (var p in root.EnumerateObject())
        {
            if (!Fields.Contains(p.Name))
                throw new InputError(p.Name, "unknown field in a trace bundle");
        }
        if (OpCodec.OptString(root, "format", "$") != FormatName)
            throw new InputError("format", $"not a trace bundle (expected format \"{FormatName}\")");
        var version = Int(root, "version", "$");
        if (version != FormatVersion)
            throw new InputError("version", $"incompatible bundle format version {version} (this tool reads version {FormatVersion})");
        var modelVersion = Int(root, "model_version", "$");
        if (modelVersion != ModelInfo.ModelVersion)
            throw new InputError("model_version", $"incompatible bundle: recorded with model version {modelVersion}, this tool has model version {ModelInfo.ModelVersion}; its trace cannot replay here");
        var toolVersion = Str(root, "tool_version", "$");
        var source = Str(root, "scenario_source", "$");
        var scenarioElement = Get(root, "scenario", "$");
        Scenario scenario;
        try
        {
            scenario = ScenarioLoader.Parse(scenarioElement.GetRawText(), "scenario");
        }
        catch (InputError e)
        {
            throw new InputError($"embedded {e.Place}", e.Problem);
        }
        scenario = scenario with { Source = source };

        var variant = Str(root, "variant", "$");
        var configElement = Get(root, "config", "$");
        if (configElement.ValueKind != JsonValueKind.Object)
            throw new InputError("config", $"expected an object, found {OpCodec.Describe(configElement)}");
        var config = new Dictionary<string, bool>();
        foreach (var p in configElement.EnumerateObject())
        {
            if (!ScenarioLoader.ConfigSymbols.Contains(p.Name))
                throw new InputError($"config.{p.Name}", "unknown Kconfig symbol");
            config[p.Name] = OpCodec.OptBool(configElement, p.Name, "config")!.Value;
        }

        var ex = Get(root, "exploration", "$");
        CheckFields(ex, "exploration", ExplorationFields);
        var strategy = Str(ex, "strategy", "exploration");
        try
        {
            ExplorationStrategy.Validate(strategy);
        }
        catch (InputError)
        {
            throw new InputError("exploration.strategy", $"unknown strategy \"{strategy}\"");
        }
        var seed = OpCodec.OptLong(ex, "seed", "exploration", 0) ?? throw new InputError("exploration", "missing field \"seed\"");
        if (seed > uint.MaxValue)
            throw new InputError("exploration.seed", $"must be at most {uint.MaxValue}");
        var options = new ExploreOptions
        {
            Strategy = strategy,
            Seed = (uint)seed,
            Iterations = Int(ex, "iterations", "exploration", 1),
            MaxSteps = Int(ex, "max_steps", "exploration", 1),
            OutDir = null,
        };
        var iteration = Int(ex, "iteration", "exploration", 1);

        var trace = Get(root, "coyote_trace", "$");
        if (trace.ValueKind != JsonValueKind.Object)
            throw new InputError("coyote_trace", $"expected Coyote's reproducible trace object, found {OpCodec.Describe(trace)}");

        var bug = Get(root, "bug", "$");
        CheckFields(bug, "bug", BugFields);
        return new TraceBundle
        {
            ModelVersion = modelVersion,
            ToolVersion = toolVersion,
            Scenario = scenario,
            Variant = variant,
            Config = config,
            Options = options,
            Iteration = iteration,
            CoyoteTrace = trace.GetRawText(),
            Category = Str(bug, "category", "bug"),
            Message = Str(bug, "message", "bug"),
        };
    }

    private static JsonElement Get(JsonElement e, string field, string path) =>
        e.TryGetProperty(field, out var v) ? v : throw new InputError(path, $"missing field \"{field}\" (truncated or not a bundle?)");

    private static string Str(JsonElement e, string field, string path) =>
        OpCodec.OptString(e, field, path) ?? throw new InputError(path, $"missing field \"{field}\"");

    private static int Int(JsonElement e, string field, string path, int min = 0) =>
        OpCodec.OptInt(e, field, path, min) ?? throw new InputError(path, $"missing field \"{field}\"");

    private static void CheckFields(JsonElement e, string path, string[] allowed)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new InputError(path, $"expected an object, found {OpCodec.Describe(e)}");
        foreach (var p in e.EnumerateObject())
        {
            if (!allowed.Contains(p.Name))
                throw new InputError($"{path}.{p.Name}", "unknown field");
        }
    }
}
