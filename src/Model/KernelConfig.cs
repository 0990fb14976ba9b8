namespace Hmm.Spec.Model;

/// <summary>
/// The Kconfig symbols that change the seed's code: CONFIG_MIGRATION, CONFIG_MEMORY_FAILURE,
/// CONFIG_DEVICE_UNADDRESSABLE (mm/Kconfig hunk of the seed) and CONFIG_SWAP. They are not free: the
/// <see cref="Kconfig"/> graph decides which combinations can be built (DEVICE_UNADDRESSABLE needs MIGRATION).
/// </summary>
public sealed record KernelConfig(bool Migration = true, bool MemoryFailure = true, bool DeviceUnaddressable = true, bool Swap = true)
{
    public static KernelConfig Default { get; } = new();

    /// <summary>Why this config cannot be built (the symbol and its missing dependency), or null.</summary>
    public string? Problem => Kconfig.Problem(this);

    /// <summary>
    /// Every combination of the four symbols that can be built (12 of 16: DEVICE_UNADDRESSABLE=y needs
    /// MIGRATION=y), for the swap-type arithmetic tests and the swap-types table.
    /// </summary>
    public static IEnumerable<KernelConfig> AllBuildable()
    {
        for (var bits = 0; bits < 16; bits++)
        {
            var c = new KernelConfig((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0);
            if (c.Problem is null)
                yield return c;
        }
    }

    /// <summary>
    /// A config from Kconfig symbols (with <c>CONFIG_</c>, as a scenario names them; unnamed seed symbols are on),
    /// or the problem that keeps it from being built.
    /// </summary>
    public static (KernelConfig? Config, string? Problem) FromSymbols(IReadOnlyDictionary<string, bool> symbols)
    {
        var named = symbols.ToDictionary(kv => kv.Key.StartsWith("CONFIG_", StringComparison.Ordinal) ? kv.Key[7..] : kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var (values, problem) = Kconfig.Resolve(named);
        if (problem is not null)
            return (null, problem);
        return (new KernelConfig(values["MIGRATION"], values["MEMORY_FAILURE"], values["DEVICE_UNADDRESSABLE"], values["SWAP"]), null);
    }

    public override string ToString() =>
        $"MIGRATION={Yn(Migration)} MEMORY_FAILURE={Yn(MemoryFailure)} DEVICE_UNADDRESSABLE={Yn(DeviceUnaddressable)} SWAP={Yn(Swap)}";

    private static string Yn(bool b) => b ? "y" : "n";
}
