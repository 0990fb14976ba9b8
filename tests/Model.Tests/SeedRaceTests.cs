using Hmm.Spec.Model;
using Hmm.Spec.Model.Tests.Support;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;
using Xunit.Abstractions;

namespace Hmm.Spec.Model.Tests;

/// <summary>
/// The seed's known race under Coyote: two CPUs fault on the same device entry. In the seed each reads the entry
/// without the PTL and calls page_fault holding no reference; when one migrates the page back and frees it, the
/// other's read of page->pgmap is a use-after-free. From 16ce101db85d on the loser sees !pte_same and retries.
/// Fixed seeds; the trace is printed on an unexpected result.
/// </summary>
public sealed class SeedRaceTests(ITestOutputHelper output)
{
    private const uint Seed = 20170316;

    private static Func<Task> TwoFaults(string variant, List<KernelViolation> found) => async () =>
    {
        var w = KernelWorld.Create(new MachineLayout(8, 0, 0), KernelConfig.Default, KernelVariants.Get(variant));
        var dev = new TestDevice(w, ModelTest.DeviceStart, 4);
        w.Mmap("A", 0, 1, VmProt.ReadWrite, false);
        w.UserWrite("A", 0, 42);
        dev.PlaceDeviceEntry("A", 0);
        var readers = new List<Task<AccessOutcome>>();
        foreach (var cpu in new[] { "cpu0", "cpu1" })
        {
            readers.Add(Task.Run(() =>
            {
                using var _ = w.EnterActor(cpu);
                try
                {
                    return w.UserRead("A", 0);
                }
                catch (KernelViolation v)
                {
                    found.Add(v);
                    return new AccessOutcome(0, Sig.None);
                }
            }));
        }
        var results = await Task.WhenAll(readers.ToArray());
        if (found.Count > 0)
        {
            Microsoft.Coyote.Specifications.Specification.Assert(false, found[0].Message);
            return;
        }
        foreach (var r in results)
            Microsoft.Coyote.Specifications.Specification.Assert(r == new AccessOutcome(42, Sig.None), $"read {r}");
        w.CheckInvariants();
    };

    private TestReport Run(string variant, List<KernelViolation> found)
    {
        var config = Configuration.Create().WithTestingIterations(300).WithRandomGeneratorSeed(Seed)
            .WithPrioritizationStrategy(false, 3).WithTelemetryEnabled(false);
        using var engine = TestingEngine.Create(config, TwoFaults(variant, found));
        engine.Run();
        output.WriteLine($"{variant}: seed {Seed}, {engine.TestReport.NumOfFoundBugs} bug(s)");
        foreach (var bug in engine.TestReport.BugReports)
            output.WriteLine(bug);
        if (engine.TestReport.NumOfFoundBugs > 0)
            output.WriteLine(engine.ReproducibleTrace);
        return engine.TestReport;
    }

    [Fact]
    public void Seed_lockless_device_fault_is_a_use_after_free()
    {
        var found = new List<KernelViolation>();
        var report = Run("seed", found);
        report.NumOfFoundBugs.Should().BeGreaterThan(0);
        found.Should().NotBeEmpty();
        found[0].Category.Should().Be(ViolationCategory.UseAfterFree);
        // Either page->pgmap is read after the free, or the callback copies from the freed page.
        found[0].Function.Should().BeOneOf(["device_entry_fault", "test_fault"], found[0].Message);
    }

    [Fact]
    public void Trylock_loser_that_retries_without_sleeping_starves_the_holder()
    {
        // 1afaeb8293c9 alone: the loser of trylock_page returns and refaults at once; while the winner is not
        // scheduled the loser spins: the livelock that b570f37a2ce4 fixes by waiting for the unlock.
        var found = new List<KernelViolation>();
        var report = Run("fix-fault-trylock", found);
        report.NumOfFoundBugs.Should().BeGreaterThan(0);
        found.Should().NotBeEmpty();
        found[0].Category.Should().Be(ViolationCategory.Livelock, found[0].Message);
    }

    [Theory]
    [InlineData("fix-fault-ref")]
    [InlineData("fix-fault-trylock-wait")]
    [InlineData("upstream")]
    public void Fixed_fault_paths_survive_two_concurrent_faults(string variant)
    {
        var found = new List<KernelViolation>();
        var report = Run(variant, found);
        found.Should().BeEmpty();
        report.NumOfFoundBugs.Should().Be(0, string.Join("\n", report.BugReports));
    }
}
