using Hmm.Spec.Input;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reference;

/// <summary>
/// The fixed context of a reference-model run: the machine, the Kconfig switches that change what users
/// see (swap-type numbers, whether device memory exists), and how much memory concurrent operations may
/// hold in flight (<see cref="OomSlack"/>, which decides when out-of-memory outcomes are allowed).
/// </summary>
public sealed record ModelSetting(MachineSpec? Machine, bool Migration, bool MemoryFailure, bool DeviceUnaddressable, bool Swap, int OomSlack)
{
    public const int MaxSwapfilesShift = 5;

    /// <summary>
    /// For each memfd some ftruncate of the history shrinks, the smallest size it is truncated to. Linux writes
    /// i_size before it unmaps, so while such a truncation runs an access at or beyond that size may already fail
    /// and a page there may already be unmapped, before the truncation's own effect (docs/reference-model.md,
    /// "Files": truncation is not atomic).
    /// </summary>
    public IReadOnlyDictionary<string, int> Truncations { get; init; } = new Dictionary<string, int>();

    /// <summary>The <see cref="Truncations"/> of a history's operations.</summary>
    public static IReadOnlyDictionary<string, int> TruncationsOf(IEnumerable<Op> ops)
    {
        var t = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var op in ops)
        {
            if (op.Kind == OpKind.Ftruncate && op.File is { } f && op.Pages is { } n)
                t[f] = t.TryGetValue(f, out var m) ? Math.Min(m, n) : n;
        }
        return t;
    }

    public static ModelSetting Default { get; } = new(null, true, true, true, true, 1);

    /// <summary>
    /// Reads the Kconfig symbols of a history header (names with or without "CONFIG_", any case), resolved by
    /// <see cref="KconfigRules"/>; the reader has already refused a config that cannot be built.
    /// </summary>
    public static ModelSetting From(HistoryHeader header, int oomSlack)
    {
        var (v, problem) = KconfigRules.Resolve(header.Config);
        if (problem is not null)
            throw new InputError("config", $"cannot be built: {problem}");
        return new ModelSetting(header.Machine, v["MIGRATION"], v["MEMORY_FAILURE"], v["DEVICE_UNADDRESSABLE"], v["SWAP"], Math.Max(1, oomSlack));
    }

    /// <summary>include/linux/swap.h: SWP_DEVICE_NUM, SWP_MIGRATION_NUM, SWP_HWPOISON_NUM.</summary>
    public int DeviceNum => DeviceUnaddressable ? 2 : 0;
    public int MigrationNum => Migration ? 2 : 0;
    public int HwpoisonNum => MemoryFailure ? 1 : 0;
    /// <summary>MAX_SWAPFILES = (1 &lt;&lt; MAX_SWAPFILES_SHIFT) - SWP_DEVICE_NUM - SWP_MIGRATION_NUM - SWP_HWPOISON_NUM.</summary>
    public int MaxSwapfiles => (1 << MaxSwapfilesShift) - DeviceNum - MigrationNum - HwpoisonNum;
    /// <summary>SWP_DEVICE_WRITE = MAX_SWAPFILES + SWP_HWPOISON_NUM + SWP_MIGRATION_NUM (30 by default).</summary>
    public int SwpDeviceWrite => MaxSwapfiles + HwpoisonNum + MigrationNum;
    /// <summary>SWP_MIGRATION_READ = MAX_SWAPFILES + SWP_HWPOISON_NUM (28 by default); SWP_MIGRATION_WRITE is the next.</summary>
    public int SwpMigrationRead => MaxSwapfiles + HwpoisonNum;
    public int SwpMigrationWrite => SwpMigrationRead + 1;

    /// <summary>SWP_DEVICE (read-only device entry) = SWP_DEVICE_WRITE + 1 (31 by default).</summary>
    public int SwpDevice => SwpDeviceWrite + 1;

    /// <summary>Whether the machine has un-addressable device memory at all (unknown machine: assume yes).</summary>
    public bool HasDevice => DeviceUnaddressable && (Machine is null || Machine.DevicePages > 0);
}
