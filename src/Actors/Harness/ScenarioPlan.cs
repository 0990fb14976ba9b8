using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Input;
using Hmm.Spec.Model;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Harness;

/// <summary>
/// A scenario resolved against the model: the variant to run (a command-line override wins over the file's
/// <c>variant</c>, which wins over <c>seed</c>), the config and the machine layout.
/// </summary>
public sealed record ScenarioPlan(Scenario Scenario, KernelVariant Variant, KernelConfig Config, MachineLayout Layout)
{
    public const string DefaultVariant = "seed";

    public static ScenarioPlan Create(Scenario scenario, string? variantOverride = null)
    {
        var name = variantOverride ?? scenario.Variant ?? DefaultVariant;
        if (!KernelVariants.TryGet(name, out var variant))
            throw new InputError("variant", $"unknown variant \"{name}\" (known: {string.Join(", ", KernelVariants.All.Select(v => v.Name))})");
        var (config, problem) = KernelConfig.FromSymbols(scenario.Config);
        if (config is null)
            throw new InputError("config", $"cannot be built: {problem}");
        var m = scenario.Machine;
        return new ScenarioPlan(scenario, variant, config, new MachineLayout(m.RamPages, m.DevicePages, m.DeviceStartPfn));
    }

    /// <summary>The config as Kconfig symbols (every symbol, for bundles and history headers).</summary>
    public IReadOnlyDictionary<string, bool> ConfigSymbols => new Dictionary<string, bool>
    {
        ["CONFIG_MIGRATION"] = Config.Migration,
        ["CONFIG_MEMORY_FAILURE"] = Config.MemoryFailure,
        ["CONFIG_DEVICE_UNADDRESSABLE"] = Config.DeviceUnaddressable,
        ["CONFIG_SWAP"] = Config.Swap,
    };

    /// <summary>
    /// Whether the scenario ends with every address space exited and the device memory released, so that
    /// <c>CheckLeaks</c> applies at the end: statically, every mm it creates has an exit op, and a
    /// device_remove op exists when there is device memory. (At run time the harness also requires that
    /// every device_remove succeeded.)
    /// </summary>
    public bool EndsQuiescent
    {
        get
        {
            var ops = Scenario.AllOps.Select(o => o.Op).ToArray();
            var created = ops.Where(o => o.Kind is OpKind.Mmap or OpKind.MmapPfn).Select(o => o.Mm!)
                .Concat(ops.Where(o => o.Kind == OpKind.Fork).Select(o => o.Child!)).ToHashSet();
            var exited = ops.Where(o => o.Kind == OpKind.Exit).Select(o => o.Mm!).ToHashSet();
            var deviceReleased = Layout.DevicePages == 0 || ops.Any(o => o.Kind == OpKind.DeviceRemove);
            return created.IsSubsetOf(exited) && deviceReleased;
        }
    }
}
