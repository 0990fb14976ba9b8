using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Cli.Commands;

/// <summary>Checks on path arguments made before any work starts, so a bad one costs nothing and loses nothing.</summary>
internal static class PathArgument
{
    /// <summary>The path itself; an empty one (<c>""</c>) is bad input naming <paramref name="what"/>.</summary>
    public static string NonEmpty(string? path, string what) =>
        string.IsNullOrWhiteSpace(path) ? throw new InputError(what, "is empty (give a file path)") : path;
}
