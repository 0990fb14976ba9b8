namespace Hmm.Spec.Oracle.Ops;

/// <summary>
/// A problem in user input (scenario, history, trace bundle): where it is and what is wrong.
/// Front ends print it as one line, <c>FILE: PLACE: PROBLEM</c>, and exit with code 2.
/// </summary>
public sealed class InputError(string place, string problem) : Exception($"{place}: {problem}")
{
    /// <summary>Where in the input: a JSON path such as <c>actors[1].ops[0].page</c>, or <c>line 7</c>.</summary>
    public string Place { get; } = place;
    public string Problem { get; } = problem;

    /// <summary>Reads a whole input file; an unreadable one is an <see cref="InputError"/> naming it.</summary>
    public static string ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputError(path, $"cannot read the {what}: {e.Message}");
        }
    }

    /// <summary>The same problem, with <paramref name="outer"/> prefixed to the place.</summary>
    public InputError Within(string outer) =>
        new(string.IsNullOrEmpty(Place) ? outer : $"{outer}: {Place}", Problem);
}
