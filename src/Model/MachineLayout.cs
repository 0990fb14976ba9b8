namespace Hmm.Spec.Model;

/// <summary>
/// Physical memory of one modelled machine. System RAM is pfns [0, <see cref="RamPages"/>); the device range
/// is [<see cref="DeviceStartPfn"/>, <see cref="DeviceStartPfn"/> + <see cref="DevicePages"/>); any other pfn
/// has no <c>struct page</c> (MMIO, holes).
/// </summary>
public sealed record MachineLayout(int RamPages, int DevicePages, long DeviceStartPfn)
{
    /// <summary>A small machine that most tests use: 16 RAM pages, 8 device pages at pfn 1024.</summary>
    public static MachineLayout Small { get; } = new(16, 8, 1024);
}
