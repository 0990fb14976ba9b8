using System.Text.Json;
using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Tests.Scenarios;

/// <summary>docs/scenario.schema.json and the loader agree on every op's required and allowed fields.</summary>
public sealed class SchemaTests
{
    private static JsonNode Schema()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hmm.Spec.sln")))
            dir = dir.Parent;
        dir.Should().NotBeNull("the tests run inside the repository");
        return JsonNode.Parse(File.ReadAllText(Path.Combine(dir!.FullName, "docs", "scenario.schema.json")))!;
    }

    private static IEnumerable<JsonObject> OpSchemas() =>
        Schema()["$defs"]!["op"]!["oneOf"]!.AsArray().Select(n => n!.AsObject());

    private static JsonNode SampleValue(string field) => field switch
    {
        "mm" or "child" => JsonValue.Create(field == "mm" ? "A" : "B"),
        "prot" => JsonValue.Create("r"),
        "shared" or "privileged" => JsonValue.Create(false),
        "file" => JsonValue.Create("F"),
        _ => JsonValue.Create(1),
    };

    [Fact]
    public void The_schema_names_every_op_kind_once()
    {
        var names = OpSchemas().Select(o => o["properties"]!["op"]!["const"]!.GetValue<string>()).ToArray();
        names.Should().BeEquivalentTo(OpKinds.AllWireNames);
        names.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void Each_op_with_the_schema_required_fields_loads_and_without_any_one_of_them_does_not()
    {
        foreach (var op in OpSchemas())
        {
            var name = op["properties"]!["op"]!["const"]!.GetValue<string>();
            var required = op["required"]!.AsArray().Select(n => n!.GetValue<string>()).Where(f => f != "op").ToArray();
            var optional = op["properties"]!.AsObject().Select(p => p.Key).Except(required).Except(["op", "expect"]).ToArray();

            var full = new JsonObject { ["op"] = name };
            foreach (var f in required.Concat(optional))
                full[f] = SampleValue(f);
            var act = () => OpCodec.ReadOp(JsonDocument.Parse(full.ToJsonString()).RootElement, "op", "expect");
            act.Should().NotThrow($"{name} with every field the schema allows: {full.ToJsonString()}");

            foreach (var missing in required)
            {
                var partial = JsonNode.Parse(full.ToJsonString())!.AsObject();
                partial.Remove(missing);
                var bad = () => OpCodec.ReadOp(JsonDocument.Parse(partial.ToJsonString()).RootElement, "op", "expect");
                bad.Should().Throw<InputError>($"{name} without {missing}").Which.Problem.Should().Contain(missing);
            }

            var extra = JsonNode.Parse(full.ToJsonString())!.AsObject();
            extra["bogus"] = 1;
            var unknown = () => OpCodec.ReadOp(JsonDocument.Parse(extra.ToJsonString()).RootElement, "op", "expect");
            unknown.Should().Throw<InputError>($"{name} with a field the schema does not allow");
        }
    }

    [Fact]
    public void The_schema_lists_the_loader_config_symbols()
    {
        var symbols = Schema()["properties"]!["config"]!["properties"]!.AsObject().Select(p => p.Key);
        symbols.Should().BeEquivalentTo(ScenarioLoader.ConfigSymbols);
    }
}
