using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Hmm.Spec.Actors.Bundles;

namespace Hmm.Spec.Cli.Scale;

/// <summary>
/// How to start this tool again as a worker. Under <c>dotnet hmm-spec.dll</c> (and <c>dotnet test</c>) the process
/// is the <c>dotnet</c> host, so the worker is the host with this assembly's path; under the <c>hmm-spec</c>
/// app host (<c>dotnet run</c>, a published tool) it is the process itself.
/// </summary>
internal sealed record WorkerLauncher(string FileName, IReadOnlyList<string> Prefix)
{
    public static WorkerLauncher Default()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process is unknown: cannot start workers");
        var assembly = typeof(Cli).Assembly.Location;
        var host = Path.GetFileNameWithoutExtension(process);
        if (string.Equals(host, "dotnet", StringComparison.OrdinalIgnoreCase) && assembly.Length > 0)
            return new WorkerLauncher(process, [assembly]);
        if (string.Equals(host, Path.GetFileNameWithoutExtension(assembly), StringComparison.OrdinalIgnoreCase) || assembly.Length == 0)
            return new WorkerLauncher(process, []);
        // Hosted by something else (a test runner): the dotnet host that runs us, with this assembly.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        return new WorkerLauncher(dotnet, [assembly]);
    }
}

/// <summary>
/// Runs a list of units: in this process one after the other (one job, or one unit), or in worker processes
/// (<see cref="WorkerPool"/>). Either way every outcome goes through the same JSON a worker writes, so the merge
/// sees the same data whatever ran the unit.
/// </summary>
internal static class UnitRunner
{
    public static IReadOnlyList<UnitOutcome> Run(Work work, IReadOnlyList<WorkUnit> units, int jobs, Progress? progress, WorkerLauncher launcher, string[] args)
    {
        if (jobs <= 1 || units.Count <= 1)
        {
            var outcomes = new List<UnitOutcome>(units.Count);
            foreach (var unit in units)
            {
                var outcome = RoundTrip(work.Run(unit));
                outcomes.Add(outcome);
                progress?.UnitDone(unit, outcome);
            }
            return outcomes;
        }
        return new WorkerPool(work, launcher, args, progress).Run(units, jobs);
    }

    public static UnitOutcome RoundTrip(UnitOutcome o) => UnitOutcome.FromJson(JsonNode.Parse(o.ToJson().ToJsonString()));
}

/// <summary>
/// N worker processes, each running one unit at a time from a shared queue (the tool itself, with the hidden
/// <c>__worker</c> verb in front of the command's own arguments: it builds the same work, checks that its digest is
/// the coordinator's, then runs the units it is sent and writes each outcome to a file). A worker that dies while
/// running a unit (a crash, a kill, an unhandled exception) is reported with the unit, and the unit runs once more
/// in a new worker; a second failure is the unit's error.
/// </summary>
internal sealed class WorkerPool(Work work, WorkerLauncher launcher, string[] args, Progress? progress)
{
    private readonly object _gate = new();
    private readonly Queue<(WorkUnit Unit, int Attempt, string? FirstFailure)> _queue = new();
    private readonly Dictionary<int, UnitOutcome> _outcomes = [];
    private int _running;

    public IReadOnlyList<UnitOutcome> Run(IReadOnlyList<WorkUnit> units, int jobs)
    {
        foreach (var u in units)
            _queue.Enqueue((u, 1, null));
        var dir = Directory.CreateTempSubdirectory("hmm-spec-units-").FullName;
        try
        {
            var threads = Enumerable.Range(0, Math.Min(jobs, units.Count))
                .Select(_ => new Thread(() => Slot(dir)) { IsBackground = true, Name = "hmm-spec worker slot" })
                .ToArray();
            foreach (var t in threads)
                t.Start();
            foreach (var t in threads)
                t.Join();
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        return units.Select(u => _outcomes[u.Index]).ToArray();
    }

    private void Slot(string dir)
    {
        WorkerProcess? worker = null;
        try
        {
            while (Next() is { } item)
            {
                var (unit, attempt, firstFailure) = item;
                UnitOutcome? outcome = null;
                string? failure;
                try
                {
                    worker ??= WorkerProcess.Start(launcher, args, work.Hash);
                    var file = Path.Combine(dir, $"unit-{unit.Index}-{attempt}.json");
                    failure = worker.Run(unit.Index, attempt, file);
                    if (failure is null)
                    {
                        outcome = UnitOutcome.FromJson(JsonNode.Parse(File.ReadAllText(file)));
                        outcome.Attempts = attempt;
                    }
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception or FormatException or System.Text.Json.JsonException)
                {
                    failure = $"worker failed: {e.Message}";
                }
                if (failure is not null)
                {
                    worker?.Dispose();
                    worker = null;
                    progress?.WorkerFailed(unit, failure, rerun: attempt == 1);
                    if (attempt == 1)
                    {
                        Requeue(unit, failure);
                        continue;
                    }
                    outcome = UnitOutcome.Failed(unit, attempt, $"failed twice: {firstFailure}; then {failure}");
                }
                Done(unit, outcome!);
            }
        }
        finally
        {
            worker?.Dispose();
        }
    }

    /// <summary>The next unit to run, waiting while a unit that may fail (and come back) is still running; null at the end.</summary>
    private (WorkUnit, int, string?)? Next()
    {
        lock (_gate)
        {
            while (_queue.Count == 0 && _running > 0)
                Monitor.Wait(_gate);
            if (_queue.Count == 0)
                return null;
            _running++;
            return _queue.Dequeue();
        }
    }

    private void Requeue(WorkUnit unit, string failure)
    {
        lock (_gate)
        {
            _running--;
            _queue.Enqueue((unit, 2, failure));
            Monitor.PulseAll(_gate);
        }
    }

    private void Done(WorkUnit unit, UnitOutcome outcome)
    {
        lock (_gate)
        {
            _running--;
            _outcomes[unit.Index] = outcome;
            Monitor.PulseAll(_gate);
        }
        progress?.UnitDone(unit, outcome);
    }
}

/// <summary>One worker process and its line protocol: <c>ready DIGEST</c>, then <c>run INDEX ATTEMPT FILE</c> / <c>done INDEX</c>.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private const int TailLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private WorkerProcess(Process process) => _process = process;

    public static WorkerProcess Start(WorkerLauncher launcher, string[] args, string hash)
    {
        var info = new ProcessStartInfo(launcher.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in launcher.Prefix)
            info.ArgumentList.Add(a);
        info.ArgumentList.Add(Worker.Verb);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {launcher.FileName}");
        var worker = new WorkerProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (worker._tail)
            {
                worker._tail.Enqueue(e.Data);
                while (worker._tail.Count > TailLines)
                    worker._tail.Dequeue();
            }
        };
        process.BeginErrorReadLine();
        var ready = process.StandardOutput.ReadLine();
        if (ready != $"ready {hash}")
        {
            var why = ready is null ? worker.Ended() : $"it built another work definition ({Json.Short(ready)})";
            worker.Dispose();
            throw new InvalidOperationException($"the worker did not start: {why}");
        }
        return worker;
    }

    /// <summary>Runs a unit; null when its outcome is in <paramref name="file"/>, else what happened to the worker.</summary>
    public string? Run(int index, int attempt, string file)
    {
        try
        {
            _process.StandardInput.WriteLine($"run {index} {attempt} {file}");
            _process.StandardInput.Flush();
            var line = _process.StandardOutput.ReadLine();
            if (line == $"done {index}")
                return null;
            return line is null ? Ended() : $"the worker answered \"{Json.Short(line)}\"";
        }
        catch (IOException)
        {
            return Ended();
        }
    }

    /// <summary>How the process ended, with the last line it wrote to standard error.</summary>
    private string Ended()
    {
        if (!_process.WaitForExit(10_000))
        {
            Kill();
            return $"worker process {_process.Id} stopped answering";
        }
        _process.WaitForExit(); // the error stream drained
        var code = _process.ExitCode;
        var signal = OperatingSystem.IsWindows() || code <= 128 ? "" : $" (killed by signal {code - 128})";
        string? last;
        lock (_tail)
            last = _tail.LastOrDefault(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        return $"worker process {_process.Id} exited with code {code}{signal}" + (last is null ? "" : $"; its last message: {Input.ExcerptOf(last)}");
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        if (!_process.WaitForExit(10_000))
            Kill();
        _process.Dispose();
    }
}

/// <summary>Short excerpts of text that came from elsewhere.</summary>
internal static class Input
{
    public static string ExcerptOf(string s) => Actors.Input.Excerpt.Clean(s);
}

/// <summary>
/// The worker side: <c>hmm-spec __worker COMMAND ARGS...</c> builds the command's work from the same arguments,
/// announces its digest, and runs the units it is sent. The hidden test hook <c>HMM_SPEC_TEST_CRASH_UNIT</c>
/// (<c>INDEX</c>, or <c>INDEX@ATTEMPT</c>) makes the worker kill itself when asked to run that unit (on every attempt,
/// or only that attempt): tests use it to check that a crashed unit is reported and run again.
/// </summary>
internal static class Worker
{
    public const string Verb = "__worker";
    public const string CrashHook = "HMM_SPEC_TEST_CRASH_UNIT";

    public static int Loop(Work work, TextWriter output)
    {
        output.WriteLine($"ready {work.Hash}");
        output.Flush();
        var crash = Environment.GetEnvironmentVariable(CrashHook);
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            var parts = line.Split(' ', 4);
            if (parts.Length != 4 || parts[0] != "run" || !int.TryParse(parts[1], out var index) || !int.TryParse(parts[2], out var attempt)
                || index < 0 || index >= work.Units.Count)
                throw new InvalidOperationException($"worker: unexpected request \"{Json.Short(line)}\"");
            if (crash is not null && (crash == parts[1] || crash == $"{parts[1]}@{parts[2]}"))
            {
                Console.Error.WriteLine($"{CrashHook}={crash}: killing this worker at unit {index}");
                Console.Error.Flush();
                Process.GetCurrentProcess().Kill();
            }
            var outcome = work.Run(work.Units[index]);
            AtomicFile.WriteAllText(parts[3], outcome.ToJson().ToJsonString());
            output.WriteLine($"done {index}");
            output.Flush();
        }
        return Cli.ExitOk;
    }
}
