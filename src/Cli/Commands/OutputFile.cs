using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// The files a command writes at a path the user names (<c>--html</c>, <c>--out</c>, <c>--write</c>,
/// <c>history generate -o</c>): whole or not at all through <see cref="AtomicFile"/>, and a failure is one line
/// naming the option, exit 2.
/// </summary>
internal static class OutputFile
{
    public static void Write(string option, string path, string text) => Guard(option, path, () => AtomicFile.WriteAllText(path, text));

    /// <summary>Streams the file; when <paramref name="write"/> returns false nothing is replaced.</summary>
    public static bool Write(string option, string path, Func<TextWriter, bool> write)
    {
        var written = false;
        Guard(option, path, () => written = AtomicFile.Write(path, write));
        return written;
    }

    /// <summary>Before a long run: fails now if the file could not be written at its end.</summary>
    public static void Check(string option, string path) => Guard(option, path, () => AtomicFile.CheckWritable(path));

    private static void Guard(string option, string path, Action act)
    {
        try
        {
            act();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InputError(option, $"cannot write {(path.Length == 0 ? "an empty path" : path)}: {e.Message}");
        }
    }
}
