using Hmm.Spec.Actors.CoyoteTests;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Input;
using Hmm.Spec.Model;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Coyote.SystematicTesting;

namespace Hmm.Spec.Actors.Tests.Scenarios;

public sealed class ScenarioLoaderTests
{
    private const string Valid = """
        {
          "format": "hmm-scenario", "version": 1, "name": "t",
          "machine": { "ram_pages": 4, "device_pages": 2, "device_start_pfn": 64 },
          "setup": [ { "op": "mmap", "mm": "A", "page": 0, "pages": 1 } ],
          "actors": [ { "name": "cpu0", "ops": [ { "op": "read", "mm": "A", "page": 0, "expect": { "value": 0 } } ] } ]
        }
        """;

    [Fact]
    public void Issue_4_lists_at_least_these_built_in_scenarios()
    {
        BuiltinScenarios.Names.Should().Contain([
            "fault-vs-madvise-dontneed", "fault-vs-fault", "fault-vs-migrate-other-pages", "fork-shared-fault-vs-write",
            "fork-shared-fault-vs-exit", "fork-shared-fault-vs-munmap", "fork-on-device-both-write",
            "mprotect-vs-device-release", "device-release-vs-fault", "hotplug-vs-device-release",
            "smaps-pagemap-vs-fault", "fault-vs-munmap", "anon-teardown"]);
    }

    [Fact]
    public void Every_built_in_scenario_loads_and_is_named_after_its_file()
    {
        foreach (var name in BuiltinScenarios.Names)
        {
            var s = BuiltinScenarios.Load(name);
            s.Name.Should().Be(name);
            s.Actors.Should().HaveCountGreaterThan(1, $"{name} must be concurrent");
            s.Description.Should().NotBeEmpty();
        }
    }

    [Fact]
    public void Every_built_in_scenario_has_a_coyote_test_entry_point()
    {
        var methods = typeof(BuiltinScenarioTests).GetMethods()
            .Where(m => m.GetCustomAttributes(typeof(TestAttribute), false).Length > 0 && m.IsStatic && m.IsPublic)
            .Select(m => m.Name).ToArray();
        foreach (var name in BuiltinScenarios.Names)
        {
            var pascal = string.Concat(name.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
            methods.Should().Contain(pascal, $"scenario {name} needs a [Test] entry point for `coyote test`");
        }
    }

    [Fact]
    public void A_valid_scenario_reads_ops_expectations_and_defaults()
    {
        var s = ScenarioLoader.Parse(Valid, "t.json");
        s.Variant.Should().BeNull();
        s.Machine.Should().Be(new ScenarioMachine(4, 2, 64));
        s.FaultRetryLimit.Should().Be(Scenario.DefaultFaultRetryLimit);
        BuiltinScenarios.Load("catalog-fault-storm").FaultRetryLimit.Should().Be(10, "the file sets its own bound");
        s.Setup.Single().Op.Kind.Should().Be(OpKind.Mmap);
        var op = s.Actors.Single().Ops.Single();
        op.Op.Kind.Should().Be(OpKind.Read);
        op.Expect.Should().Be(new OpResult { Value = 0 });
        op.Path.Should().Be("actors[0].ops[0]");
        s.Final.Should().BeEmpty();
    }

    [Theory]
    [InlineData("{ \"format\": \"hmm-scenario\", ", "t.json: line", "malformed JSON")]
    [InlineData("[1, 2]", "t.json: $", "expected a scenario object")]
    [InlineData("""{"format":"hmm-scenario","version":2,"name":"t","machine":{"ram_pages":1},"actors":[]}""", "t.json: version", "unsupported scenario format version 2")]
    [InlineData("""{"format":"other","version":1}""", "t.json: format", "expected \"hmm-scenario\"")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[],"extra":1}""", "t.json: extra", "unknown field")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","variant":"nope","machine":{"ram_pages":1},"actors":[]}""", "t.json: variant", "unknown variant \"nope\"")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[]}""", "t.json: actors", "at least one actor")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","actors":[]}""", "t.json: $", "missing field \"machine\"")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":4,"device_pages":2,"device_start_pfn":2},"actors":[]}""", "t.json: machine.device_start_pfn", "after system RAM")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","config":{"CONFIG_FOO":true},"machine":{"ram_pages":1},"actors":[]}""", "t.json: config.CONFIG_FOO", "unknown Kconfig symbol")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","config":{"CONFIG_MIGRATION":false},"machine":{"ram_pages":1},"actors":[]}""", "t.json: config", "cannot be built: CONFIG_DEVICE_UNADDRESSABLE=y (not named, so on) depends on CONFIG_ZONE_DEVICE, which depends on CONFIG_MEMORY_HOTREMOVE, which depends on CONFIG_MIGRATION=n")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","config":{"CONFIG_DEVICE_UNADDRESSABLE":true,"CONFIG_ZONE_DEVICE":false},"machine":{"ram_pages":1},"actors":[]}""", "t.json: config", "cannot be built: CONFIG_DEVICE_UNADDRESSABLE=y depends on CONFIG_ZONE_DEVICE=n")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","config":{"CONFIG_SPARSEMEM_VMEMMAP":false},"machine":{"ram_pages":1},"actors":[]}""", "t.json: config", "depends on CONFIG_ZONE_DEVICE, which depends on CONFIG_SPARSEMEM_VMEMMAP=n")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"jump","mm":"A"}]}]}""", "t.json: actors[0].ops[0].op", "unknown op \"jump\"")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"read","mm":"A"}]}]}""", "t.json: actors[0].ops[0]", "needs field \"page\"")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"read","mm":"A","page":-1}]}]}""", "t.json: actors[0].ops[0].page", "at least 0")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"read","mm":"A","page":0,"expect":{"signal":"SIGKILL"}}]}]}""", "t.json: actors[0].ops[0].expect.signal", "unknown signal")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"read","mm":"A","page":0,"expect":{"colour":1}}]}]}""", "t.json: actors[0].ops[0].expect.colour", "unknown result field")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"exit","mm":"A"}]},{"name":"a","ops":[{"op":"exit","mm":"A"}]}]}""", "t.json: actors[1].name", "duplicate actor name")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"setup","ops":[{"op":"exit","mm":"A"}]}]}""", "t.json: actors[0].name", "reserved")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[]}]}""", "t.json: actors[0].ops", "at least one op")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"mmap","mm":"A","page":0,"pages":1,"file":""}]}]}""", "t.json: actors[0].ops[0].file", "expected a non-empty string")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"mmap","mm":"A","page":0,"pages":1,"file":7}]}]}""", "t.json: actors[0].ops[0].file", "expected a non-empty string")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"mmap","mm":"A","page":0,"pages":1,"file":"a/b"}]}]}""", "t.json: actors[0].ops[0].file", "not a valid file name")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"read","mm":"A","page":0,"file":"F"}]}]}""", "t.json: actors[0].ops[0].file", "field not allowed in op \"read\"")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"mmap","mm":"A","page":0,"pages":1,"file":"F"},{"op":"ftruncate","file":"G","pages":0}]}]}""", "t.json: actors[0].ops[1].file", "no mmap in the scenario names the file \"G\"")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"ftruncate","pages":0}]}]}""", "t.json: actors[0].ops[0]", "needs field \"file\"")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"mmap","mm":"A","page":0,"pages":1,"file":"F"},{"op":"ftruncate","file":"F"}]}]}""", "t.json: actors[0].ops[1]", "needs field \"pages\"")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"mmap","mm":"A","page":0,"pages":1,"file":"F"},{"op":"ftruncate","file":"F","pages":-1}]}]}""", "t.json: actors[0].ops[1].pages", "at least 0")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"mmap","mm":"A","page":0,"pages":1,"file":"F"},{"op":"ftruncate","file":"F","pages":5000}]}]}""", "t.json: actors[0].ops[1].pages", "exceeds the limit")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"ftruncate","file":"F","pages":0,"mm":"A"}]}]}""", "t.json: actors[0].ops[0].mm", "field not allowed in op \"ftruncate\"")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"fault_retry_limit":0,"actors":[{"name":"a","ops":[{"op":"exit","mm":"A"}]}]}""", "t.json: $.fault_retry_limit", "at least 1")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"fault_retry_limit":1001,"actors":[{"name":"a","ops":[{"op":"exit","mm":"A"}]}]}""", "t.json: $.fault_retry_limit", "at most 1000")]
    [InlineData("""{"format":"hmm-scenario","version":1,"name":"t","machine":{"ram_pages":1},"fault_retry_limit":"10","actors":[{"name":"a","ops":[{"op":"exit","mm":"A"}]}]}""", "t.json: $.fault_retry_limit", "expected an integer")]
    public void Bad_input_names_file_place_and_problem(string json, string place, string problem)
    {
        var act = () => ScenarioLoader.Parse(json, "t.json");
        var e = act.Should().Throw<InputError>().Which;
        e.Place.Should().StartWith(place);
        e.Problem.Should().Contain(problem);
        e.Message.Should().NotContain("\n", "bad input is reported on one line");
    }

    [Fact]
    public void A_missing_file_is_an_input_error()
    {
        var act = () => ScenarioLoader.LoadFile("/nonexistent/s.json");
        act.Should().Throw<InputError>().Which.Place.Should().Be("/nonexistent/s.json");
    }

    [Fact]
    public void An_unknown_built_in_name_lists_the_known_ones()
    {
        var act = () => BuiltinScenarios.Resolve("no-such-scenario");
        act.Should().Throw<InputError>().Which.Problem.Should().Contain("fault-vs-fault");
    }

    [Fact]
    public void A_buildable_config_without_migration_turns_the_symbols_between_off()
    {
        var s = ScenarioLoader.Parse("""{"format":"hmm-scenario","version":1,"name":"t","config":{"CONFIG_MIGRATION":false,"CONFIG_DEVICE_UNADDRESSABLE":false},"machine":{"ram_pages":1},"actors":[{"name":"a","ops":[{"op":"exit","mm":"A"}]}]}""", "t.json");
        var plan = Hmm.Spec.Actors.Harness.ScenarioPlan.Create(s);
        plan.Config.Should().Be(new KernelConfig(Migration: false, MemoryFailure: true, DeviceUnaddressable: false, Swap: true));
        var (values, problem) = Kconfig.Resolve(new Dictionary<string, bool> { ["MIGRATION"] = false, ["DEVICE_UNADDRESSABLE"] = false });
        problem.Should().BeNull();
        values["MEMORY_HOTREMOVE"].Should().BeFalse("it depends on MIGRATION");
        values["ZONE_DEVICE"].Should().BeFalse("it depends on MEMORY_HOTREMOVE");
        values["MEMORY_ISOLATION"].Should().BeTrue("MEMORY_FAILURE selects it");
    }
}
