using Hmm.Spec.Model;
using Microsoft.Coyote.Specifications;
using Microsoft.Coyote.SystematicTesting;
using Xunit.Abstractions;

namespace Hmm.Spec.Model.Tests;

/// <summary>
/// Coyote explorations of the core paths (fixed seeds): races the kernel's locks exclude must never be reported,
/// and the seed's lockless device fault against MADV_DONTNEED (which holds mmap_sem only for read) must be.
/// </summary>
public sealed class ConcurrencyTests(ITestOutputHelper output)
{
    private TestReport Explore(Func<Task> test, uint seed, int iterations = 200) =>
        CoyoteTestRun.Run(CoyoteTestRun.Config(seed, iterations).WithPrioritizationStrategy(false, 3), test, output);

    /// <summary>Runs each actor's body as a task; a violation becomes a failed assertion.</summary>
    private static async Task RunActors(KernelWorld w, params (string Name, Action Body)[] actors)
    {
        var tasks = new List<Task>();
        foreach (var (name, body) in actors)
        {
            tasks.Add(Task.Run(() =>
            {
                using var _ = w.EnterActor(name);
                try
                {
                    body();
                }
                catch (KernelViolation v)
                {
                    Specification.Assert(false, v.Message);
                }
            }));
        }
        await Task.WhenAll(tasks.ToArray());
        try
        {
            w.CheckInvariants();
        }
        catch (KernelViolation v)
        {
            Specification.Assert(false, v.Message);
        }
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("upstream")]
    public void Faults_against_munmap_mprotect_madvise_and_fork_report_nothing(string variant)
    {
        var report = Explore(async () =>
        {
            var w = KernelWorld.Create(new MachineLayout(12, 0, 0), KernelConfig.Default, KernelVariants.Get(variant));
            w.Mmap("A", 0, 4, VmProt.ReadWrite, false);
            w.UserWrite("A", 0, 1);
            w.UserWrite("A", 1, 2);
            w.swap_out_page("A", 1);
            await RunActors(w,
                ("cpu0", () =>
                {
                    w.UserWrite("A", 0, 10);
                    w.UserRead("A", 1);
                    w.UserWrite("A", 2, 30);
                }),
                ("cpu1", () =>
                {
                    w.MadviseDontneed("A", 0, 1);
                    w.Fork("A", "B");
                    w.UserWrite("B", 0, 5);
                }),
                ("cpu2", () =>
                {
                    w.Mprotect("A", 2, 1, VmProt.Read);
                    w.Munmap("A", 3, 1);
                    w.Smaps("A");
                }));
        }, seed: 11);
        report.NumOfFoundBugs.Should().Be(0, string.Join("\n", report.BugReports));
    }

    private static Func<Task> FaultVersusDontneed(string variant) => async () =>
    {
        var w = KernelWorld.Create(new MachineLayout(8, 0, 0), KernelConfig.Default, KernelVariants.Get(variant));
        var dev = new TestDevice(w, ModelTest.TestDeviceStart, 4);
        w.Mmap("A", 0, 1, VmProt.ReadWrite, false);
        w.UserWrite("A", 0, 42);
        dev.PlaceDeviceEntry("A", 0);
        await RunActors(w,
            ("cpu0", () => w.UserRead("A", 0)),
            ("cpu1", () => w.MadviseDontneed("A", 0, 1)));
    };

    [Fact]
    public void Seed_fault_against_madvise_dontneed_reads_a_freed_device_page()
    {
        var report = Explore(FaultVersusDontneed("seed"), seed: 7);
        report.NumOfFoundBugs.Should().BeGreaterThan(0);
        report.BugReports.First().Should().Contain("[use-after-free]");
    }

    [Theory]
    [InlineData("fix-fault-ref")]
    [InlineData("upstream")]
    public void Fixed_fault_against_madvise_dontneed_is_clean(string variant)
    {
        var report = Explore(FaultVersusDontneed(variant), seed: 7);
        report.NumOfFoundBugs.Should().Be(0, string.Join("\n", report.BugReports));
    }
}
