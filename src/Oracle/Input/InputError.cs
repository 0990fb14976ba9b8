namespace Hmm.Spec.Input;

/// <summary>
/// A problem in an input file (scenario, history, trace bundle, the catalog's data) or a command-line value: where
/// it is and what is wrong. Every loader throws it: the history parser here in the oracle, the scenario, bundle and
/// catalog loaders in Actors, the CLI's option checks. It lives in the oracle assembly because that is the lowest
/// one with a loader (Model reads no files and Actors depends on Oracle), in its own namespace because it belongs
/// to input handling, not to the op vocabulary.
/// Front ends print it as one line, <c>FILE: PLACE: PROBLEM</c>, and exit with code 2.
/// </summary>
public sealed class InputError(string place, string problem) : Exception($"{place}: {problem}")
{
    /// <summary>Where in the input: a JSON path such as <c>actors[1].ops[0].page</c>, or <c>line 7</c>.</summary>
    public string Place { get; } = place;
    public string Problem { get; } = problem;

    /// <summary>The same problem, with <paramref name="outer"/> prefixed to the place.</summary>
    public InputError Within(string outer) =>
        new(string.IsNullOrEmpty(Place) ? outer : $"{outer}: {Place}", Problem);
}
