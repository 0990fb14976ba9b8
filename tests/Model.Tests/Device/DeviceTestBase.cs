using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

/// <summary>
/// Base of the device-side tests: worlds with the probing reference driver (dmirror). After each test the
/// global invariants run on every world the test did not declare broken.
/// </summary>
public abstract class DeviceTestBase : IDisposable
{
    private readonly List<KernelWorld> _worlds = [];
    private readonly HashSet<KernelWorld> _broken = [];

    public const long DeviceStart = 1024;

    protected KernelWorld NewWorld(string variant = "seed", int ramPages = 16, int devicePages = 8)
    {
        var w = KernelWorld.Create(new MachineLayout(ramPages, devicePages, DeviceStart), KernelConfig.Default, KernelVariants.Get(variant));
        _worlds.Add(w);
        return w;
    }

    protected void ExpectBroken(KernelWorld w) => _broken.Add(w);

    /// <summary>Asserts that <paramref name="act"/> raises a violation of one of <paramref name="categories"/>.</summary>
    protected KernelViolation ShouldViolate(KernelWorld w, Action act, params string[] categories)
    {
        ExpectBroken(w);
        var v = Assert.Throws<KernelViolation>(act);
        v.Category.Should().BeOneOf(categories, v.Message);
        return v;
    }

    /// <summary>Maps <paramref name="pages"/> private anonymous read-write pages at <paramref name="start"/> and writes 100 + page.</summary>
    protected static void MapAndFill(KernelWorld w, string mm = "A", int pages = 4, int start = 0)
    {
        w.Mmap(mm, start, pages, VmProt.ReadWrite, shared: false).Should().Be(Errno.OK);
        for (var i = start; i < start + pages; i++)
            w.UserWrite(mm, i, 100 + i).Should().Be(Sig.None);
    }

    private protected static Pte PteOf(KernelWorld w, string mm, long addr) => w.Mms[mm].PageTableRaw.GetValueOrDefault(addr);

    /// <summary>True when mm:addr holds a device entry (read or write).</summary>
    protected static bool IsDeviceEntry(KernelWorld w, string mm, long addr)
    {
        var pte = PteOf(w, mm, addr);
        return pte.IsSwap && w.is_device_entry(w.pte_to_swp_entry(pte, "test"));
    }

    /// <summary>True when mm:addr is a present PTE.</summary>
    protected static bool IsPresent(KernelWorld w, string mm, long addr) => PteOf(w, mm, addr).IsPresent;

    public void Dispose()
    {
        foreach (var w in _worlds)
        {
            if (!_broken.Contains(w) && w.FirstViolation is null)
                AfterTest(w);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Checks run on every unbroken world after the test: the global invariants.</summary>
    protected virtual void AfterTest(KernelWorld w) => w.CheckInvariants();
}
