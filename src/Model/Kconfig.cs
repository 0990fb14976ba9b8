namespace Hmm.Spec.Model;

/// <summary>How a symbol of <see cref="Kconfig"/> gets its value.</summary>
public enum KconfigKind
{
    /// <summary>Always y on the modelled machine (x86-64 with sparse memory and memory hotplug support); not settable.</summary>
    Fixed,
    /// <summary>One of the four symbols that change the seed's code: on unless a config turns it off (strict: its dependencies must hold).</summary>
    Seed,
    /// <summary>A symbol between them (ZONE_DEVICE, MEMORY_HOTREMOVE, ...): settable; unnamed, y when its dependencies hold, else n (Kconfig's <c>default y</c>, capped by <c>depends on</c>).</summary>
    Derived,
    /// <summary>A <c>def_bool y</c> without a prompt: y exactly when its dependencies are; not settable.</summary>
    DefBool,
    /// <summary>Only ever selected by another symbol (<c>select</c>); not settable.</summary>
    Selected,
}

/// <summary>
/// One Kconfig symbol: its <c>depends on</c> lines (each a disjunction of symbols; all lines must hold) and the
/// symbols it <c>select</c>s, with the file that defines it.
/// </summary>
public sealed record KconfigSymbol(string Name, KconfigKind Kind, IReadOnlyList<IReadOnlyList<string>> DependsOn, IReadOnlyList<string> Selects, string Source);

/// <summary>
/// The part of the Kconfig dependency graph the seed's symbols live in, as data (v4.11 mm/Kconfig, arch/x86/Kconfig,
/// init/Kconfig and the seed's mm/Kconfig hunk; docs/kernel-model.md, "Kconfig"). The seed's new
/// DEVICE_UNADDRESSABLE depends on ZONE_DEVICE, which depends on MEMORY_HOTPLUG, MEMORY_HOTREMOVE,
/// SPARSEMEM_VMEMMAP and X86_64; MEMORY_HOTREMOVE depends on MIGRATION. So un-addressable device memory cannot
/// be built without page migration: of the 16 combinations of the four seed symbols, 12 can be built.
/// </summary>
public static class Kconfig
{
    private static IReadOnlyList<IReadOnlyList<string>> Deps(params string[][] lines) => lines;
    private static string[] One(string s) => [s];

    /// <summary>The graph, each symbol after the symbols it depends on.</summary>
    public static IReadOnlyList<KconfigSymbol> Symbols { get; } =
    [
        new("X86_64", KconfigKind.Fixed, Deps(), [], "arch/x86/Kconfig (the model's PTE layout is x86-64's)"),
        new("MMU", KconfigKind.Fixed, Deps(), [], "arch/x86/Kconfig: def_bool y"),
        new("BLOCK", KconfigKind.Fixed, Deps(), [], "block/Kconfig (the modelled machine has a block layer)"),
        new("SPARSEMEM", KconfigKind.Fixed, Deps(), [], "mm/Kconfig: SPARSEMEM_MANUAL, the only memory model of x86-64"),
        new("SPARSEMEM_VMEMMAP_ENABLE", KconfigKind.Fixed, Deps(One("X86_64")), [], "arch/x86/Kconfig: def_bool y if X86_64"),
        new("ARCH_ENABLE_MEMORY_HOTPLUG", KconfigKind.Fixed, Deps(One("X86_64")), [], "arch/x86/Kconfig: def_bool y, depends on X86_64 || ..."),
        new("ARCH_SUPPORTS_MEMORY_FAILURE", KconfigKind.Fixed, Deps(One("X86_64")), [], "arch/x86/Kconfig: def_bool y, depends on X86_64 && X86_MCE"),
        new("COMPACTION", KconfigKind.Fixed, Deps(One("MMU")), [], "mm/Kconfig: def_bool y (one of MIGRATION's alternatives)"),
        new("SPARSEMEM_VMEMMAP", KconfigKind.Derived, Deps(One("SPARSEMEM"), One("SPARSEMEM_VMEMMAP_ENABLE")), [], "mm/Kconfig: depends on SPARSEMEM && SPARSEMEM_VMEMMAP_ENABLE, default y"),
        new("MEMORY_HOTPLUG", KconfigKind.Derived, Deps(One("SPARSEMEM"), One("ARCH_ENABLE_MEMORY_HOTPLUG")), [], "mm/Kconfig: depends on SPARSEMEM || X86_64_ACPI_NUMA, depends on ARCH_ENABLE_MEMORY_HOTPLUG"),
        new("ARCH_ENABLE_MEMORY_HOTREMOVE", KconfigKind.DefBool, Deps(One("MEMORY_HOTPLUG")), [], "arch/x86/Kconfig: def_bool y, depends on MEMORY_HOTPLUG"),
        new("MIGRATION", KconfigKind.Seed, Deps(["ARCH_ENABLE_MEMORY_HOTREMOVE", "COMPACTION"], One("MMU")), [], "mm/Kconfig: depends on (NUMA || ARCH_ENABLE_MEMORY_HOTREMOVE || COMPACTION || CMA) && MMU"),
        new("MEMORY_ISOLATION", KconfigKind.Selected, Deps(), [], "mm/Kconfig: bool, selected"),
        new("MEMORY_HOTREMOVE", KconfigKind.Derived, Deps(One("MEMORY_HOTPLUG"), One("ARCH_ENABLE_MEMORY_HOTREMOVE"), One("MIGRATION")), ["MEMORY_ISOLATION"], "mm/Kconfig: depends on MEMORY_HOTPLUG && ARCH_ENABLE_MEMORY_HOTREMOVE, depends on MIGRATION, select MEMORY_ISOLATION"),
        new("ZONE_DEVICE", KconfigKind.Derived, Deps(One("MEMORY_HOTPLUG"), One("MEMORY_HOTREMOVE"), One("SPARSEMEM_VMEMMAP"), One("X86_64")), [], "mm/Kconfig (v4.11, index 9b8fccb969dc): depends on MEMORY_HOTPLUG, MEMORY_HOTREMOVE, SPARSEMEM_VMEMMAP, X86_64"),
        new("DEVICE_UNADDRESSABLE", KconfigKind.Seed, Deps(One("ZONE_DEVICE")), [], "seed hunk in mm/Kconfig: depends on ZONE_DEVICE"),
        new("MEMORY_FAILURE", KconfigKind.Seed, Deps(One("MMU"), One("ARCH_SUPPORTS_MEMORY_FAILURE")), ["MEMORY_ISOLATION"], "mm/Kconfig: depends on MMU, depends on ARCH_SUPPORTS_MEMORY_FAILURE, select MEMORY_ISOLATION"),
        new("SWAP", KconfigKind.Seed, Deps(["MMU"], ["BLOCK"]), [], "init/Kconfig: depends on MMU && BLOCK, default y"),
    ];

    private static readonly Dictionary<string, KconfigSymbol> ByName = Symbols.ToDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>The symbols a scenario's <c>config</c> may name (with the <c>CONFIG_</c> prefix).</summary>
    public static IReadOnlyList<string> Settable { get; } =
        Symbols.Where(s => s.Kind is KconfigKind.Seed or KconfigKind.Derived).Select(s => "CONFIG_" + s.Name).ToArray();

    /// <summary>
    /// Resolves a config: <paramref name="named"/> (symbol names without <c>CONFIG_</c>) fixes the symbols it names;
    /// an unnamed seed symbol is on, an unnamed derived one is on when its dependencies are, selected symbols follow
    /// their selectors. Returns the value of every symbol, or the first problem: a symbol that is on although one of
    /// its dependencies is off, named down to the symbol that was turned off.
    /// </summary>
    public static (IReadOnlyDictionary<string, bool> Values, string? Problem) Resolve(IReadOnlyDictionary<string, bool> named)
    {
        var values = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var s in Symbols)
        {
            var met = s.DependsOn.All(line => line.Any(d => values.GetValueOrDefault(d)));
            bool on = s.Kind switch
            {
                KconfigKind.Fixed => true,
                KconfigKind.Selected => false,
                KconfigKind.DefBool => met,
                _ when named.TryGetValue(s.Name, out var v) => v,
                KconfigKind.Seed => true,
                _ => met,
            };
            values[s.Name] = on;
            if (on && !met)
            {
                var how = named.ContainsKey(s.Name) ? "" : " (not named, so on)";
                return (values, $"CONFIG_{s.Name}=y{how} depends on {Why(s, values, named)}");
            }
        }
        foreach (var s in Symbols)
        {
            if (!values[s.Name]) continue;
            foreach (var t in s.Selects) values[t] = true;
        }
        return (values, null);
    }

    /// <summary>"CONFIG_ZONE_DEVICE, which depends on CONFIG_MEMORY_HOTREMOVE, which depends on CONFIG_MIGRATION=n": the chain down to the symbol turned off.</summary>
    private static string Why(KconfigSymbol s, Dictionary<string, bool> values, IReadOnlyDictionary<string, bool> named)
    {
        var line = s.DependsOn.First(l => !l.Any(d => values.GetValueOrDefault(d)));
        var missing = ByName[line[0]];
        var name = string.Join(" || ", line.Select(d => "CONFIG_" + d));
        if (named.ContainsKey(missing.Name) || line.Count > 1 || missing.DependsOn.All(l => l.Any(d => values.GetValueOrDefault(d))))
            return $"{name}=n";
        return $"{name}, which depends on {Why(missing, values, named)}";
    }

    /// <summary>Whether the four seed symbols, with every other symbol at its default, can be built.</summary>
    public static string? Problem(KernelConfig c) => Resolve(Named(c)).Problem;

    public static Dictionary<string, bool> Named(KernelConfig c) => new(StringComparer.Ordinal)
    {
        ["MIGRATION"] = c.Migration,
        ["MEMORY_FAILURE"] = c.MemoryFailure,
        ["DEVICE_UNADDRESSABLE"] = c.DeviceUnaddressable,
        ["SWAP"] = c.Swap,
    };
}
