using System.Text.RegularExpressions;
using System.Text.Json.Nodes;

namespace Hmm.Spec.Actors.Tests.Scale;

/// <summary>docs/results.schema.json describes the results files the tool writes (checked with the schema keywords it uses).</summary>
public sealed class ResultsSchemaTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-results-schema-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static JsonObject Schema()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Hmm.Spec.sln")))
            d = d.Parent;
        d.Should().NotBeNull("the tests run inside the repository");
        return JsonNode.Parse(File.ReadAllText(Path.Combine(d!.FullName, "docs", "results.schema.json")))!.AsObject();
    }

    [Fact]
    public void Explore_and_verify_results_files_follow_the_schema()
    {
        var schema = Schema();
        var explore = Path.Combine(dir, "explore.json");
        ScaleSupport.Run("explore", "--scenario", "fault-vs-fault", "--scenario", "anon-teardown", "--iterations", "30", "--jobs", "1",
            "--out", Path.Combine(dir, "out"), "--results", explore).ExitCode.Should().Be(1);
        var verify = Path.Combine(dir, "verify.json");
        ScaleSupport.Run("verify", "--scenario", "fault-vs-fault", "--preemptions", "1", "--shard", "1/2", "--results", verify, "--jobs", "1")
            .ExitCode.Should().BeOneOf(0, 1);
        foreach (var file in new[] { explore, verify })
        {
            var errors = new List<string>();
            Validate(schema, JsonNode.Parse(File.ReadAllText(file)), "$", schema, errors);
            errors.Should().BeEmpty(file);
        }
        // verify's per-piece records (format version 2).
        var verifyResult = schema["$defs"]!["verify_result"]!.AsObject();
        var units = JsonNode.Parse(File.ReadAllText(verify))!["units"]!.AsArray();
        units.Should().NotBeEmpty();
        foreach (var unit in units)
        {
            var errors = new List<string>();
            Validate(verifyResult, unit!["result"], "$.result", schema, errors);
            errors.Should().BeEmpty(unit["key"]!.GetValue<string>());
        }
        units.SelectMany(u => u!["result"]!["levels"]!.AsArray()).SelectMany(l => l!["pieces"]!.AsArray())
            .Should().Contain(p => p![0]!.AsArray().Count == 3, "the root's subtree is split into pieces");
        var oldStyle = JsonNode.Parse(units[0]!["result"]!.ToJsonString())!;
        oldStyle["levels"]![0]!["pieces"] = JsonNode.Parse("[[-1, 1, 0, 0]]");
        var refused = new List<string>();
        Validate(verifyResult, oldStyle, "$.result", schema, refused);
        refused.Should().ContainSingle().Which.Should().Contain("pieces[0][0]", "a piece is [key, executions, pruned, step-bound], its key an array");
        // And the validator can fail: a results file without its shard is refused.
        var broken = JsonNode.Parse(File.ReadAllText(explore))!.AsObject();
        broken.Remove("shard");
        var found = new List<string>();
        Validate(schema, broken, "$", schema, found);
        found.Should().ContainSingle().Which.Should().Contain("shard");
    }

    /// <summary>The keywords the schema uses: $ref, type, const, enum, required, properties, additionalProperties, items, prefixItems, minItems, maxItems, minimum, maximum, pattern.</summary>
    private static void Validate(JsonObject s, JsonNode? v, string path, JsonObject root, List<string> errors)
    {
        if (s["$ref"] is { } r)
        {
            var target = r.GetValue<string>().TrimStart('#', '/').Split('/').Aggregate((JsonNode)root, (n, k) => n[k]!);
            Validate(target.AsObject(), v, path, root, errors);
            return;
        }
        if (s["type"] is { } t)
        {
            var types = t is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToArray() : [t.GetValue<string>()];
            var kind = v switch
            {
                null => "null",
                JsonObject => "object",
                JsonArray => "array",
                JsonValue x when x.GetValueKind() == System.Text.Json.JsonValueKind.String => "string",
                JsonValue x when x.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
                JsonValue x when x.GetValueKind() == System.Text.Json.JsonValueKind.Number => x.ToJsonString().Contains('.') ? "number" : "integer",
                _ => "?",
            };
            if (!types.Contains(kind) && !(kind == "integer" && types.Contains("number")))
            {
                errors.Add($"{path}: {kind}, expected {string.Join("|", types)}");
                return;
            }
        }
        if (s["const"] is { } c && !JsonNode.DeepEquals(c, v))
            errors.Add($"{path}: not {c.ToJsonString()}");
        if (s["enum"] is JsonArray e && !e.Any(x => JsonNode.DeepEquals(x, v)))
            errors.Add($"{path}: {v?.ToJsonString()} not in {e.ToJsonString()}");
        if (v is JsonValue num && num.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            var d = num.GetValue<double>();
            if (s["minimum"] is { } min && d < min.GetValue<double>())
                errors.Add($"{path}: below the minimum");
            if (s["maximum"] is { } max && d > max.GetValue<double>())
                errors.Add($"{path}: above the maximum");
        }
        if (s["pattern"] is { } p && v is JsonValue str && str.GetValueKind() == System.Text.Json.JsonValueKind.String
            && !Regex.IsMatch(str.GetValue<string>(), p.GetValue<string>()))
            errors.Add($"{path}: does not match {p}");
        if (v is JsonObject o)
        {
            foreach (var req in (s["required"] as JsonArray ?? []).Select(x => x!.GetValue<string>()))
            {
                if (!o.ContainsKey(req))
                    errors.Add($"{path}: missing {req}");
            }
            var props = s["properties"] as JsonObject;
            foreach (var (name, value) in o)
            {
                if (props?[name] is JsonObject ps)
                    Validate(ps, value, $"{path}.{name}", root, errors);
                else if (s["additionalProperties"] is JsonValue ap && !ap.GetValue<bool>())
                    errors.Add($"{path}.{name}: not allowed");
            }
        }
        if (v is JsonArray arr)
        {
            if (s["minItems"] is { } minItems && arr.Count < minItems.GetValue<int>())
                errors.Add($"{path}: fewer than {minItems} items");
            if (s["maxItems"] is { } maxItems && arr.Count > maxItems.GetValue<int>())
                errors.Add($"{path}: more than {maxItems} items");
            var prefix = s["prefixItems"] as JsonArray ?? [];
            for (var i = 0; i < arr.Count; i++)
            {
                if (i < prefix.Count)
                    Validate(prefix[i]!.AsObject(), arr[i], $"{path}[{i}]", root, errors);
                else if (s["items"] is JsonObject items)
                    Validate(items, arr[i], $"{path}[{i}]", root, errors);
            }
        }
    }
}
