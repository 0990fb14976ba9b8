using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>
/// Each core mutant against one scenario that must pass on seed and upstream and fail on the mutant (a wrong
/// result or a violation). The device side's mutants (finalize-skips-pte-same, register-memory-ignores-conflict)
/// are covered in Device/.
/// </summary>
public sealed class MutantMatrixTests : ModelTest
{
    /// <summary>Runs the scenario; true when it behaved as the seed's hunks require.</summary>
    private static readonly Dictionary<string, Func<KernelWorld, TestDevice, bool>> Scenarios = new()
    {
        ["mutant-fork-keeps-write-device-entry"] = (w, dev) =>
        {
            MapAndFill(w, "A", 1);
            dev.PlaceDeviceEntry("A", 0, write: true);
            w.Fork("A", "B");
            return !w.is_write_device_entry(EntryOf(w, "A", 0)) && !w.is_write_device_entry(EntryOf(w, "B", 0));
        },
        ["mutant-fork-skips-get-page"] = (w, dev) => InvariantsHold(w, () =>
        {
            MapAndFill(w, "A", 1);
            dev.PlaceDeviceEntry("A", 0);
            w.Fork("A", "B");
        }),
        ["mutant-fork-skips-dup-rmap"] = (w, dev) => InvariantsHold(w, () =>
        {
            MapAndFill(w, "A", 1);
            dev.PlaceDeviceEntry("A", 0);
            w.Fork("A", "B");
        }),
        ["mutant-zap-skips-device-entries-with-details"] = (w, dev) =>
        {
            MapAndFill(w, "A", 1);
            dev.PlaceDeviceEntry("A", 0);
            w.zap_page_range_single(w.Mms["A"].find_vma(0)!, 0, 1, new ZapDetails(null));
            return PteOf(w, "A", 0).IsNone;
        },
        ["mutant-zap-skips-rss-decrement"] = (w, dev) => InvariantsHold(w, () =>
        {
            MapAndFill(w, "A", 1);
            dev.PlaceDeviceEntry("A", 0);
            w.Munmap("A", 0, 1);
        }),
        ["mutant-zap-skips-put-page"] = (w, dev) => InvariantsHold(w, () =>
        {
            MapAndFill(w, "A", 1);
            dev.PlaceDeviceEntry("A", 0);
            w.Exit("A");
            w.CheckLeaks();
        }),
        ["mutant-mprotect-keeps-write-device-entry"] = (w, dev) =>
        {
            MapAndFill(w, "A", 1);
            dev.PlaceDeviceEntry("A", 0, write: true);
            w.Mprotect("A", 0, 1, VmProt.Read);
            return !w.is_write_device_entry(EntryOf(w, "A", 0));
        },
        ["mutant-max-swapfiles-not-reduced"] = (w, dev) => InvariantsHold(w, () => { }),
        ["mutant-do-swap-page-ignores-device-entries"] = (w, dev) =>
        {
            MapAndFill(w, "A", 1);
            dev.PlaceDeviceEntry("A", 0);
            return w.UserRead("A", 0) == new AccessOutcome(100, Sig.None);
        },
    };

    private static bool InvariantsHold(KernelWorld w, Action act)
    {
        try
        {
            act();
            w.CheckInvariants();
            return true;
        }
        catch (KernelViolation)
        {
            return false;
        }
    }

    public static TheoryData<string> CoreMutants()
    {
        var data = new TheoryData<string>();
        foreach (var name in Scenarios.Keys)
            data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CoreMutants))]
    public void Scenario_passes_on_seed_and_upstream_and_fails_on_the_mutant(string mutant)
    {
        foreach (var good in new[] { "seed", "upstream" })
        {
            var (w, dev) = NewWorldWithDevice(good);
            Scenarios[mutant](w, dev).Should().BeTrue($"{good} must pass the scenario for {mutant}");
        }
        var (mw, mdev) = NewWorldWithDevice(mutant);
        ExpectBroken(mw);
        Scenarios[mutant](mw, mdev).Should().BeFalse($"{mutant} must be caught");
    }

    [Fact]
    public void Every_core_mutant_has_a_scenario()
    {
        var device = new[]
        {
            "mutant-finalize-skips-pte-same", "mutant-register-memory-ignores-conflict",
            // The mirror's notifier mutants need the real driver: Device/MirrorTests.
            "mutant-mprotect-skips-mmu-notifier", "mutant-fork-skips-mmu-notifier", "mutant-zap-skips-mmu-notifier",
        };
        KernelVariants.Mutants.Select(m => m.Name).Except(device).Should().BeEquivalentTo(Scenarios.Keys);
    }
}
