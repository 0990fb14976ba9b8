using System.Reflection;
using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>
/// The model's public surface is the facade of src/Model/README.md ("The facade"): what user space, the driver and
/// the harness may do. Kernel functions are internal; adding to the surface is a decision, made here.
/// </summary>
public sealed class FacadeTests
{
    /// <summary>KernelWorld's public members, by kind of caller.</summary>
    private static readonly string[] Facade =
    [
        // syscalls (Sys/KernelWorld.Syscalls.cs), /proc reads included
        "Mmap", "MmapPfn", "MmapPfnMapping", "Munmap", "MadviseDontneed", "Mprotect", "Fork", "Exit", "Ftruncate",
        "Smaps", "Pagemap", "MemRead",
        // CPU accesses (Sys/KernelWorld.Cpu.cs)
        "UserRead", "UserWrite",
        // driver and hotplug operations (Sys/KernelWorld.Device.cs)
        "MigrateToDevice", "MigrateToSystem", "DeviceRead", "DeviceWrite", "DeviceRemove", "HotplugAdd",
        // the harness: construction and settings, actors and op boundaries, checks at the end, observation
        "Create", "Layout", "Config", "Variant", "FaultRetryLimit", "TrackDirty",
        "EnterActor", "Record", "ForgetPagePointers",
        "CheckInvariants", "CheckLeaks",
        "Steps", "FirstViolation",
        // the stress runs' bound on the step log (docs/reliability.md, "Bounded stress runs")
        "Bound", "BoundExceeded", "StepsDropped", "StepLogBytes",
    ];

    /// <summary>The assembly's public types: the facade's values, the step log, violations, variants and configs.</summary>
    private static readonly string[] PublicTypes =
    [
        "KernelWorld", "VmProt", "Sig", "Errno", "AccessOutcome", "DeviceOutcome", "SmapsOutcome", "PagemapOutcome",
        "StepRecord", "StepKind", "StepDetail", "StepFormat", "KernelViolation", "ViolationCategory",
        // the facts a step carries (StepRecord.Value), which the reports read instead of the detail text
        "StepKinds", "LockClass", "LockAction", "LockStep", "Counter", "CountText", "CountChange", "ViolationNote",
        "KernelVariant", "KernelVariants", "FaultProtocol", "MirrorInvalidation", "DeviceTeardown",
        "KernelConfig", "Kconfig", "KconfigSymbol", "KconfigKind", "MachineLayout", "SwapTypes",
        "IControlledScheduler", "IControlledSemaphore", "StepBound",
    ];

    private const BindingFlags PublicDeclared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void KernelWorlds_public_members_are_the_facade()
    {
        var members = typeof(KernelWorld).GetMembers(PublicDeclared)
            .Where(m => m is not MethodInfo { IsSpecialName: true }) // property accessors: the property is listed
            .Where(m => m.DeclaringType == typeof(KernelWorld) && m is not Type)
            .Select(m => m.Name)
            .Distinct();
        members.Should().BeEquivalentTo(Facade);
    }

    [Fact]
    public void No_kernel_named_function_is_public()
    {
        // Kernel functions keep the kernel's names (do_swap_page, BUG_ON); facade members are PascalCase.
        typeof(KernelWorld).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(PublicDeclared).Where(m => !m.IsSpecialName).Select(m => $"{t.Name}.{m.Name}"))
            .Should().NotContain(n => n.Contains('_'));
    }

    [Fact]
    public void The_assemblys_public_types_are_the_facades()
    {
        typeof(KernelWorld).Assembly.GetExportedTypes().Select(t => t.Name).Should().BeEquivalentTo(PublicTypes);
    }
}
