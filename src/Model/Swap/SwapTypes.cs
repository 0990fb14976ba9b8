namespace Hmm.Spec.Model;

/// <summary>
/// The special swap types of include/linux/swap.h (seed hunk) for one config: SWP_HWPOISON (CONFIG_MEMORY_FAILURE),
/// SWP_MIGRATION_READ/WRITE (CONFIG_MIGRATION), SWP_DEVICE_WRITE/SWP_DEVICE (CONFIG_DEVICE_UNADDRESSABLE), taken from
/// the top of the 2^MAX_SWAPFILES_SHIFT type space; MAX_SWAPFILES is what is left for real swap files.
/// The special types that a config does not define are -1. Pure arithmetic, no steps.
/// </summary>
public sealed class SwapTypes
{
    public SwapTypes(KernelConfig config, KernelVariant variant)
    {
        Config = config;
        SWP_HWPOISON_NUM = config.MemoryFailure ? 1 : 0;
        SWP_MIGRATION_NUM = config.Migration ? 2 : 0;
        SWP_DEVICE_NUM = config.DeviceUnaddressable ? 2 : 0;
        // The seed: MAX_SWAPFILES = (1 << 5) - SWP_DEVICE_NUM - SWP_MIGRATION_NUM - SWP_HWPOISON_NUM.
        var deviceTaken = variant.MaxSwapfilesNotReduced ? 0 : SWP_DEVICE_NUM;
        MAX_SWAPFILES = (1 << SwapEntry.MAX_SWAPFILES_SHIFT) - deviceTaken - SWP_MIGRATION_NUM - SWP_HWPOISON_NUM;
        SWP_HWPOISON = config.MemoryFailure ? MAX_SWAPFILES : -1;
        SWP_MIGRATION_READ = config.Migration ? MAX_SWAPFILES + SWP_HWPOISON_NUM : -1;
        SWP_MIGRATION_WRITE = config.Migration ? MAX_SWAPFILES + SWP_HWPOISON_NUM + 1 : -1;
        SWP_DEVICE_WRITE = config.DeviceUnaddressable ? MAX_SWAPFILES + SWP_HWPOISON_NUM + SWP_MIGRATION_NUM : -1;
        SWP_DEVICE = config.DeviceUnaddressable ? MAX_SWAPFILES + SWP_HWPOISON_NUM + SWP_MIGRATION_NUM + 1 : -1;
    }

    public KernelConfig Config { get; }
    public int SWP_HWPOISON_NUM { get; }
    public int SWP_MIGRATION_NUM { get; }
    public int SWP_DEVICE_NUM { get; }
    public int MAX_SWAPFILES { get; }
    public int SWP_HWPOISON { get; }
    public int SWP_MIGRATION_READ { get; }
    public int SWP_MIGRATION_WRITE { get; }
    public int SWP_DEVICE_WRITE { get; }
    public int SWP_DEVICE { get; }

    /// <summary>The special types this config defines, by name.</summary>
    public IReadOnlyList<(string Name, int Type)> SpecialTypes
    {
        get
        {
            var list = new List<(string, int)>();
            if (SWP_HWPOISON >= 0) list.Add((nameof(SWP_HWPOISON), SWP_HWPOISON));
            if (SWP_MIGRATION_READ >= 0) list.Add((nameof(SWP_MIGRATION_READ), SWP_MIGRATION_READ));
            if (SWP_MIGRATION_WRITE >= 0) list.Add((nameof(SWP_MIGRATION_WRITE), SWP_MIGRATION_WRITE));
            if (SWP_DEVICE_WRITE >= 0) list.Add((nameof(SWP_DEVICE_WRITE), SWP_DEVICE_WRITE));
            if (SWP_DEVICE >= 0) list.Add((nameof(SWP_DEVICE), SWP_DEVICE));
            return list;
        }
    }

    /// <summary>
    /// The collisions of this config: special types that coincide, fall into [0, MAX_SWAPFILES) (a real swap
    /// file could use them), or do not fit in MAX_SWAPFILES_SHIFT bits. Empty when correct.
    /// </summary>
    public IReadOnlyList<string> Collisions()
    {
        var problems = new List<string>();
        var special = SpecialTypes;
        const int typeSpace = 1 << SwapEntry.MAX_SWAPFILES_SHIFT;
        foreach (var (name, type) in special)
        {
            if (type < MAX_SWAPFILES)
                problems.Add($"{name}={type} is a real swap type (MAX_SWAPFILES={MAX_SWAPFILES})");
            if (type >= typeSpace)
                problems.Add($"{name}={type} does not fit in {SwapEntry.MAX_SWAPFILES_SHIFT} bits");
        }
        for (var i = 0; i < special.Count; i++)
        {
            for (var j = i + 1; j < special.Count; j++)
            {
                if (special[i].Type == special[j].Type)
                    problems.Add($"{special[i].Name} and {special[j].Name} are both {special[i].Type}");
            }
        }
        return problems;
    }

    // ---------------- swapops.h predicates (pure) ----------------

    /// <summary>non_swap_entry: swp_type(entry) &gt;= MAX_SWAPFILES.</summary>
    internal bool non_swap_entry(SwapEntry e) => e.Type >= MAX_SWAPFILES;

    /// <summary>is_migration_entry (0 without CONFIG_MIGRATION).</summary>
    internal bool is_migration_entry(SwapEntry e) =>
        Config.Migration && (e.Type == SWP_MIGRATION_READ || e.Type == SWP_MIGRATION_WRITE);

    /// <summary>is_write_migration_entry.</summary>
    internal bool is_write_migration_entry(SwapEntry e) => Config.Migration && e.Type == SWP_MIGRATION_WRITE;

    /// <summary>is_hwpoison_entry (0 without CONFIG_MEMORY_FAILURE).</summary>
    internal bool is_hwpoison_entry(SwapEntry e) => Config.MemoryFailure && e.Type == SWP_HWPOISON;

    /// <summary>is_device_entry (seed; false without CONFIG_DEVICE_UNADDRESSABLE).</summary>
    internal bool is_device_entry(SwapEntry e) =>
        Config.DeviceUnaddressable && (e.Type == SWP_DEVICE || e.Type == SWP_DEVICE_WRITE);

    /// <summary>is_write_device_entry (seed).</summary>
    internal bool is_write_device_entry(SwapEntry e) => Config.DeviceUnaddressable && e.Type == SWP_DEVICE_WRITE;

    /// <summary>make_device_entry (seed): swp_entry(write ? SWP_DEVICE_WRITE : SWP_DEVICE, pfn); swp_entry(0, 0) when off.</summary>
    internal SwapEntry make_device_entry(long pfn, bool write) =>
        Config.DeviceUnaddressable ? SwapEntry.swp_entry(write ? SWP_DEVICE_WRITE : SWP_DEVICE, pfn) : SwapEntry.swp_entry(0, 0);

    /// <summary>make_device_entry_read (seed): a no-op when off.</summary>
    internal SwapEntry make_device_entry_read(SwapEntry e) =>
        Config.DeviceUnaddressable ? SwapEntry.swp_entry(SWP_DEVICE, e.Offset) : e;

    /// <summary>make_migration_entry(page, write): swp_entry(0, 0) without CONFIG_MIGRATION.</summary>
    internal SwapEntry make_migration_entry(long pfn, bool write) =>
        Config.Migration ? SwapEntry.swp_entry(write ? SWP_MIGRATION_WRITE : SWP_MIGRATION_READ, pfn) : SwapEntry.swp_entry(0, 0);

    /// <summary>make_migration_entry_read.</summary>
    internal SwapEntry make_migration_entry_read(SwapEntry e) =>
        Config.Migration ? SwapEntry.swp_entry(SWP_MIGRATION_READ, e.Offset) : e;

    /// <summary>make_hwpoison_entry.</summary>
    internal SwapEntry make_hwpoison_entry(long pfn) =>
        Config.MemoryFailure ? SwapEntry.swp_entry(SWP_HWPOISON, pfn) : SwapEntry.swp_entry(0, 0);

    /// <summary>
    /// The !CONFIG_SWAP macros free_swap_and_cache(e) / swapcache_prepare(e) (seed hunk):
    /// is_migration_entry(e) || is_device_entry(e). With CONFIG_SWAP the real functions live in <see cref="SwapArea"/>.
    /// </summary>
    internal bool free_swap_and_cache_noswap(SwapEntry e) => is_migration_entry(e) || is_device_entry(e);

    /// <summary>!CONFIG_SWAP swapcache_prepare macro (seed hunk); same expression as free_swap_and_cache.</summary>
    internal bool swapcache_prepare_noswap(SwapEntry e) => is_migration_entry(e) || is_device_entry(e);

    /// <summary>A name for an entry's kind, for step details and pagemap.</summary>
    internal string Describe(SwapEntry e)
    {
        if (!non_swap_entry(e)) return $"swap type={e.Type} offset={e.Offset}";
        if (is_device_entry(e)) return $"{(is_write_device_entry(e) ? "device-write" : "device-read")} pfn={e.Offset}";
        if (is_migration_entry(e)) return $"{(is_write_migration_entry(e) ? "migration-write" : "migration-read")} pfn={e.Offset}";
        if (is_hwpoison_entry(e)) return $"hwpoison pfn={e.Offset}";
        return $"bad swap entry type={e.Type} offset={e.Offset}";
    }
}
