using Hmm.Spec.Model;
using Hmm.Spec.Oracle.History;

namespace Hmm.Spec.Actors.Tests.Scenarios;

/// <summary>
/// The model's Kconfig graph (src/Model/Kconfig.cs) and the oracle's own rule table (KconfigRules) are written
/// separately so that the oracle stays independent of the model; here they must agree on every config a scenario
/// or a history header can state.
/// </summary>
public sealed class KconfigTablesTests
{
    [Fact]
    public void Model_graph_and_oracle_table_agree_on_every_assignment_of_the_nameable_symbols()
    {
        var names = Kconfig.Settable.Select(s => s[7..]).ToArray();
        names.Should().HaveCount(8);
        var buildable = 0;
        // Each nameable symbol unnamed, off or on: 3^8 configs.
        var total = (int)Math.Pow(3, names.Length);
        for (var code = 0; code < total; code++)
        {
            var named = new Dictionary<string, bool>(StringComparer.Ordinal);
            var c = code;
            foreach (var n in names)
            {
                switch (c % 3)
                {
                    case 1: named[n] = false; break;
                    case 2: named[n] = true; break;
                }
                c /= 3;
            }
            var (model, modelProblem) = Kconfig.Resolve(named);
            var (oracle, oracleProblem) = KconfigRules.Resolve(named.ToDictionary(kv => "CONFIG_" + kv.Key, kv => kv.Value));
            var what = string.Join(" ", named.Select(kv => $"{kv.Key}={(kv.Value ? "y" : "n")}"));
            (oracleProblem is null).Should().Be(modelProblem is null, what);
            oracleProblem.Should().Be(modelProblem, what);
            if (modelProblem is not null) continue;
            buildable++;
            foreach (var n in names)
                oracle[n].Should().Be(model[n], $"{n} in {what}");
        }
        buildable.Should().BeGreaterThan(0).And.BeLessThan(total);
    }
}
