using System.Reflection;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Scenarios;

/// <summary>
/// The scenarios under <c>scenarios/</c>, embedded in this assembly as resources named
/// <c>scenarios/NAME.json</c>; a scenario's <c>name</c> field must equal its file name.
/// </summary>
public static class BuiltinScenarios
{
    private const string Prefix = "scenarios/", Suffix = ".json";

    /// <summary>Names of every built-in scenario, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(BuiltinScenarios).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(Suffix, StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^Suffix.Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    public static bool Exists(string name) => Names.Contains(name);

    /// <summary>Loads a built-in scenario; an unknown name is an <see cref="InputError"/>.</summary>
    public static Scenario Load(string name)
    {
        using var stream = typeof(BuiltinScenarios).Assembly.GetManifestResourceStream(Prefix + name + Suffix)
            ?? throw new InputError($"scenario \"{name}\"", $"no built-in scenario or file of that name (built-in: {string.Join(", ", Names)})");
        using var reader = new StreamReader(stream);
        var scenario = ScenarioLoader.Parse(reader.ReadToEnd(), $"builtin:{name}");
        if (scenario.Name != name)
            throw new InputError($"builtin:{name}: name", $"the name \"{scenario.Name}\" differs from the file name");
        return scenario;
    }

    public static IReadOnlyList<Scenario> LoadAll() => Names.Select(Load).ToArray();

    /// <summary>A scenario argument: a path to an existing file (or one ending in .json), else a built-in name.</summary>
    public static Scenario Resolve(string nameOrFile) =>
        File.Exists(nameOrFile) || nameOrFile.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase) || nameOrFile.Contains('/')
            ? ScenarioLoader.LoadFile(nameOrFile)
            : Load(nameOrFile);
}
