using System.Text;

namespace Hmm.Spec.Oracle.Evidence;

/// <summary>
/// Files that <c>check</c> writes (the minimized history, the HTML view): the path is validated before any
/// checking, so a bad one costs nothing, and the file is written to a temporary file in the same directory and
/// renamed over the target, so a crash or a full disk never leaves a half-written file in its place.
/// </summary>
public static class OutputFile
{
    /// <summary>Why <paramref name="path"/> cannot be written, or null.</summary>
    public static string? Problem(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) return "an empty file name";
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"not a usable path ({e.Message})";
        }
        if (Directory.Exists(full)) return "a directory";
        if (File.Exists(full) && (File.GetAttributes(full) & (FileAttributes.Device | FileAttributes.ReparsePoint)) != 0)
            return "not a regular file (a device or a symbolic link): refusing to replace it";
        var dir = Path.GetDirectoryName(full);
        if (dir is null || !Directory.Exists(dir)) return $"its directory {dir} does not exist";
        if (Path.GetFileName(full).Length > 255) return "the file name is longer than 255 characters";
        // The only sure test that the directory takes a new file (/proc, read-only mounts) is to make one.
        var probe = TempName(full);
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The exception's text names the probe file, which the user never asked for: say what it means.
            var why = e switch
            {
                UnauthorizedAccessException => "permission denied",
                FileNotFoundException or DirectoryNotFoundException => "the file system there takes no new files",
                _ => e.Message.Replace(probe, "a new file"),
            };
            return $"cannot create a file in {dir}: {why}";
        }
        return null;
    }

    private static string TempName(string full) =>
        Path.Combine(Path.GetDirectoryName(full)!, $".hmm-spec-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) through a temporary file and a rename.</summary>
    public static void Write(string path, string text)
    {
        var full = Path.GetFullPath(path);
        var temp = TempName(full);
        try
        {
            using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                f.Write(new UTF8Encoding(false).GetBytes(text));
                f.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
