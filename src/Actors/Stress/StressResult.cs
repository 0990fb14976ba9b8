namespace Hmm.Spec.Actors.Stress;

/// <summary>
/// A stress run's tally: how many runs ended with each bug category (the first report of each run), how many
/// ran clean, and the wall time. <c>Hits(category)</c> counts the runs that reproduced one bug.
/// </summary>
public sealed record StressResult(
    string Scenario,
    string Variant,
    int Runs,
    int Clean,
    IReadOnlyDictionary<string, int> Bugs,
    long ElapsedMs,
    string? FirstMessage)
{
    public int Hits(string category) => Bugs.GetValueOrDefault(category);
}
