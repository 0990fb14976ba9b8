using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hmm.Spec.Actors.Input;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Coyote;

namespace Hmm.Spec.Actors.Bundles;

/// <summary>
/// The shape of Coyote 1.7.11's reproducible trace, checked before Coyote sees it: Coyote trusts the text and
/// fails with an unhandled exception on a missing <c>Settings</c>, an unknown strategy or a step it cannot parse.
/// Also the trace's checksum, which lets replay tell an edited trace from a fixed bug.
/// </summary>
public static partial class CoyoteTraceShape
{
    private static readonly string[] TopFields = ["TestName", "CoyoteVersion", "Settings", "Steps"];

    private static readonly string[] StringSettings = ["Strategy", "PortfolioMode"];
    private static readonly string[] BoolSettings =
    [
        "IsLivenessCheckingEnabled", "IsCollectionAccessRaceCheckingEnabled", "IsLockAccessRaceCheckingEnabled",
        "IsAtomicOperationRaceCheckingEnabled", "IsVolatileOperationRaceCheckingEnabled", "IsMemoryAccessRaceCheckingEnabled",
        "IsControlFlowRaceCheckingEnabled", "IsPartiallyControlledConcurrencyAllowed", "IsPartiallyControlledDataNondeterminismAllowed",
    ];
    private static readonly string[] CountSettings =
    [
        "StrategyBound", "Seed", "MaxFairSchedulingSteps", "MaxUnfairSchedulingSteps", "TimeoutDelay", "DeadlockTimeout",
        "LivenessTemperatureThreshold", "UncontrolledConcurrencyResolutionAttempts", "UncontrolledConcurrencyResolutionDelay",
    ];

    /// <summary>The names Coyote's <c>ExplorationStrategyExtensions.FromName</c> and <c>PortfolioModeExtensions.FromString</c> accept.</summary>
    private static readonly string[] Strategies =
        ["random", "probabilistic", "prioritization", "fair-prioritization", "delay-bounding", "fair-delay-bounding", "q-learning", "dfs"];
    private static readonly string[] PortfolioModes = ["none", "fair", "unfair"];

    /// <summary>Coyote's scheduling-point names, read from the pinned assembly (the enum is internal to it).</summary>
    private static readonly HashSet<string> SchedulingPoints = typeof(Configuration).Assembly
        .GetType("Microsoft.Coyote.Runtime.SchedulingPointType") is { IsEnum: true } t
        ? Enum.GetNames(t).ToHashSet(StringComparer.Ordinal)
        : [];

    [GeneratedRegex(@"^op\((\d{1,20}):(\d{1,20})\),(?:sp\(([A-Za-z]+)\),next\((\d{1,20}):(\d{1,20})\)|bool\((?:true|false)\)|int\((-?\d{1,10})\))$")]
    private static partial Regex StepPattern();

    /// <summary>The bundle field holding <see cref="Checksum"/> of <c>coyote_trace</c>.</summary>
    public const string ChecksumField = "coyote_trace_sha256";

    /// <summary>
    /// <see cref="Validate"/>s a bundle's trace, then verifies it against the bundle's <see cref="ChecksumField"/>.
    /// Returns false for a bundle written before checksums (no field); a wrong or malformed checksum is an error.
    /// </summary>
    public static bool Check(JsonElement trace, JsonElement bundle)
    {
        Validate(trace);
        if (!bundle.TryGetProperty(ChecksumField, out var sum))
            return false;
        if (sum.ValueKind != JsonValueKind.String || sum.GetString()!.Length != 64 || !sum.GetString()!.All(char.IsAsciiHexDigitLower))
            throw new InputError(ChecksumField, $"expected 64 lower-case hex digits, found {Describe(sum)}");
        if (sum.GetString() != Checksum(trace))
            throw new InputError("coyote_trace", $"the trace does not match its checksum {ChecksumField}: the bundle was edited or damaged, and its replay would prove nothing");
        return true;
    }

    /// <summary>Throws an <see cref="InputError"/> (place under <c>coyote_trace</c>) unless the trace can be handed to Coyote.</summary>
    public static void Validate(JsonElement trace)
    {
        const string at = "coyote_trace";
        if (trace.ValueKind != JsonValueKind.Object)
            throw new InputError(at, $"expected Coyote's reproducible trace object, found {Describe(trace)}");
        foreach (var p in trace.EnumerateObject())
        {
            if (!TopFields.Contains(p.Name))
                throw new InputError($"{at}.{Excerpt.Of(p.Name)}", "unknown field in Coyote's trace");
        }
        foreach (var f in new[] { "TestName", "CoyoteVersion" })
        {
            if (trace.TryGetProperty(f, out var v) && v.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                throw new InputError($"{at}.{f}", $"expected a string, found {Describe(v)}");
        }
        ValidateSettings(Required(trace, "Settings", at), $"{at}.Settings");

        var steps = Required(trace, "Steps", at);
        if (steps.ValueKind != JsonValueKind.Array)
            throw new InputError($"{at}.Steps", $"expected an array of scheduling decisions, found {Describe(steps)}");
        var i = 0;
        foreach (var step in steps.EnumerateArray())
        {
            ValidateStep(step, $"{at}.Steps[{i}]");
            i++;
        }
    }

    private static void ValidateSettings(JsonElement s, string at)
    {
        if (s.ValueKind != JsonValueKind.Object)
            throw new InputError(at, $"expected an object, found {Describe(s)}");
        foreach (var p in s.EnumerateObject())
        {
            if (!StringSettings.Contains(p.Name) && !BoolSettings.Contains(p.Name) && !CountSettings.Contains(p.Name))
                throw new InputError($"{at}.{Excerpt.Of(p.Name)}", "unknown Coyote setting");
        }
        CheckName(Required(s, "Strategy", at), $"{at}.Strategy", Strategies);
        CheckName(Required(s, "PortfolioMode", at), $"{at}.PortfolioMode", PortfolioModes);
        foreach (var f in BoolSettings)
        {
            var v = Required(s, f, at);
            if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw new InputError($"{at}.{f}", $"expected true or false, found {Describe(v)}");
        }
        foreach (var f in CountSettings)
        {
            var v = Required(s, f, at);
            // Coyote reads these as 32-bit counts (StrategyBound as a signed one).
            var max = f == "StrategyBound" ? int.MaxValue : uint.MaxValue;
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n) || n < 0 || n > max)
                throw new InputError($"{at}.{f}", $"expected an integer from 0 to {max}, found {Describe(v)}");
        }
    }

    private static void CheckName(JsonElement v, string at, string[] known)
    {
        if (v.ValueKind != JsonValueKind.String || !known.Contains(v.GetString()))
            throw new InputError(at, $"expected one of {string.Join(", ", known)}, found {Describe(v)}");
    }

    private static void ValidateStep(JsonElement step, string at)
    {
        if (step.ValueKind != JsonValueKind.String)
            throw new InputError(at, $"expected a scheduling decision such as \"op(0:1),sp(Write),next(0:1)\", found {Describe(step)}");
        var m = StepPattern().Match(step.GetString()!);
        var ok = m.Success
            && ulong.TryParse(m.Groups[1].Value, out _) && ulong.TryParse(m.Groups[2].Value, out _)
            && (!m.Groups[3].Success || ((SchedulingPoints.Count == 0 || SchedulingPoints.Contains(m.Groups[3].Value))
                && ulong.TryParse(m.Groups[4].Value, out _) && ulong.TryParse(m.Groups[5].Value, out _)))
            && (!m.Groups[6].Success || int.TryParse(m.Groups[6].Value, out _));
        if (!ok)
            throw new InputError(at, $"not a scheduling decision Coyote can replay: {Describe(step)}");
    }

    /// <summary>
    /// SHA-256 (lower-case hex) of the trace's canonical text: the JSON re-written compactly, so indentation and
    /// line endings do not matter but any change of a value, step or key does.
    /// </summary>
    public static string Checksum(JsonElement trace)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
            trace.WriteTo(w);
        return Convert.ToHexStringLower(SHA256.HashData(ms.ToArray()));
    }

    private static JsonElement Required(JsonElement e, string field, string at) =>
        e.TryGetProperty(field, out var v) ? v : throw new InputError(at, $"missing field \"{field}\"");

    private static string Describe(JsonElement e) => Excerpt.Of(OpCodec.Describe(e));
}
