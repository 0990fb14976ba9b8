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
    /// <summary>Variables set for the workers beside this process's own (tests set the crash hook here).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The crash hook's value the workers will see (<see cref="Worker.CrashHook"/>), or null.</summary>
    public string? CrashHook => Environment.TryGetValue(Worker.CrashHook, out var v) ? v : System.Environment.GetEnvironmentVariable(Worker.CrashHook);

    public static WorkerLauncher Default()
    {
        var process = System.Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process is unknown: cannot start workers");
        var assembly = typeof(Cli).Assembly.Location;
        var host = Path.GetFileNameWithoutExtension(process);
        if (assembly.Length == 0 || string.Equals(host, Path.GetFileNameWithoutExtension(assembly), StringComparison.OrdinalIgnoreCase))
            return new WorkerLauncher(process, []);
        // The dotnet host (dotnet hmm-spec.dll, or a test runner that loaded us): the host with this assembly, in the
        // runtime set-up of this process (its deps and runtimeconfig files: a test host's name a shared framework,
        // ASP.NET Core's, that provides the logging assemblies hmm-spec's own set-up expects beside it).
        var dotnet = string.Equals(host, "dotnet", StringComparison.OrdinalIgnoreCase) ? process
            : System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (deps is not null && deps.EndsWith(".deps.json", StringComparison.Ordinal)
            && deps[..^".deps.json".Length] + ".runtimeconfig.json" is var config && File.Exists(deps) && File.Exists(config))
            return new WorkerLauncher(dotnet, ["exec", "--runtimeconfig", config, "--depsfile", deps, assembly]);
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
/// N slots running units from one queue: this process (one unit at a time, like a one-job run) and N-1 worker
/// processes (the tool itself, with the hidden <c>__worker</c> verb in front of the command's own arguments: it
/// builds the same work, checks that its digest is the coordinator's, then runs the units it is sent and writes
/// each outcome to a file). Workers start in the background, so a small run is over before they are ready and
/// pays nothing for them. A worker that dies while running a unit (a crash, a kill, an unhandled exception) is
/// reported with the unit, and the unit runs once more, in a worker; a second failure is the unit's error.
/// </summary>
internal sealed class WorkerPool(Work work, WorkerLauncher launcher, string[] args, Progress? progress)
{
    private readonly object _gate = new();
    private readonly LinkedList<(WorkUnit Unit, int Attempt, string? FirstFailure)> _queue = new();
    private readonly Dictionary<int, UnitOutcome> _outcomes = [];
    private readonly List<WorkerProcess> _live = [];
    private int _total, _running, _workerSlots;
    private bool _over;

    public IReadOnlyList<UnitOutcome> Run(IReadOnlyList<WorkUnit> units, int jobs)
    {
        _total = units.Count;
        foreach (var u in UnitOrder.LongestFirst(work, units))
            _queue.AddLast((u, 1, null));
        var dir = Directory.CreateTempSubdirectory("hmm-spec-units-").FullName;
        var slots = Math.Min(jobs, units.Count);
        var (cpus, claims, why) = work.Pinnable ? CpuPinning.Plan(slots) : (null, null, $"{work.Command} runs real threads in parallel");
        Pinning = why;
        progress?.Placement(why);
        try
        {
            // Unpinned, this process is a slot too: the units it runs are exactly those a worker would. Pinned, every
            // slot is a worker on its own CPU, and this process (free to run anywhere) only waits: running units here
            // would put a second busy process on some worker's CPU.
            _workerSlots = cpus is null ? slots - 1 : slots;
            for (var i = 0; i < _workerSlots; i++)
            {
                var cpu = cpus?[i];
                new Thread(() => WorkerSlot(dir, cpu)) { IsBackground = true, Name = "hmm-spec worker slot" }.Start();
            }
            if (cpus is not null)
            {
                lock (_gate)
                {
                    // Every worker gone (none could start): the units left run here.
                    while (_outcomes.Count < _total && _workerSlots > 0)
                        Monitor.Wait(_gate);
                }
            }
            while (Next(inProcess: true) is { } item)
                Done(item.Unit, UnitRunner.RoundTrip(work.Run(item.Unit)), inProcess: true);
            lock (_gate)
            {
                while (_outcomes.Count < _total)
                    Monitor.Wait(_gate);
            }
        }
        finally
        {
            lock (_gate)
            {
                _over = true;
                Monitor.PulseAll(_gate);
            }
            WorkerProcess[] live;
            lock (_live)
                live = _live.ToArray();
            // Every unit is done: a worker still starting, or idle, has nothing left to finish.
            foreach (var w in live)
                w.Dispose(TimeSpan.FromMilliseconds(500));
            claims?.Dispose();
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

    /// <summary>How the last run placed its workers: the CPUs they were pinned to, or why they were not.</summary>
    public string Pinning { get; private set; } = "";

    private void WorkerSlot(string dir, int? cpu)
    {
        WorkerProcess? worker = null;
        var startFailures = 0;
        try
        {
            while (true)
            {
                if (worker is null)
                {
                    if (Over)
                        return;
                    try
                    {
                        worker = WorkerProcess.Start(launcher, args, work.Hash, _live, cpu);
                    }
                    catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
                    {
                        if (++startFailures < 2)
                            continue;
                        progress?.WorkersUnavailable(e.Message);
                        return;
                    }
                }
                if (Next(inProcess: false) is not { } item)
                    return;
                var (unit, attempt, firstFailure) = item;
                UnitOutcome? outcome = null;
                string? failure;
                try
                {
                    var file = Path.Combine(dir, $"unit-{unit.Index}-{attempt}.json");
                    failure = worker.Run(unit.Index, attempt, file);
                    if (failure is null)
                    {
                        outcome = UnitOutcome.FromJson(JsonNode.Parse(File.ReadAllText(file)));
                        outcome.Attempts = attempt;
                    }
                }
                catch (Exception e) when (e is IOException or FormatException or System.Text.Json.JsonException)
                {
                    failure = $"the worker's outcome could not be read: {e.Message}";
                }
                if (failure is not null)
                {
                    worker.Dispose();
                    worker = null;
                    progress?.WorkerFailed(unit, failure, rerun: attempt == 1);
                    if (attempt == 1)
                    {
                        Requeue(unit, failure);
                        continue;
                    }
                    outcome = UnitOutcome.Failed(unit, attempt, $"its worker failed twice: {firstFailure}; then {failure}");
                }
                Done(unit, outcome!, inProcess: false);
            }
        }
        finally
        {
            worker?.Dispose();
            lock (_gate)
            {
                _workerSlots--;
                Monitor.PulseAll(_gate);
            }
        }
    }

    private bool Over
    {
        get
        {
            lock (_gate)
                return _over || _outcomes.Count == _total;
        }
    }

    /// <summary>
    /// The next unit for a slot, waiting while a unit that may fail (and come back) is still running; null at the end.
    /// A unit that failed once runs again in a worker (its failure could take this process down), unless no worker
    /// can be started.
    /// </summary>
    private (WorkUnit Unit, int Attempt, string? FirstFailure)? Next(bool inProcess)
    {
        lock (_gate)
        {
            while (true)
            {
                if (_over)
                    return null;
                for (var node = _queue.First; node is not null; node = node.Next)
                {
                    if (!inProcess || _workerSlots == 0 || (node.Value.Attempt == 1 && !Hooked(node.Value.Unit)))
                    {
                        _queue.Remove(node);
                        _running++;
                        return node.Value;
                    }
                }
                if (_queue.Count == 0 && _running == 0)
                    return null;
                Monitor.Wait(_gate);
            }
        }
    }

    /// <summary>A unit the test hook makes its worker crash on runs in a worker, never in this process.</summary>
    private bool Hooked(WorkUnit unit) =>
        launcher.CrashHook is { } hook && (hook == $"{unit.Index}" || hook.StartsWith($"{unit.Index}@", StringComparison.Ordinal));

    private void Requeue(WorkUnit unit, string failure)
    {
        lock (_gate)
        {
            _running--;
            _queue.AddFirst((unit, 2, failure));
            Monitor.PulseAll(_gate);
        }
    }

    private void Done(WorkUnit unit, UnitOutcome outcome, bool inProcess)
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

    private readonly List<WorkerProcess> _live;
    private int _disposed;

    private WorkerProcess(Process process, List<WorkerProcess> live)
    {
        _process = process;
        _live = live;
    }

    /// <summary>Starts a worker, confined to <paramref name="cpu"/> when one is given (<see cref="CpuPinning"/>).</summary>
    public static WorkerProcess Start(WorkerLauncher launcher, string[] args, string hash, List<WorkerProcess> live, int? cpu = null)
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
        foreach (var (name, value) in launcher.Environment)
            info.Environment[name] = value;
        var process = CpuPinning.OnCpu(cpu, () => Process.Start(info)) ?? throw new InvalidOperationException($"cannot start {launcher.FileName}");
        var worker = new WorkerProcess(process, live);
        lock (live)
            live.Add(worker);
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

    public void Dispose() => Dispose(TimeSpan.FromSeconds(10));

    /// <summary>Ends the worker: its input closed, it exits after its current unit; one that does not within <paramref name="wait"/> is killed.</summary>
    public void Dispose(TimeSpan wait)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        lock (_live)
            _live.Remove(this);
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        if (!_process.WaitForExit(wait))
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
