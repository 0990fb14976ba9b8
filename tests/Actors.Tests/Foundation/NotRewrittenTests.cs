using System.Reflection;
using System.Text.Json;
using System.Xml.Linq;
using Hmm.Spec.Actors.Tests.Bundles;
using Hmm.Spec.Model;
using Microsoft.Coyote.Rewriting;

namespace Hmm.Spec.Actors.Tests.Foundation;

/// <summary>
/// The guard of the one list of what Coyote leaves unrewritten (src/Model/Sys/NotRewritten.cs): a new
/// <c>[SkipRewriting]</c> anywhere, or an assembly added to or dropped from coyote.json, fails here until the list
/// says so and why.
/// </summary>
public sealed class NotRewrittenTests
{
    private static readonly Assembly[] Ours =
    [
        typeof(KernelWorld).Assembly,
        typeof(Hmm.Spec.Actors.Harness.ScenarioHarness).Assembly,
    ];

    [Fact]
    public void The_types_that_skip_rewriting_are_exactly_the_listed_ones()
    {
        var skipped = Ours.SelectMany(a => a.GetTypes())
            .Where(t => t.GetCustomAttribute<SkipRewritingAttribute>() is not null)
            .Select(t => t.FullName!)
            .ToList();
        skipped.Should().BeEquivalentTo(NotRewritten.Types.Keys, "NotRewritten.Types is the one list of unrewritten types");
    }

    [Fact]
    public void Only_the_model_types_are_hot_and_only_the_verifier_types_are_verify_only()
    {
        foreach (var (name, kind) in NotRewritten.Types)
        {
            var expected = name.StartsWith("Hmm.Spec.Model.", StringComparison.Ordinal) ? NotRewritten.TypeKind.Hot
                : name.StartsWith("Hmm.Spec.Actors.Verification.", StringComparison.Ordinal) ? NotRewritten.TypeKind.VerifyOnly
                : (NotRewritten.TypeKind?)null;
            kind.Should().Be(expected, $"{name}: hot types are the model's, verify-only ones the verifier's");
        }
    }

    [Fact]
    public void The_listed_assemblies_are_not_rewritten_and_every_other_one_of_ours_is()
    {
        var root = SampleTrace.RepoRoot();
        var coyoteJson = Path.Combine(root, "coyote.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(coyoteJson));
        var rewritten = doc.RootElement.GetProperty("Assemblies").EnumerateArray()
            .Select(e => Path.GetFileNameWithoutExtension(e.GetString()!)).ToList();
        rewritten.Should().NotIntersectWith(NotRewritten.Assemblies.Keys);

        var projects = new[] { "src", "tests" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(root, d), "*.csproj", SearchOption.AllDirectories))
            .Select(p => XDocument.Load(p).Descendants("AssemblyName").Single().Value).ToList();
        projects.Should().BeEquivalentTo(rewritten.Concat(NotRewritten.Assemblies.Keys),
            "every project of ours is either rewritten (coyote.json) or listed in NotRewritten.Assemblies");

        foreach (var name in new[] { "Hmm.Spec.Oracle", "hmm-spec" })
            RewritingEngine.IsAssemblyRewritten(Assembly.Load(name)).Should().BeFalse($"{name} is listed as not rewritten");
    }
}
