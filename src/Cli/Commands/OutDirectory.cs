using System.Text;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>explore --out DIR</c> checked before exploring: a bug found after minutes of work must not be lost because its
/// bundle cannot be written, so the directory is created, probed for writing, and every bundle name it may receive
/// is checked against the file system's limits first.
/// </summary>
internal static class OutDirectory
{
    /// <summary>Linux's NAME_MAX and PATH_MAX, in bytes.</summary>
    private const int MaxFileNameBytes = 255, MaxPathBytes = 4095;

    /// <summary>Creates and probes <paramref name="dir"/>; <paramref name="bundleNames"/> are the longest names it may get.</summary>
    public static void Prepare(string dir, IEnumerable<string> bundleNames)
    {
        if (string.IsNullOrWhiteSpace(dir))
            throw new InputError("--out", "is empty (give a directory)");
        string full;
        try
        {
            full = Path.GetFullPath(dir);
            if (File.Exists(full))
                throw new InputError("--out", $"{dir} is a file, not a directory");
            Directory.CreateDirectory(full);
            // The probe is deleted when closed: nothing is left behind when no bug is found.
            using var probe = new FileStream(Path.Combine(full, $".hmm-probe-{Guid.NewGuid():N}"), FileMode.CreateNew,
                FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InputError("--out", $"cannot write trace bundles to {dir}: {e.Message}");
        }
        foreach (var name in bundleNames)
        {
            if (Encoding.UTF8.GetByteCount(name) > MaxFileNameBytes)
                throw new InputError("--out", $"the bundle file name {name} would be longer than {MaxFileNameBytes} bytes (shorten the scenario's name)");
            if (Encoding.UTF8.GetByteCount(Path.Combine(full, name)) > MaxPathBytes)
                throw new InputError("--out", $"the bundle path under {dir} would be longer than {MaxPathBytes} bytes");
        }
    }
}
