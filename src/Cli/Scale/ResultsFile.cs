using System.Text.Json;
using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Exploration;
using Hmm.Spec.Actors.Input;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Cli.Scale;

/// <summary>A shard's place in the work: part <c>Index</c> of <c>Count</c> (0-based); unit <c>u</c> belongs to shard <c>u mod Count</c>.</summary>
internal readonly record struct ShardId(int Index, int Count)
{
    public bool Holds(int unit) => unit % Count == Index;

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Parses <c>I/N</c>; anything else is an <see cref="InputError"/> for <paramref name="option"/>.</summary>
    public static ShardId Parse(string text, string option = "--shard")
    {
        var m = System.Text.RegularExpressions.Regex.Match(text, @"^\s*(\d{1,9})\s*/\s*(\d{1,9})\s*$");
        if (!m.Success || !int.TryParse(m.Groups[1].Value, out var i) || !int.TryParse(m.Groups[2].Value, out var n) || n < 1 || i >= n)
            throw new InputError(option, $"expected I/N with 0 <= I < N, e.g. 0/4 for the first of four shards; found \"{Excerpt.Of(text)}\"");
        return new ShardId(i, n);
    }
}

/// <summary>
/// The results file (docs/results-format.md, docs/results.schema.json): format name and version, the tool and model
/// versions, the work definition and its digest, the shard, how the run went, and each unit's outcome.
/// </summary>
internal static class ResultsFile
{
    public const string FormatName = "hmm-spec-results";
    public const int FormatVersion = 2;

    public static JsonObject Create(Work work, ShardId shard, IReadOnlyList<UnitOutcome> outcomes, long wallMs, int jobs, string commandLine) => new()
    {
        ["format"] = FormatName,
        ["version"] = FormatVersion,
        ["tool_version"] = ModelInfo.ToolVersion,
        ["model_version"] = ModelInfo.ModelVersion,
        ["command"] = work.Command,
        ["command_line"] = commandLine,
        ["work"] = new JsonObject
        {
            ["sha256"] = work.Hash,
            ["units"] = work.Units.Count,
            ["definition"] = work.Definition.DeepClone(),
        },
        ["shard"] = new JsonObject { ["index"] = shard.Index, ["count"] = shard.Count },
        ["run"] = new JsonObject
        {
            ["jobs"] = jobs,
            ["wall_ms"] = wallMs,
            ["finished_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["host"] = Environment.MachineName,
        },
        ["units"] = new JsonArray(outcomes.Select(o => (JsonNode)o.ToJson()).ToArray()),
    };

    public static string Render(JsonObject results) =>
        results.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    /// <summary>A results file read back and checked.</summary>
    public sealed record Loaded(string Path, JsonObject Root, string Command, string Hash, ShardId Shard, JsonObject Definition,
        IReadOnlyList<WorkUnit> Units, IReadOnlyList<UnitOutcome> Outcomes, long WallMs, string CommandLine);

    /// <summary>
    /// Reads and checks a results file. Every problem (not JSON, truncated, another format or version, another tool or
    /// model version, units that do not fit the shard) is an <see cref="InputError"/> naming the file: one line, exit 2.
    /// </summary>
    public static Loaded Read(string path)
    {
        var text = JsonInput.ReadFile(path, "results file");
        try
        {
            using var doc = JsonInput.Parse(text, "corrupt or truncated results file (malformed JSON)");
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InputError("$", "not a hmm-spec results file (expected a JSON object)");
            var root = JsonNode.Parse(text) as JsonObject ?? throw new InputError("$", "not a hmm-spec results file");
            return Check(path, root);
        }
        catch (InputError e)
        {
            throw e.Within(path);
        }
        catch (FormatException e)
        {
            throw new InputError(path, $"not a valid results file: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException)
        {
            throw new InputError(path, $"not a valid results file: {Excerpt.Clean(e.Message)}");
        }
    }

    private static Loaded Check(string path, JsonObject root)
    {
        if (root["format"] is not JsonValue f || !f.TryGetValue<string>(out var format) || format != FormatName)
            throw new InputError("format", $"not a hmm-spec results file (expected format \"{FormatName}\")");
        var version = Json.Int(root, "version");
        if (version != FormatVersion)
            throw new InputError("version", $"results format version {version}; this tool reads version {FormatVersion}: run every shard and the merge with one build");
        var tool = Json.Str(root, "tool_version");
        var model = Json.Int(root, "model_version");
        if (tool != ModelInfo.ToolVersion || model != ModelInfo.ModelVersion)
            throw new InputError("tool_version", $"written by hmm-spec {Excerpt.Of(tool)} (model version {model}); this is hmm-spec {ModelInfo.ToolVersion} (model version {ModelInfo.ModelVersion}): run every shard and the merge with one build");
        var command = Json.Str(root, "command");
        var work = Json.Obj(root, "work");
        var hash = Json.Str(work, "sha256");
        var definition = Json.Obj(work, "definition");
        if (Json.Str(definition, "command") != command)
            throw new FormatException("the work definition is of another command");
        var units = Work.UnitsOf(definition);
        if (Json.Int(work, "units") != units.Count)
            throw new FormatException("the unit count does not match the work definition");
        var shardObj = Json.Obj(root, "shard");
        var (index, count) = (Json.Int(shardObj, "index"), Json.Int(shardObj, "count"));
        if (count < 1 || index < 0 || index >= count)
            throw new InputError("shard", $"{index}/{count} is not a shard (0 <= I < N)");
        var shard = new ShardId(index, count);
        var outcomes = Json.Arr(root, "units").Select(UnitOutcome.FromJson).ToArray();
        var expected = units.Where(u => shard.Holds(u.Index)).ToArray();
        if (outcomes.Length != expected.Length)
            throw new InputError("units", $"shard {shard} of this work has {expected.Length} unit(s), the file holds {outcomes.Length} (truncated or edited?)");
        foreach (var (o, u) in outcomes.Zip(expected))
        {
            if (o.Index != u.Index || o.Key != u.Key)
                throw new InputError("units", $"unit {o.Index} (\"{Excerpt.Of(o.Key)}\") is not unit {u.Index} (\"{Excerpt.Of(u.Key)}\") of shard {shard}");
        }
        var run = Json.Obj(root, "run");
        return new Loaded(path, root, command, hash, shard, definition, units, outcomes, Json.Long(run, "wall_ms"), Json.Str(root, "command_line"));
    }
}
