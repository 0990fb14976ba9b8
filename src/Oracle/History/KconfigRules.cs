namespace Hmm.Spec.Oracle.History;

/// <summary>
/// The oracle's own table of which Kconfig settings a history header may claim (docs/history-format.md,
/// "Header"): the dependencies between the symbols a header can name, on the x86-64 machine histories describe.
/// Written from mm/Kconfig (v4.11 and the seed's hunk) independently of src/Model's graph; a test in
/// tests/Actors.Tests compares the two on every assignment.
/// </summary>
public static class KconfigRules
{
    /// <summary>symbol → the symbols it depends on (all of them).</summary>
    private static readonly (string Symbol, string[] DependsOn)[] Rules =
    [
        ("SPARSEMEM_VMEMMAP", []),
        ("MEMORY_HOTPLUG", []),
        ("MIGRATION", []),
        ("MEMORY_HOTREMOVE", ["MEMORY_HOTPLUG", "MIGRATION"]),
        ("ZONE_DEVICE", ["MEMORY_HOTPLUG", "MEMORY_HOTREMOVE", "SPARSEMEM_VMEMMAP"]),
        ("DEVICE_UNADDRESSABLE", ["ZONE_DEVICE"]),
        ("MEMORY_FAILURE", []),
        ("SWAP", []),
    ];

    /// <summary>The four symbols that change what users see: on unless the header turns them off.</summary>
    private static readonly string[] OnUnlessNamed = ["MIGRATION", "MEMORY_FAILURE", "DEVICE_UNADDRESSABLE", "SWAP"];

    /// <summary>A header name (with or without <c>CONFIG_</c>, any case, or an alias) → the symbol, or null if the table does not know it.</summary>
    public static string? Canonical(string name)
    {
        var n = name.StartsWith("CONFIG_", StringComparison.OrdinalIgnoreCase) ? name[7..] : name;
        n = n.ToUpperInvariant() switch
        {
            "MEMORYFAILURE" => "MEMORY_FAILURE",
            "DEVICEUNADDRESSABLE" or "DEVICE_PRIVATE" => "DEVICE_UNADDRESSABLE",
            var u => u,
        };
        return Rules.Any(r => r.Symbol == n) ? n : null;
    }

    /// <summary>
    /// The value of every symbol of the table for a header's config (unknown names ignored), or the problem: a
    /// symbol that is on while a symbol it depends on is off. Unnamed: the four user-visible symbols are on,
    /// the others on when their dependencies are.
    /// </summary>
    public static (IReadOnlyDictionary<string, bool> Values, string? Problem) Resolve(IReadOnlyDictionary<string, bool>? config)
    {
        var named = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (k, v) in config ?? new Dictionary<string, bool>())
        {
            if (Canonical(k) is { } s) named[s] = v;
        }
        var values = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (symbol, deps) in Rules)
        {
            var off = deps.FirstOrDefault(d => !values[d]);
            var on = named.TryGetValue(symbol, out var v) ? v : OnUnlessNamed.Contains(symbol) || off is null;
            values[symbol] = on;
            if (on && off is not null)
            {
                var how = named.ContainsKey(symbol) ? "" : " (not named, so on)";
                return (values, $"CONFIG_{symbol}=y{how} depends on {Chain(off, values, named)}");
            }
        }
        return (values, null);
    }

    private static string Chain(string symbol, Dictionary<string, bool> values, Dictionary<string, bool> named)
    {
        var deps = Rules.First(r => r.Symbol == symbol).DependsOn;
        var off = deps.FirstOrDefault(d => !values[d]);
        return named.ContainsKey(symbol) || off is null
            ? $"CONFIG_{symbol}=n"
            : $"CONFIG_{symbol}, which depends on {Chain(off, values, named)}";
    }
}
