using System.Diagnostics;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Evidence;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reporting;

/// <summary>What <c>check</c> is asked for besides the verdict: JSON, a time budget, a minimized history, an HTML view.</summary>
public sealed record CheckRequest(bool Json = false, double? TimeoutSeconds = null, bool Minimize = false, string? MinimizeOut = null, string? Html = null,
    long? MaxStates = null, long? MaxMemoryMiB = null);

/// <summary>
/// What <c>hmm-spec check HISTORY [--json] [--timeout S] [--max-states N] [--max-memory MIB] [--minimize [-o FILE]]
/// [--html FILE]</c> does, callable in-process: read, check, print, and write the evidence files. Exit codes: 0
/// linearizable, 1 not linearizable, 3 unknown (budget exhausted), 2 malformed input or bad usage. The time budget
/// covers parsing and checking together; minimizing gets a budget of its own of the same length (60 s without
/// --timeout).
/// </summary>
public static class CheckRunner
{
    public const int ExitLinearizable = 0, ExitNotLinearizable = 1, ExitMalformed = 2, ExitUnknown = 3;

    public static int Run(string path, bool json, double? timeoutSeconds, TextWriter output, TextWriter error,
        long? maxStates = null, long? maxMemoryMiB = null) =>
        Run(path, new CheckRequest(json, timeoutSeconds, MaxStates: maxStates, MaxMemoryMiB: maxMemoryMiB), output, error);

    public static int Run(string path, CheckRequest request, TextWriter output, TextWriter error)
    {
        if (request.TimeoutSeconds is { } t && (double.IsNaN(t) || t <= 0 || t > TimeSpan.MaxValue.TotalSeconds / 2))
        {
            error.WriteLine($"hmm-spec check: --timeout must be a positive number of seconds, found {t}");
            return ExitMalformed;
        }
        if (string.IsNullOrEmpty(path))
        {
            error.WriteLine("hmm-spec check: the history file name is empty");
            return ExitMalformed;
        }
        var minimizeOut = request.Minimize ? request.MinimizeOut ?? DefaultMinimizedPath(path) : null;
        foreach (var (flag, file) in new[] { ("-o", minimizeOut), ("--html", request.Html) })
        {
            if (file is not null && OutputFile.Problem(file) is { } bad)
            {
                error.WriteLine($"hmm-spec check: {flag} {file}: {bad}");
                return ExitMalformed;
            }
        }
        if (request.MinimizeOut is not null && !request.Minimize)
        {
            error.WriteLine("hmm-spec check: -o names the minimized history's file and needs --minimize");
            return ExitMalformed;
        }

        if (request.MaxStates is { } maxStates && maxStates < 1)
        {
            error.WriteLine($"hmm-spec check: --max-states must be at least 1, found {maxStates}");
            return ExitMalformed;
        }
        if (request.MaxMemoryMiB is { } maxMemoryMiB && maxMemoryMiB is < 1 or > 1L << 30)
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
            if (request.Json)
                output.WriteLine(CheckReport.ToJson(new CheckResult(Verdict.Malformed, 0, 0, 0, clock.Elapsed, Message: e.Message), path));
            return ExitMalformed;
        }

        foreach (var w in history.Warnings) error.WriteLine(w);
        var parsed = clock.Elapsed;
        TimeSpan? budget = request.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) - parsed : null;
        if (budget < TimeSpan.Zero) budget = TimeSpan.Zero;
        var result = LinearizabilityChecker.Check(history, new CheckOptions(Budget: budget, MaxStates: request.MaxStates ?? long.MaxValue,
            MaxMemoryBytes: request.MaxMemoryMiB << 20));
        result = result with { Elapsed = clock.Elapsed };
        // The checker saw only what parsing left of --timeout: name the user's figure, not the remainder ("0 s").
        if (result.Verdict == Verdict.Unknown && request.TimeoutSeconds is { } asked && result.Message?.StartsWith("time budget", StringComparison.Ordinal) == true)
            result = result with { Message = $"time budget of {asked.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} s exhausted ({parsed.TotalSeconds:0.###} s of it reading the history)" };
        var wrong = WrongValue.Explain(history, result);
        if (request.Json) output.WriteLine(CheckReport.ToJson(result, path, wrong?.Lines()));
        else
        {
            output.WriteLine($"{path}: {result.Explain()}");
            if (wrong is not null) foreach (var line in wrong.Lines()) output.WriteLine(line);
        }
        if (result.Verdict == Verdict.Malformed) error.WriteLine($"{path}: {result.Message}");

        try
        {
            if (request.Html is { } html) OutputFile.Write(html, HtmlView.Render(history, result, path, wrong));
            if (minimizeOut is not null) ReportMinimized(history, result, request, minimizeOut, request.Json ? error : output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"hmm-spec check: cannot write the requested file: {e.Message}");
            return ExitMalformed;
        }
        return result.Verdict switch
        {
            Verdict.Linearizable => ExitLinearizable,
            Verdict.NotLinearizable => ExitNotLinearizable,
            Verdict.Unknown => ExitUnknown,
            _ => ExitMalformed,
        };
    }

    /// <summary>HISTORY.jsonl → HISTORY.min.jsonl beside it.</summary>
    public static string DefaultMinimizedPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + ".min.jsonl");

    private static void ReportMinimized(History.History history, CheckResult result, CheckRequest request, string file, TextWriter to)
    {
        if (result.Verdict != Verdict.NotLinearizable)
        {
            to.WriteLine($"minimize: nothing to minimize (the history is {CheckReport.VerdictName(result.Verdict)}); {file} not written");
            return;
        }
        var outcome = Minimizer.Minimize(history, budget: TimeSpan.FromSeconds(request.TimeoutSeconds ?? 60));
        OutputFile.Write(file, HistoryWriter.ToText(outcome.History));
        var processes = outcome.History.Events.Select(e => e.Process).Distinct().Count();
        to.WriteLine($"minimized: {outcome.History.OperationCount} of {history.OperationCount} operations, {processes} of " +
                     $"{history.Events.Select(e => e.Process).Distinct().Count()} processes, {outcome.History.Header.Setup.Count} of " +
                     $"{history.Header.Setup.Count} setup ops, still not linearizable ({outcome.Checks} checks" +
                     $"{(outcome.Complete ? "" : ", stopped by the time budget")}): {file}");
    }
}
