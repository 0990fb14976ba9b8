using System.Globalization;
using System.Runtime.InteropServices;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// Asks Linux to back the garbage collector's fresh memory with transparent huge pages (<c>madvise(2)</c>,
/// <c>MADV_HUGEPAGE</c>). A check allocates its whole working set in a no-collection region (<see cref="NoGcRegion"/>),
/// all of it memory the process touches for the first time; with 4 KiB pages that is one page fault per 4 KiB
/// (about 17,000 for a 100k-op history, a quarter of the process's CPU time on a virtual machine, where a fault is
/// dear), with 2 MiB pages one per 2 MiB (docs/performance.md, "Oracle"). The advice is only that: on a kernel with
/// huge pages off (<c>never</c>) or on for every mapping (<c>always</c>) nothing changes, and any failure is ignored.
/// <para>
/// The runtime does not say where its heap lies, so the advice goes to the anonymous private read-write mappings
/// that can only be the heap's: the one holding an object allocated now, and those of at least
/// <see cref="MinBytes"/> (the region's allowance is committed in a few large mappings; thread stacks are 8 MiB,
/// the runtime's other anonymous mappings smaller).
/// </para>
/// </summary>
internal static class HugePages
{
    /// <summary>Mappings at least this large are taken to be the heap's.</summary>
    public const long MinBytes = 16L << 20;

    private const int MadvHugepage = 14;

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(nint address, nuint length, int advice);

    /// <summary>Advises the heap's mappings; returns the bytes advised (0 off Linux or when nothing could be).</summary>
    public static long AdviseHeap()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        try
        {
            var probe = GCHandle.Alloc(new byte[64], GCHandleType.Pinned);
            ulong fresh;
            try
            {
                fresh = (ulong)probe.AddrOfPinnedObject();
            }
            finally
            {
                probe.Free();
            }
            long advised = 0;
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                if (Anonymous(line) is not var (start, end)) continue;
                if (end - start < MinBytes && (fresh < start || fresh >= end)) continue;
                if (Madvise((nint)start, (nuint)(end - start), MadvHugepage) == 0) advised += (long)(end - start);
            }
            return advised;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>The address range of a /proc/self/maps line ("start-end perms offset dev inode [path]") of an
    /// anonymous private read-write mapping (inode 0, no path), else null.</summary>
    internal static (ulong Start, ulong End)? Anonymous(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5 || fields[1] != "rw-p" || fields[4] != "0") return null;
        var dash = fields[0].IndexOf('-');
        if (dash < 0
            || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end)
            || end <= start)
            return null;
        return (start, end);
    }
}
