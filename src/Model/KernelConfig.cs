namespace Hmm.Spec.Model;

/// <summary>
/// The Kconfig symbols that change the seed's code: CONFIG_MIGRATION, CONFIG_MEMORY_FAILURE,
/// CONFIG_DEVICE_UNADDRESSABLE (mm/Kconfig hunk of the seed) and CONFIG_SWAP.
/// </summary>
public sealed record KernelConfig(bool Migration = true, bool MemoryFailure = true, bool DeviceUnaddressable = true, bool Swap = true)
{
    public static KernelConfig Default { get; } = new();

    /// <summary>All 16 combinations, for the swap-type arithmetic tests.</summary>
    public static IEnumerable<KernelConfig> AllCombinations()
    {
        for (var bits = 0; bits < 16; bits++)
            yield return new KernelConfig((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0);
    }

    public override string ToString() =>
        $"MIGRATION={Yn(Migration)} MEMORY_FAILURE={Yn(MemoryFailure)} DEVICE_UNADDRESSABLE={Yn(DeviceUnaddressable)} SWAP={Yn(Swap)}";

    private static string Yn(bool b) => b ? "y" : "n";
}
