using System.Runtime.InteropServices;
using System.Text;

namespace Hmm.Spec.Actors.Bundles;

/// <summary>
/// Writes a whole file or nothing: the text goes to a temporary file in the target's directory, is flushed to the
/// device, then renamed over the target, so a crash or a full disk never leaves a half-written file in place of a
/// good one. Only regular files are replaced: a directory, symlink, device, FIFO or socket at the path is refused
/// (renaming over it would silently turn it into a regular file): writing through a symlink or into a device
/// would give up the guarantee, and a path that names one is more likely a mistake than a wish.
/// Every output file of hmm-spec goes through here (docs/reliability.md, "Write atomicity").
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM) to <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The target is not a regular file, or the write or rename failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public static void WriteAllText(string path, string text) =>
        Write(path, w =>
        {
            w.Write(text);
            return true;
        });

    /// <summary>
    /// Streams the file through <paramref name="write"/> (a large history need not be one string first). When it
    /// returns false, or throws, the temporary file is deleted and whatever was at <paramref name="path"/> stays.
    /// Returns whether the file was replaced.
    /// </summary>
    public static bool Write(string path, Func<TextWriter, bool> write)
    {
        var full = FullPath(path);
        RefuseNonRegular(full);
        var temp = TempBeside(full);
        try
        {
            if (!WriteTemp(temp, write))
            {
                TryDelete(temp);
                return false;
            }
            File.Move(temp, full, overwrite: true);
            return true;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Writes a file that must not replace a different one (trace bundles, item 9 of issue 11): at
    /// <paramref name="path"/> if nothing is there or the same bytes already are (a re-run of the same exploration),
    /// else at the first free <c>NAME.2SUFFIX</c>, <c>NAME.3SUFFIX</c>, ... (<paramref name="suffix"/> ends the
    /// name). The complete temporary file is published by a hard link, which fails if the name exists, so two
    /// processes writing the same name at once both keep their file. (<c>File.Move(..., overwrite: false)</c> is
    /// not that on Unix: it checks that the target is absent and then renames, which replaces a file another
    /// writer put there in between.) Returns the path that holds the text.
    /// </summary>
    public static string WriteNew(string path, string suffix, string text)
    {
        var full = FullPath(path);
        if (!full.EndsWith(suffix, StringComparison.Ordinal))
            throw new ArgumentException($"{full} does not end with {suffix}", nameof(suffix));
        var bytes = Utf8.GetBytes(text);
        var temp = TempBeside(full);
        try
        {
            WriteTemp(temp, w =>
            {
                w.Write(text);
                return true;
            });
            var stem = full[..^suffix.Length];
            for (var n = 1; n <= MaxVersions; n++)
            {
                var candidate = n == 1 ? full : $"{stem}.{n}{suffix}";
                RefuseNonRegular(candidate);
                if (Publish(temp, candidate))
                {
                    TryDelete(temp);
                    return candidate;
                }
                if (SameBytes(candidate, bytes))
                {
                    TryDelete(temp);
                    return candidate;
                }
            }
            throw new IOException($"{full} and {MaxVersions - 1} numbered versions of it already exist with other contents");
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Gives the complete file <paramref name="temp"/> the name <paramref name="candidate"/> unless that name exists:
    /// true when it now does (the caller deletes <paramref name="temp"/>), false when the name was taken.
    /// </summary>
    private static bool Publish(string temp, string candidate)
    {
        if (OperatingSystem.IsWindows())
        {
            // MoveFileEx without MOVEFILE_REPLACE_EXISTING: one call that fails if the name exists.
            try
            {
                File.Move(temp, candidate, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(candidate))
            {
                return false;
            }
        }
        // link(2) creates the name or fails with EEXIST, in one step: the name never shows a partial file.
        if (Link(temp, candidate) == 0)
            return true;
        if (Marshal.GetLastPInvokeError() == EExist)
            return false;
        // No hard links here (a file system without them, or a policy against them): copy to a new file
        // (O_CREAT | O_EXCL), which also never replaces a file, though a crash could leave part of a copy.
        try
        {
            File.Copy(temp, candidate, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(candidate))
        {
            return false;
        }
    }

    private const int EExist = 17;   // the same on Linux and macOS

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    /// <summary>How many numbered versions <see cref="WriteNew"/> tries before giving up.</summary>
    public const int MaxVersions = 1000;

    /// <summary>
    /// Fails now, before a long run, if <paramref name="path"/> could not be written later: a non-regular file there,
    /// or a directory that is missing or not writable (a temporary file is created and deleted to find out).
    /// </summary>
    public static void CheckWritable(string path)
    {
        var full = FullPath(path);
        RefuseNonRegular(full);
        var temp = TempBeside(full);
        new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None).Dispose();
        File.Delete(temp);
    }

    private static string FullPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new IOException("the path is empty");
        return Path.GetFullPath(path);
    }

    // A short fixed-length name: the target's own name may already be at the file-system's name limit.
    private static string TempBeside(string full) =>
        Path.Combine(Path.GetDirectoryName(full) ?? throw new IOException($"{full} has no parent directory"), $".hmm-{Guid.NewGuid():N}.tmp");

    /// <summary>Creates <paramref name="temp"/> (never an existing file), writes it, flushes it to the device.</summary>
    private static bool WriteTemp(string temp, Func<TextWriter, bool> write)
    {
        using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        using var writer = new StreamWriter(stream, Utf8);
        if (!write(writer))
            return false;
        writer.Flush();
        stream.Flush(flushToDisk: true);
        return true;
    }

    private static bool SameBytes(string path, byte[] bytes)
    {
        var info = new FileInfo(path);
        return info.Length == bytes.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes);
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
