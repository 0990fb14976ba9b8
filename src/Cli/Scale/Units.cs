using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hmm.Spec.Cli.Scale;

/// <summary>
/// One independent piece of a command's work (docs/results-format.md): a stable key, and how a JUnit report names it
/// (classname = command/scenario, name = the rest). <c>Spec</c> holds what the command needs to run it.
/// </summary>
internal sealed record WorkUnit(int Index, string Key, string ClassName, string TestName, JsonObject Spec);

/// <summary>How a unit ended.</summary>
internal static class UnitStatus
{
    /// <summary>Ran, found nothing (or, for catalog, measured).</summary>
    public const string Pass = "pass";
    /// <summary>Ran and found a bug.</summary>
    public const string Bug = "bug";
    /// <summary>Ran but could not decide (verify: budget spent, or executions past the step bound).</summary>
    public const string Incomplete = "incomplete";
    /// <summary>Did not run to its end: its worker crashed twice.</summary>
    public const string Error = "error";

    public static readonly string[] All = [Pass, Bug, Incomplete, Error];
}

/// <summary>
/// A bug a unit found, with its bundle: the file name it gets in the output directory, its text and SHA-256, and
/// the path it was written to (null until a merged run writes it; a shard writes no bundle).
/// </summary>
internal sealed class UnitBug
{
    public required string Category { get; init; }
    public required string Message { get; init; }
    public string? BundleFile { get; init; }
    public string? BundleText { get; init; }
    public string? BundleSha256 { get; init; }
    public string? BundlePath { get; set; }

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static UnitBug WithBundle(string category, string message, string? file, string? text) => new()
    {
        Category = category,
        Message = message,
        BundleFile = file,
        BundleText = text,
        BundleSha256 = text is null ? null : Sha256(text),
    };
}

/// <summary>
/// What running one unit gave: its status, bugs, the deterministic <c>Result</c> (the same on every run with the same
/// seeds: compared when a shard appears twice) and the <c>Measured</c> values that are not (times; stress counts).
/// </summary>
internal sealed class UnitOutcome
{
    public required int Index { get; init; }
    public required string Key { get; init; }
    public required string Status { get; set; }
    public int Attempts { get; set; } = 1;
    public long ElapsedMs { get; set; }
    public string? Error { get; set; }
    public List<UnitBug> Bugs { get; init; } = [];
    public JsonObject Result { get; init; } = [];
    public JsonObject Measured { get; init; } = [];

    public static UnitOutcome Failed(WorkUnit unit, int attempts, string error) => new()
    {
        Index = unit.Index,
        Key = unit.Key,
        Status = UnitStatus.Error,
        Attempts = attempts,
        Error = error,
    };

    public JsonObject ToJson() => new()
    {
        ["index"] = Index,
        ["key"] = Key,
        ["status"] = Status,
        ["attempts"] = Attempts,
        ["elapsed_ms"] = ElapsedMs,
        ["error"] = Error,
        ["bugs"] = new JsonArray(Bugs.Select(b => (JsonNode)new JsonObject
        {
            ["category"] = b.Category,
            ["message"] = b.Message,
            ["bundle"] = b.BundleText is null ? null : new JsonObject
            {
                ["file"] = b.BundleFile,
                ["path"] = b.BundlePath,
                ["sha256"] = b.BundleSha256,
                ["text"] = b.BundleText,
            },
        }).ToArray()),
        ["result"] = Result.DeepClone(),
        ["measured"] = Measured.DeepClone(),
    };

    /// <summary>Reads what <see cref="ToJson"/> wrote; a problem is a <see cref="FormatException"/> naming the field.</summary>
    public static UnitOutcome FromJson(JsonNode? node)
    {
        var o = node as JsonObject ?? throw new FormatException("a unit is not an object");
        var status = Json.Str(o, "status");
        if (!UnitStatus.All.Contains(status))
            throw new FormatException($"unknown unit status \"{Json.Short(status)}\"");
        var bugs = new List<UnitBug>();
        foreach (var b in Json.Arr(o, "bugs"))
        {
            var bug = b as JsonObject ?? throw new FormatException("a bug is not an object");
            var bundle = bug["bundle"] as JsonObject;
            var text = bundle is null ? null : Json.Str(bundle, "text");
            var sha = bundle is null ? null : Json.Str(bundle, "sha256");
            if (text is not null && UnitBug.Sha256(text) != sha)
                throw new FormatException("a bundle does not match its sha256 (edited or damaged)");
            bugs.Add(new UnitBug
            {
                Category = Json.Str(bug, "category"),
                Message = Json.Str(bug, "message"),
                BundleFile = bundle is null ? null : Json.Str(bundle, "file"),
                BundleText = text,
                BundleSha256 = sha,
                BundlePath = bundle?["path"]?.GetValue<string>(),
            });
        }
        return new UnitOutcome
        {
            Index = Json.Int(o, "index"),
            Key = Json.Str(o, "key"),
            Status = status,
            Attempts = Json.Int(o, "attempts"),
            ElapsedMs = Json.Long(o, "elapsed_ms"),
            Error = o["error"]?.GetValue<string>(),
            Bugs = bugs,
            Result = Json.Obj(o, "result"),
            Measured = Json.Obj(o, "measured"),
        };
    }
}

/// <summary>Strict accessors for the JSON this tool writes; anything else is a <see cref="FormatException"/>.</summary>
internal static class Json
{
    public static string Short(string s) => s.Length <= 60 ? s : s[..57] + "...";

    private static JsonNode Get(JsonObject o, string name) =>
        o[name] ?? throw new FormatException($"missing field \"{name}\"");

    public static string Str(JsonObject o, string name) =>
        Get(o, name) is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"field \"{name}\" is not a string");

    public static string? OptStr(JsonObject o, string name) => o[name] is null ? null : Str(o, name);

    public static long Long(JsonObject o, string name) =>
        Get(o, name) is JsonValue v && WholeNumber(v) is { } l ? l : throw new FormatException($"field \"{name}\" is not a whole number");

    /// <summary>A number node as a long, whether it was parsed or built in memory (of any integral type).</summary>
    private static long? WholeNumber(JsonValue v)
    {
        if (v.TryGetValue<long>(out var l))
            return l;
        if (v.TryGetValue<int>(out var i))
            return i;
        if (v.TryGetValue<uint>(out var u))
            return u;
        if (v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 1e15)
            return (long)d;
        return null;
    }

    public static int Int(JsonObject o, string name)
    {
        var l = Long(o, name);
        return l is >= int.MinValue and <= int.MaxValue ? (int)l : throw new FormatException($"field \"{name}\" is out of range");
    }

    public static double Double(JsonObject o, string name) =>
        Get(o, name) is JsonValue v && (v.TryGetValue<double>(out var d) || (WholeNumber(v) is { } l && (d = l) == l))
            ? d
            : throw new FormatException($"field \"{name}\" is not a number");

    public static bool Bool(JsonObject o, string name) =>
        Get(o, name) is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw new FormatException($"field \"{name}\" is not true or false");

    public static JsonObject Obj(JsonObject o, string name) =>
        Get(o, name) as JsonObject ?? throw new FormatException($"field \"{name}\" is not an object");

    public static JsonArray Arr(JsonObject o, string name) =>
        Get(o, name) as JsonArray ?? throw new FormatException($"field \"{name}\" is not an array");

    public static IEnumerable<string> Strs(JsonObject o, string name) =>
        Arr(o, name).Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"field \"{name}\" holds a non-string"));

    /// <summary>Compact, in the order the properties were written (the tool writes them in one fixed order).</summary>
    public static string Canonical(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    public static string Sha256(JsonNode node) => UnitBug.Sha256(Canonical(node));
}
