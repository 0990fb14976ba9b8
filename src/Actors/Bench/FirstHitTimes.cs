namespace Hmm.Spec.Actors.Bench;

/// <summary>
/// Iterations and milliseconds to the first hit of a bug over several seeds, with the one rule every table that
/// reports them uses (the catalog's time to first hit, bench's time to the seed's bug): a seed that did not hit
/// within its budget (no bug, or a bug of another category first) is a miss and counts as infinitely late. The
/// median is a miss (null) when half or more of the seeds missed, the worst is a miss when any seed missed.
/// Dropping the misses instead would report the median of the lucky seeds only.
/// </summary>
public sealed class FirstHitTimes
{
    private readonly List<double> _iterations = [];
    private readonly List<double> _ms = [];

    public int Seeds => _iterations.Count;
    public int Found { get; private set; }

    /// <summary>A seed that hit the bug after <paramref name="iterations"/> iterations and <paramref name="ms"/> milliseconds.</summary>
    public void Hit(int iterations, double ms)
    {
        Found++;
        _iterations.Add(iterations);
        _ms.Add(ms);
    }

    /// <summary>A seed that missed.</summary>
    public void Miss()
    {
        _iterations.Add(double.PositiveInfinity);
        _ms.Add(double.PositiveInfinity);
    }

    public double? MedianIterations => Median(_iterations);
    public double? MedianMs => Median(_ms);
    public int? WorstIterations => AllFound ? (int)_iterations.Max() : null;
    public long? WorstMs => AllFound ? (long)_ms.Max() : null;

    private bool AllFound => Seeds > 0 && Found == Seeds;

    /// <summary>The median, a miss being +infinity; null when the median itself is a miss (or there are no values).</summary>
    public static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            return null;
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        var m = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return double.IsPositiveInfinity(m) ? null : m;
    }

    /// <summary>How the tables print a median or worst value: whole numbers, <c>miss</c> for a miss.</summary>
    public static string Show(double? value) =>
        value is { } v ? v.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) : "miss";
}
