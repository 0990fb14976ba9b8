using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Hmm.Spec.Cli.Scale;

/// <summary>
/// The progress of a run of many units, as one line on standard error: units done of the total, bugs so far, and
/// an estimate of the time left (from the units done so far). On a terminal the line is redrawn in place; otherwise
/// it is logged every <see cref="Interval"/>, as explore logged its progress before, and each bug is logged once.
/// </summary>
internal sealed class Progress(string command, int total, TextWriter? terminal, ILogger log)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly object _gate = new();
    private TimeSpan _last = TimeSpan.Zero;
    private int _done, _bugs, _errors;
    private bool _drawn;

    public void UnitDone(WorkUnit unit, UnitOutcome outcome)
    {
        lock (_gate)
        {
            _done++;
            _bugs += outcome.Bugs.Count > 0 ? 1 : 0;
            _errors += outcome.Status == UnitStatus.Error ? 1 : 0;
            if (terminal is null)
            {
                // An explore unit's bug is the run's (verify parts and stress runs report theirs in the summary).
                foreach (var bug in command == "explore" ? outcome.Bugs : [])
                    log.LogWarning("{Unit}: {Category}: {Message}", unit.Key, bug.Category, bug.Message);
                if (outcome.Status == UnitStatus.Error)
                    log.LogError("{Unit}: {Error}", unit.Key, outcome.Error);
            }
            if (terminal is not null || _watch.Elapsed - _last >= Interval || _done == total)
            {
                _last = _watch.Elapsed;
                Show();
            }
        }
    }

    /// <summary>A worker failed while running a unit (it is run again once); reported at once, whatever the stream.</summary>
    public void WorkerFailed(WorkUnit unit, string what, bool rerun)
    {
        lock (_gate)
        {
            Clear();
            if (terminal is not null)
                terminal.WriteLine($"hmm-spec: {command}: {unit.Key}: {what}{(rerun ? "; running the unit again" : "")}");
            else
                log.LogError("{Unit}: {What}{Rerun}", unit.Key, what, rerun ? "; running the unit again" : "");
            if (terminal is not null)
                Show();
        }
    }

    /// <summary>No worker could be started: the units run in this process only.</summary>
    public void WorkersUnavailable(string why)
    {
        lock (_gate)
        {
            Clear();
            if (terminal is not null)
                terminal.WriteLine($"hmm-spec: {command}: cannot start worker processes ({why}); running the units in this process");
            else
                log.LogError("cannot start worker processes ({Why}); running the units in this process", why);
        }
    }

    /// <summary>Where the workers run: the CPUs they are pinned to, or why they are not (<see cref="CpuPinning"/>); a debug message.</summary>
    public void Placement(string what) => log.LogDebug("workers: {Placement}", what);

    /// <summary>Ends the line (on a terminal).</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (_drawn)
                terminal!.WriteLine();
            _drawn = false;
        }
    }

    private void Clear()
    {
        if (_drawn)
            terminal!.Write("\r\u001b[K");
        _drawn = false;
    }

    private void Show()
    {
        var elapsed = _watch.Elapsed;
        var left = _done == 0 || _done == total ? "" : $", about {Format(elapsed * ((double)(total - _done) / _done))} left";
        var line = $"{command}: {_done}/{total} units, {_bugs} with bugs{(_errors > 0 ? $", {_errors} failed" : "")}, {Format(elapsed)}{left}";
        if (terminal is not null)
        {
            terminal.Write($"\r\u001b[K{line}");
            terminal.Flush();
            _drawn = true;
        }
        else
        {
            log.LogInformation("{Progress}", line);
        }
    }

    private static string Format(TimeSpan t) =>
        t.TotalSeconds < 90 ? $"{t.TotalSeconds:F0} s" : t.TotalMinutes < 90 ? $"{t.TotalMinutes:F0} min" : $"{t.TotalHours:F1} h";
}
