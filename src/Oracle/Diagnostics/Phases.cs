using System.Diagnostics;

namespace Hmm.Spec.Oracle.Diagnostics;

/// <summary>Temporary phase timers (HMM_SPEC_PHASES=1): where a check's time goes.</summary>
public static class Phases
{
    public static readonly bool On = Environment.GetEnvironmentVariable("HMM_SPEC_PHASES") == "1";
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static TimeSpan _last;
    private static readonly List<string> Lines = [];

    public static void Mark(string name)
    {
        if (!On) return;
        lock (Lines)
        {
            var now = Clock.Elapsed;
            Lines.Add($"{name,-24} {(now - _last).TotalMilliseconds,8:F1} ms  (at {now.TotalMilliseconds:F1}, cpu {Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds:F0}, alloc {GC.GetTotalAllocatedBytes() >> 20} MiB, gcs {GC.CollectionCount(0)})");
            _last = now;
        }
    }

    public static bool MarkTrue(string name) { Mark(name); return true; }

    public static void Print(TextWriter to)
    {
        if (!On) return;
        var start = DateTime.Now - Process.GetCurrentProcess().StartTime;
        to.WriteLine($"since process start: {start.TotalMilliseconds:F0} ms");
        foreach (var l in Lines) to.WriteLine(l);
    }
}
