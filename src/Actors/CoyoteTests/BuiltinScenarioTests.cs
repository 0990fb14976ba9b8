using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Microsoft.Coyote.SystematicTesting;

namespace Hmm.Spec.Actors.CoyoteTests;

/// <summary>
/// The built-in scenarios as Coyote test entry points, so the standard tool works on this assembly:
/// <c>coyote test Hmm.Spec.Actors.dll -m Hmm.Spec.Actors.CoyoteTests.BuiltinScenarioTests.FaultVsFault -i 100</c>
/// (docs/exploring.md). The variant is the scenario's own unless the environment variable
/// <see cref="VariantVariable"/> names another. Each call builds a fresh plan and world: nothing is static.
/// </summary>
public static class BuiltinScenarioTests
{
    public const string VariantVariable = "HMM_SPEC_VARIANT";

    /// <summary>Runs one iteration of a built-in scenario (what every entry point does).</summary>
    public static Task Run(string scenario)
    {
        var plan = ScenarioPlan.Create(BuiltinScenarios.Load(scenario), Environment.GetEnvironmentVariable(VariantVariable));
        return ScenarioHarness.RunIterationAsync(plan, new IterationCapture());
    }

    [Test]
    public static Task AnonTeardown() => Run("anon-teardown");

    [Test]
    public static Task AnonWriteVsCpuRead() => Run("anon-write-vs-cpu-read");

    [Test]
    public static Task CatalogFaultNoRam() => Run("catalog-fault-no-ram");

    [Test]
    public static Task FaultVsDevicePageReuse() => Run("fault-vs-device-page-reuse");

    [Test]
    public static Task CatalogCollectDirty() => Run("catalog-collect-dirty");

    [Test]
    public static Task CatalogCollectStaleTlb() => Run("catalog-collect-stale-tlb");

    [Test]
    public static Task CatalogFaultBusyRetry() => Run("catalog-fault-busy-retry");

    [Test]
    public static Task CatalogFaultStorm() => Run("catalog-fault-storm");

    [Test]
    public static Task CatalogForkCowDevice() => Run("catalog-fork-cow-device");

    [Test]
    public static Task CatalogForkDeviceFaultBack() => Run("catalog-fork-device-fault-back");

    [Test]
    public static Task CatalogHotplugOverlap() => Run("catalog-hotplug-overlap");

    [Test]
    public static Task CatalogTruncateDeviceCow() => Run("catalog-truncate-device-cow");

    [Test]
    public static Task CatalogMirrorVsMadvise() => Run("catalog-mirror-vs-madvise");

    [Test]
    public static Task CatalogMirrorSnapshotVsMadvise() => Run("catalog-mirror-snapshot-vs-madvise");

    [Test]
    public static Task CatalogMirrorVsMprotect() => Run("catalog-mirror-vs-mprotect");

    [Test]
    public static Task CatalogMirrorVsFork() => Run("catalog-mirror-vs-fork");

    [Test]
    public static Task MirrorVsFaultAndMprotect() => Run("mirror-vs-fault-and-mprotect");

    [Test]
    public static Task MemReadVsMigration() => Run("mem-read-vs-migration");

    [Test]
    public static Task DeviceReleaseVsFault() => Run("device-release-vs-fault");

    [Test]
    public static Task FaultVsFault() => Run("fault-vs-fault");

    [Test]
    public static Task FaultVsMadviseDontneed() => Run("fault-vs-madvise-dontneed");

    [Test]
    public static Task FaultVsMigrateOtherPages() => Run("fault-vs-migrate-other-pages");

    [Test]
    public static Task FaultVsMunmap() => Run("fault-vs-munmap");

    [Test]
    public static Task PfnmapCowWriteAfterFork() => Run("pfnmap-cow-write-after-fork");

    [Test]
    public static Task CatalogMprotectDevice() => Run("catalog-mprotect-device");

    [Test]
    public static Task ForkOnDeviceBothWrite() => Run("fork-on-device-both-write");

    [Test]
    public static Task ForkSharedFaultVsExit() => Run("fork-shared-fault-vs-exit");

    [Test]
    public static Task ForkSharedFaultVsMunmap() => Run("fork-shared-fault-vs-munmap");

    [Test]
    public static Task ForkSharedFaultVsWrite() => Run("fork-shared-fault-vs-write");

    [Test]
    public static Task HotplugVsDeviceRelease() => Run("hotplug-vs-device-release");

    [Test]
    public static Task MigrateVsCpuRead() => Run("migrate-vs-cpu-read");

    [Test]
    public static Task MprotectVsDeviceRelease() => Run("mprotect-vs-device-release");

    [Test]
    public static Task SmapsPagemapVsFault() => Run("smaps-pagemap-vs-fault");

    [Test]
    public static Task TruncateVsCowFault() => Run("truncate-vs-cow-fault");

    [Test]
    public static Task ForkCopyBreakVsTruncate() => Run("fork-copy-break-vs-truncate");

    [Test]
    public static Task ZapBreakVsFault() => Run("zap-break-vs-fault");
}
