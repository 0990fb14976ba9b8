using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Support;

/// <summary>
/// The one base of the model tests (core and device side): builds worlds (without a device, with a
/// <see cref="TestDevice"/>, or with the probing reference driver dmirror) and, after every test, runs the global
/// invariants on each world the test did not declare broken (<see cref="ExpectBroken"/>).
/// </summary>
public abstract class ModelTest : IDisposable
{
    private readonly List<KernelWorld> _worlds = [];
    private readonly HashSet<KernelWorld> _broken = [];

    /// <summary>First pfn of dmirror's device memory in a <see cref="NewDeviceWorld"/>.</summary>
    public const long DeviceStart = 1024;

    /// <summary>First pfn of the <see cref="TestDevice"/>'s memory in a <see cref="NewWorldWithDevice"/>.</summary>
    public const long TestDeviceStart = 4096;

    /// <summary>A world without the probing driver (DevicePages = 0) and, if asked, a <see cref="TestDevice"/>.</summary>
    protected KernelWorld NewWorld(string variant = "seed", KernelConfig? config = null, int ramPages = 16,
        Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var w = KernelWorld.Create(new MachineLayout(ramPages, 0, 0), config ?? KernelConfig.Default, KernelVariants.Get(variant), logger);
        _worlds.Add(w);
        return w;
    }

    private protected (KernelWorld World, TestDevice Device) NewWorldWithDevice(string variant = "seed", KernelConfig? config = null, int ramPages = 16, int devicePages = 8)
    {
        var w = NewWorld(variant, config, ramPages);
        return (w, new TestDevice(w, TestDeviceStart, devicePages));
    }

    /// <summary>A world with the probing reference driver (dmirror) and <paramref name="devicePages"/> pages of
    /// device memory from <see cref="DeviceStart"/>.</summary>
    protected KernelWorld NewDeviceWorld(string variant = "seed", int ramPages = 16, int devicePages = 8)
    {
        var w = KernelWorld.Create(new MachineLayout(ramPages, devicePages, DeviceStart), KernelConfig.Default, KernelVariants.Get(variant));
        _worlds.Add(w);
        return w;
    }

    /// <summary>The test leaves this world broken on purpose; skip the after-test invariants.</summary>
    protected void ExpectBroken(KernelWorld w) => _broken.Add(w);

    /// <summary>Asserts that <paramref name="act"/> raises a violation of one of <paramref name="categories"/>;
    /// the world is then broken.</summary>
    protected KernelViolation ShouldViolate(KernelWorld w, Action act, params string[] categories)
    {
        ExpectBroken(w);
        var v = Assert.Throws<KernelViolation>(act);
        v.Category.Should().BeOneOf(categories, v.Message);
        return v;
    }

    /// <summary>Maps <paramref name="pages"/> private anonymous pages at 0 and writes 100 + i to each.</summary>
    protected static void MapAndFill(KernelWorld w, string mm = "A", int pages = 4, bool shared = false, int start = 0)
    {
        w.Mmap(mm, start, pages, VmProt.ReadWrite, shared).Should().Be(Errno.OK);
        for (var i = 0; i < pages; i++)
            w.UserWrite(mm, start + i, 100 + start + i).Should().Be(Sig.None);
    }

    /// <summary>The raw PTE of mm:addr.</summary>
    private protected static Pte PteOf(KernelWorld w, string mm, long addr) => w.Mms[mm].PageTableRaw.GetValueOrDefault(addr);

    /// <summary>The swap entry of a swap PTE (decoded without steps).</summary>
    private protected static SwapEntry EntryOf(KernelWorld w, string mm, long addr)
    {
        var pte = PteOf(w, mm, addr);
        pte.IsSwap.Should().BeTrue($"{mm}:{addr} should hold a swap entry, has {pte}");
        return w.pte_to_swp_entry(pte, "test");
    }

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
                w.CheckInvariants();
        }
        GC.SuppressFinalize(this);
    }
}
