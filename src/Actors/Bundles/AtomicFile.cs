using System.Runtime.InteropServices;
using System.Text;

namespace Hmm.Spec.Actors.Bundles;

/// <summary>
/// Writes a whole file or nothing: the text goes to a temporary file in the target's directory, is flushed to the
/// device, then renamed over the target, so a crash or a full disk never leaves a half-written file in place of a
/// good one. Only regular files are replaced: a directory, symlink, device, FIFO or socket at the path is refused
/// (renaming over it would silently turn it into a regular file).
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM) to <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The target is not a regular file, or the write or rename failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public static void WriteAllText(string path, string text)
    {
        var full = Path.GetFullPath(path);
        RefuseNonRegular(full);
        var dir = Path.GetDirectoryName(full) ?? throw new IOException($"{full} has no parent directory");
        // A short fixed-length name: the target's own name may already be at the file-system's name limit.
        var temp = Path.Combine(dir, $".hmm-{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Throws unless <paramref name="full"/> is absent or a regular file (symlinks are not followed).</summary>
    public static void RefuseNonRegular(string full)
    {
        var info = new FileInfo(full);
        if (info.LinkTarget is not null)
            throw new IOException($"{full} is a symbolic link; refusing to replace it");
        if (Directory.Exists(full))
            throw new IOException($"{full} is a directory");
        if (!info.Exists || !OperatingSystem.IsLinux())
            return;
        var type = FileTypeBits(full);
        if (type is { } t && t != RegularFile)
            throw new IOException($"{full} is not a regular file (a device, FIFO or socket); refusing to replace it");
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original error matters more than a leftover temporary file.
        }
    }

    // .NET exposes no file type beyond directory and symlink; statx(2) has one layout on every Linux architecture.
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28, FileTypeMask = 0xF000, RegularFile = 0x8000;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    /// <summary>The <c>S_IFMT</c> bits of the path's mode, or null when they cannot be read.</summary>
    private static int? FileTypeBits(string full)
    {
        var buffer = new byte[256];
        try
        {
            if (Statx(AtFdCwd, full, AtSymlinkNoFollow, StatxType, buffer) != 0)
                return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        return BitConverter.ToUInt16(buffer, StatxModeOffset) & FileTypeMask;
    }
}
