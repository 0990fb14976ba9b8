using System.Diagnostics;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reporting;

/// <summary>
/// What <c>hmm-spec check HISTORY [--json] [--timeout S] [--max-states N] [--max-memory MIB]</c> does, callable in-process: read, check, print.
/// Exit codes: 0 linearizable, 1 not linearizable, 3 unknown (budget exhausted), 2 malformed input or bad usage.
/// The time budget covers parsing and checking together.
/// </summary>
public static class CheckRunner
{
    public const int ExitLinearizable = 0, ExitNotLinearizable = 1, ExitMalformed = 2, ExitUnknown = 3;

    public static int Run(string path, bool json, double? timeoutSeconds, TextWriter output, TextWriter error,
        long? maxStates = null, long? maxMemoryMiB = null)
    {
        if (timeoutSeconds is { } t && (double.IsNaN(t) || t <= 0 || t > TimeSpan.MaxValue.TotalSeconds / 2))
        {
            error.WriteLine($"hmm-spec check: --timeout must be a positive number of seconds, found {t}");
            return ExitMalformed;
        }
        if (maxStates is < 1)
        {
            error.WriteLine($"hmm-spec check: --max-states must be at least 1, found {maxStates}");
            return ExitMalformed;
        }
        if (maxMemoryMiB is < 1 or > 1L << 30)
        {
            error.WriteLine($"hmm-spec check: --max-memory must be between 1 and {1L << 30} MiB, found {maxMemoryMiB}");
            return ExitMalformed;
        }
        var clock = Stopwatch.StartNew();
        History.History history;
        try
        {
            history = HistoryReader.Read(path);
        }
        catch (InputError e)
        {
            error.WriteLine(e.Message);
            if (json)
                output.WriteLine(CheckReport.ToJson(new CheckResult(Verdict.Malformed, 0, 0, 0, clock.Elapsed, Message: e.Message), path));
            return ExitMalformed;
        }

        TimeSpan? budget = timeoutSeconds is { } s ? TimeSpan.FromSeconds(s) - clock.Elapsed : null;
        if (budget < TimeSpan.Zero) budget = TimeSpan.Zero;
        var result = LinearizabilityChecker.Check(history, new CheckOptions(Budget: budget, MaxStates: maxStates ?? long.MaxValue,
            MaxMemoryBytes: maxMemoryMiB << 20));
        result = result with { Elapsed = clock.Elapsed };
        if (json) output.WriteLine(CheckReport.ToJson(result, path));
        else output.WriteLine($"{path}: {result.Explain()}");
        if (result.Verdict == Verdict.Malformed) error.WriteLine($"{path}: {result.Message}");
        return result.Verdict switch
        {
            Verdict.Linearizable => ExitLinearizable,
            Verdict.NotLinearizable => ExitNotLinearizable,
            Verdict.Unknown => ExitUnknown,
            _ => ExitMalformed,
        };
    }
}
