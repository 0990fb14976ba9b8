using System.Text;
using System.Text.Json;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Input;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Input;
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
    /// <summary>Coyote's <c>TestingEngine.ReproducibleTrace</c> (JSON text); empty in a verify bundle.</summary>
    public required string CoyoteTrace { get; init; }
    /// <summary>
    /// A verify bundle's schedule (<c>exploration.strategy</c> "verify"): the actor index chosen at each scheduling
    /// decision, replayed by the verify scheduler instead of Coyote. Null in an explore bundle.
    /// </summary>
    public IReadOnlyList<int>? VerifySchedule { get; init; }
    /// <summary>A verify bundle's preemption bound (the smallest that reaches the bug).</summary>
    public int? Preemptions { get; init; }

    /// <summary>The strategy name a verify bundle carries.</summary>
    public const string VerifyStrategy = "verify";
    public required string Category { get; init; }
    public required string Message { get; init; }
    /// <summary>The file it was read from (null for a bundle built in memory), for messages.</summary>
    public string? FilePath { get; init; }
    /// <summary>
    /// Whether the bundle carried <c>coyote_trace_sha256</c> (and it matched). Bundles written before the checksum
    /// existed have none; they are still read, and replay says that edits to their trace cannot be ruled out.
    /// </summary>
    public bool TraceVerified { get; init; } = true;

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

    /// <summary>A bundle for a bug that <c>verify</c> found at preemption bound <paramref name="preemptions"/>.</summary>
    public static TraceBundle CreateVerified(ScenarioPlan plan, int preemptions, IReadOnlyList<int> schedule, string category, string message) => new()
    {
        ModelVersion = ModelInfo.ModelVersion,
        ToolVersion = ModelInfo.ToolVersion,
        Scenario = plan.Scenario,
        Variant = plan.Variant.Name,
        Config = plan.ConfigSymbols,
        Options = new ExploreOptions { Strategy = VerifyStrategy, Seed = (uint)preemptions, Iterations = 1, OutDir = null },
        Iteration = 1,
        CoyoteTrace = "",
        VerifySchedule = schedule,
        Preemptions = preemptions,
        Category = category,
        Message = message,
    };

    /// <summary>The bundle's file name: <c>SCENARIO.VARIANT.STRATEGY.RUN.hmmtrace.json</c>, RUN being <c>sSEED</c> (explore) or <c>kK</c> (verify).</summary>
    public static string FileName(string scenario, string variant, string strategy, uint seed) =>
        $"{scenario}.{variant}.{strategy}.s{seed}{FileSuffix}";

    /// <summary>A verify bundle's file name: <c>SCENARIO.VARIANT.verify.kK.hmmtrace.json</c>.</summary>
    public static string VerifyFileName(string scenario, string variant, int preemptions) =>
        $"{scenario}.{variant}.{VerifyStrategy}.k{preemptions}{FileSuffix}";

    private string OwnFileName => VerifySchedule is null
        ? FileName(Scenario.Name, Variant, Options.Strategy, Options.Seed)
        : VerifyFileName(Scenario.Name, Variant, Preemptions ?? 0);

    /// <summary>
    /// Writes <c>DIR/</c><see cref="FileName"/> whole or not at all and returns its path. A different bundle already
    /// at that name (another scenario file with the same name, another process on the same directory) is never
    /// replaced: this one gets the next free <c>.2</c>, <c>.3</c>, ... (<see cref="AtomicFile.WriteNew"/>).
    /// </summary>
    public string WriteTo(string dir)
    {
        Directory.CreateDirectory(dir);
        return AtomicFile.WriteNew(Path.Combine(dir, OwnFileName), FileSuffix, ToJson());
    }

    /// <summary>
    /// <see cref="WriteTo"/>, or, when the bundle cannot be written, the reason and the bundle's full text: the
    /// caller prints it instead, so a found bug is never lost.
    /// </summary>
    public (string? Path, string? Error, string? Json) TryWriteTo(string dir) => TryWrite(dir, OwnFileName, ToJson);

    /// <summary>
    /// <see cref="TryWriteTo"/> for a bundle already rendered (<paramref name="fileName"/>, <paramref name="json"/>):
    /// scale-out writes the bundles a merged run reports from the text its units produced.
    /// </summary>
    public static (string? Path, string? Error, string? Json) TryWrite(string dir, string fileName, string json) =>
        TryWrite(dir, fileName, () => json);

    private static (string? Path, string? Error, string? Json) TryWrite(string dir, string fileName, Func<string> json)
    {
        try
        {
            Directory.CreateDirectory(dir);
            return (AtomicFile.WriteNew(Path.Combine(dir, fileName), FileSuffix, json()), null, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or InputError)
        {
            return (null, e.Message, json());
        }
    }

    /// <summary>The name <see cref="WriteTo"/> gives this bundle.</summary>
    public string FileNameInDirectory => OwnFileName;

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
            if (Preemptions is { } bound)
                w.WriteNumber("preemptions", bound);
            w.WriteEndObject();
            if (VerifySchedule is { } schedule)
            {
                w.WriteStartArray("verify_schedule");
                foreach (var actor in schedule)
                    w.WriteNumberValue(actor);
                w.WriteEndArray();
                w.WriteString(VerifyScheduleChecksumField, ScheduleChecksum(schedule));
            }
            else
            {
                w.WritePropertyName("coyote_trace");
                using var trace = JsonDocument.Parse(CoyoteTrace);
                trace.RootElement.WriteTo(w);
                w.WriteString(CoyoteTraceShape.ChecksumField, CoyoteTraceShape.Checksum(trace.RootElement));
            }
            w.WriteStartObject("bug");
            w.WriteString("category", Category);
            w.WriteString("message", Message);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static readonly string[] Fields =
        ["format", "version", "model_version", "tool_version", "scenario", "scenario_source", "variant", "config", "exploration", "coyote_trace", CoyoteTraceShape.ChecksumField, "verify_schedule", VerifyScheduleChecksumField, "bug"];
    private static readonly string[] ExplorationFields = ["strategy", "seed", "iterations", "max_steps", "iteration", "preemptions"];
    private static readonly string[] BugFields = ["category", "message"];

    /// <summary>Reads a bundle strictly; any problem (corrupt, truncated, incompatible) is an <see cref="InputError"/> naming the file.</summary>
    public static TraceBundle Read(string path)
    {
        var text = JsonInput.ReadFile(path, "trace bundle file");
        try
        {
            return Parse(text) with { FilePath = path };
        }
        catch (InputError e)
        {
            throw e.Within(path);
        }
    }

    /// <summary>Parses bundle text; every problem is an <see cref="InputError"/> whose place is a JSON path or a line.</summary>
    public static TraceBundle Parse(string text)
    {
        try
        {
            return ParseChecked(text);
        }
        catch (InputError e)
        {
            // The shared op codec echoes what it found; keep that to an excerpt.
            throw new InputError(Excerpt.Clean(e.Place), Excerpt.Clean(e.Problem));
        }
    }

    private static TraceBundle ParseChecked(string text)
    {
        using var doc = JsonInput.Parse(text, "corrupt or truncated bundle (malformed JSON)");
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InputError("$", $"expected a bundle object, found {OpCodec.Describe(root)}");
        if (root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String && f.GetString() == Scenario.FormatName)
            throw new InputError("format", "this is a scenario, not a trace bundle (explore it with: hmm-spec explore --scenario FILE)");
        foreach (var p in root.EnumerateObject())
        {
            if (!Fields.Contains(p.Name))
                throw new InputError(Excerpt.Of(p.Name), "unknown field in a trace bundle");
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
        var verified = strategy == VerifyStrategy;
        try
        {
            if (!verified)
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
        if (options.MaxSteps > ExploreOptions.MaxMaxSteps)
            throw new InputError("exploration.max_steps", $"at most {ExploreOptions.MaxMaxSteps}, found {options.MaxSteps}");
        var iteration = Int(ex, "iteration", "exploration", 1);
        if (iteration > options.Iterations)
            throw new InputError("exploration.iteration", $"the bug's iteration {iteration} is past the run's {options.Iterations} iterations");

        string coyoteTrace = "";
        IReadOnlyList<int>? schedule = null;
        int? preemptions = null;
        bool checksummed;
        if (verified)
        {
            if (root.TryGetProperty("coyote_trace", out _))
                throw new InputError("coyote_trace", "a verify bundle replays its verify_schedule, not a Coyote trace");
            preemptions = Int(ex, "preemptions", "exploration");
            schedule = ReadSchedule(Get(root, "verify_schedule", "$"), scenario.Actors.Count);
            var sum = Str(root, VerifyScheduleChecksumField, "$");
            if (sum != ScheduleChecksum(schedule))
                throw new InputError(VerifyScheduleChecksumField, "the verify schedule does not match its checksum (edited or damaged bundle)");
            checksummed = true;
        }
        else
        {
            if (root.TryGetProperty("verify_schedule", out _) || ex.TryGetProperty("preemptions", out _))
                throw new InputError("verify_schedule", "only a verify bundle (exploration.strategy \"verify\") has a verify schedule");
            var trace = Get(root, "coyote_trace", "$");
            checksummed = CoyoteTraceShape.Check(trace, root);
            coyoteTrace = trace.GetRawText();
        }

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
            CoyoteTrace = coyoteTrace,
            VerifySchedule = schedule,
            Preemptions = preemptions,
            Category = Str(bug, "category", "bug"),
            Message = Str(bug, "message", "bug"),
            TraceVerified = checksummed,
        };
    }

    /// <summary>The field holding the SHA-256 of a verify bundle's schedule (lower-case hex of its decisions, comma-separated).</summary>
    public const string VerifyScheduleChecksumField = "verify_schedule_sha256";

    private static string ScheduleChecksum(IReadOnlyList<int> schedule) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(string.Join(",", schedule))));

    private static int[] ReadSchedule(JsonElement e, int actors)
    {
        if (e.ValueKind != JsonValueKind.Array)
            throw new InputError("verify_schedule", $"expected an array of actor indices, found {OpCodec.Describe(e)}");
        var schedule = new int[e.GetArrayLength()];
        var i = 0;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var actor) || actor < 0 || actor >= actors)
                throw new InputError($"verify_schedule[{i}]", $"expected an actor index from 0 to {actors - 1}, found {OpCodec.Describe(item)}");
            schedule[i++] = actor;
        }
        return schedule;
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
