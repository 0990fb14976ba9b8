using Hmm.Spec.Model;
using Microsoft.Coyote.Rewriting;

namespace Hmm.Spec.Actors.Verification;

/// <summary>
/// The verify scheduler: every actor runs on its own thread, but only one runs at a time. At each scheduling
/// point (a marked access, a semaphore wait, a refault) the running actor parks with its pending operation, the
/// <see cref="IScheduleChooser"/> picks the next actor among those that can run, and control passes to it (or
/// stays, which costs no thread switch). A semaphore wait is enabled only when the count is positive, so
/// blocking is exact and a state where nobody can run while someone waits is a deadlock. Code outside the actors
/// (setup, final ops, end checks) runs on the caller's thread straight through.
/// </summary>
[SkipRewriting("runs only under verify, outside Coyote: its hand-off primitives must be the real ones")]
internal sealed class ControlledScheduler(IScheduleChooser chooser, int maxSteps) : IControlledScheduler
{
    [ThreadStatic]
    private static Worker? t_worker;

    private readonly List<Worker> _workers = [];
    private readonly SemaphoreSlim _ended = new(0);
    private volatile bool _aborted;
    private int _steps;

    /// <summary>Why the execution stopped early: a bug message, a deadlock, the step bound; null if not.</summary>
    public string? StopReason { get; private set; }

    /// <summary>The chooser abandoned the execution (equivalent to one already covered).</summary>
    public bool Pruned { get; private set; }

    /// <summary>The execution ran into the step bound (an unbounded loop, not a verdict).</summary>
    public bool StepBoundHit { get; private set; }

    /// <summary>Scheduling points passed in this execution.</summary>
    public int Steps => _steps;

    /// <summary>Runs the actors to the end of the execution (all finished, or stopped); returns on the caller's thread.</summary>
    public void Run(IReadOnlyList<(string Name, Action Body)> actors)
    {
        for (var i = 0; i < actors.Count; i++)
            _workers.Add(new Worker(this, i, actors[i].Name, actors[i].Body));
        foreach (var w in _workers)
            CarrierThreads.Run(() => WorkerMain(w));
        var first = Decide(null);
        if (first is null)
            Stop(StopReason ?? "[deadlock] no actor can start");
        else
            first.Go.Release();
        _ended.Wait();
        // Unwind one thread at a time: the one that stopped the run may still be leaving; parked ones wake and throw.
        foreach (var w in _workers)
        {
            if (w.State == WorkerState.Parked)
                w.Go.Release();
            w.Exited.Wait();
        }
    }

    /// <summary>Stops the execution with a bug message (the observer's first failure). Called from an actor.</summary>
    public void StopWithBug(string message)
    {
        if (t_worker?.Owner == this)
            Stop(message);
    }

    // ---------------- IControlledScheduler ----------------

    public void Access(StepKind kind, string resource)
    {
        if (Current() is { } w)
            Park(w, new Pending(PendingKind.Access, resource, kind == StepKind.Write, null));
    }

    public void Retry(string function)
    {
        if (Current() is { } w)
            Park(w, new Pending(PendingKind.Yield, function, false, null));
    }

    public void WaitUntil(Func<bool> condition, string resource)
    {
        if (Current() is { } w)
            Park(w, new Pending(PendingKind.WaitUntil, resource, false, null, condition));
    }

    public void OnRecord(StepKind kind, string resource)
    {
        if (Current() is { } w)
            w.Footprint.AddStep(kind, resource);
    }

    public IControlledSemaphore CreateSemaphore(int initialCount, string name) => new Semaphore(this, initialCount, name);

    // ---------------- the hand-off ----------------

    private Worker? Current()
    {
        var w = t_worker;
        if (w is null || w.Owner != this)
            return null;
        if (_aborted)
            throw new ExecutionAbandoned();
        return w;
    }

    private void Park(Worker w, Pending pending)
    {
        w.Pending = pending;
        w.State = WorkerState.Parked;
        var next = Decide(w);
        if (next is null)
        {
            Stop(StopReason ?? Deadlock());
            throw new ExecutionAbandoned();
        }
        if (next != w)
        {
            next.Go.Release();
            w.Go.Wait();
            if (_aborted)
                throw new ExecutionAbandoned();
        }
        Begin(w);
    }

    /// <summary>The worker runs: a new transition, which starts with its pending operation.</summary>
    private static void Begin(Worker w)
    {
        w.State = WorkerState.Running;
        w.Footprint = new Footprint();
        var p = w.Pending;
        switch (p.Kind)
        {
            case PendingKind.Access:
                w.Footprint.Add(p.Resource, p.Write);
                break;
            case PendingKind.Wait:
                p.Semaphore!.Count--;
                w.Footprint.Add(p.Semaphore.Name, write: true);
                break;
            case PendingKind.WaitUntil:
                w.Footprint.Add(p.Resource, write: false);
                break;
            case PendingKind.TryWait:
                w.TryWaitResult = p.Semaphore!.Count > 0;
                if (w.TryWaitResult)
                    p.Semaphore.Count--;
                w.Footprint.Add(p.Semaphore.Name, write: true);
                break;
        }
    }

    private void Finish(Worker w)
    {
        w.State = WorkerState.Done;
        if (_aborted)
            return;
        var next = Decide(w);
        if (next is not null)
            next.Go.Release();
        else if (_workers.All(x => x.State == WorkerState.Done))
            _ended.Release();
        else
            Stop(StopReason ?? Deadlock());
    }

    /// <summary>Asks the chooser; null when nobody can run (end or deadlock) or the chooser abandons the run.</summary>
    private Worker? Decide(Worker? last)
    {
        if (++_steps > maxSteps)
        {
            StepBoundHit = true;
            StopReason = $"[step-bound] the execution passed {maxSteps} scheduling points";
            return null;
        }
        var enabled = new List<int>(_workers.Count);
        foreach (var w in _workers)
        {
            if (w.State == WorkerState.Parked && w.Pending.Enabled)
                enabled.Add(w.Id);
        }
        if (enabled.Count == 0)
        {
            if (!chooser.EndOfRun(last?.Footprint))
            {
                Pruned = true;
                StopReason = "pruned";
            }
            return null;
        }
        // A transition that wrote what a sleeper's condition reads may have woken it: like a release, it made
        // somebody runnable, which the reduction must know.
        if (last is not null)
        {
            foreach (var w in _workers)
            {
                if (w.State == WorkerState.Parked && w.Pending.Kind == PendingKind.WaitUntil && last.Footprint.Writes(w.Pending.Resource))
                    last.Footprint.MarkReleases();
            }
        }
        var lastParked = last is { State: WorkerState.Parked };
        var d = new Decision(last?.Id ?? -1,
            LastPreemptible: lastParked && last!.Pending.Enabled && last.Pending.Kind != PendingKind.Yield,
            LastYielding: lastParked && last!.Pending.Kind == PendingKind.Yield,
            enabled, last?.Footprint);
        var choice = chooser.Choose(d);
        if (choice < 0)
        {
            Pruned = true;
            StopReason = "pruned";
            return null;
        }
        return _workers[choice];
    }

    private string Deadlock()
    {
        var waiting = _workers.Where(w => w.State == WorkerState.Parked)
            .Select(w => $"{w.Name} waits on {w.Pending.Semaphore?.Name ?? w.Pending.Resource}");
        return $"[deadlock] no actor can run: {string.Join("; ", waiting)}";
    }

    private void Stop(string reason)
    {
        if (_aborted)
            return;
        StopReason ??= reason;
        _aborted = true;
        _ended.Release();
    }

    private void WorkerMain(Worker w)
    {
        t_worker = w;
        try
        {
            w.Go.Wait();
            if (_aborted)
                return;
            Begin(w);
            w.Body();
            Finish(w);
        }
        catch (ExecutionAbandoned)
        {
            w.State = WorkerState.Done;
        }
        catch (Exception e)
        {
            w.State = WorkerState.Done;
            Stop($"[exception] {w.Name}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            t_worker = null;
            w.Exited.Release();
        }
    }

    // ---------------- types ----------------

    private enum WorkerState { Parked, Running, Done }

    private enum PendingKind { Start, Access, Yield, Wait, TryWait, WaitUntil }

    private readonly record struct Pending(PendingKind Kind, string Resource, bool Write, Semaphore? Semaphore, Func<bool>? Condition = null)
    {
        public bool Enabled => Kind switch
        {
            PendingKind.Wait => Semaphore!.Count > 0,
            PendingKind.WaitUntil => Condition!(),
            _ => true,
        };
    }

    [SkipRewriting("runs only under verify, outside Coyote")]
    private sealed class Worker
    {
        public Worker(ControlledScheduler owner, int id, string name, Action body)
        {
            Owner = owner;
            Id = id;
            Name = name;
            Body = body;
            Pending = new Pending(PendingKind.Start, "start", false, null);
        }

        public ControlledScheduler Owner { get; }
        public int Id { get; }
        public string Name { get; }
        public Action Body { get; }
        public SemaphoreSlim Go { get; } = new(0, 1);
        public SemaphoreSlim Exited { get; } = new(0, 1);
        public WorkerState State { get; set; } = WorkerState.Parked;
        public Pending Pending { get; set; }
        public Footprint Footprint { get; set; } = new();
        public bool TryWaitResult { get; set; }
    }

    [SkipRewriting("runs only under verify, outside Coyote")]
    private sealed class Semaphore(ControlledScheduler owner, int initialCount, string name) : IControlledSemaphore
    {
        public int Count { get; set; } = initialCount;
        public string Name { get; } = name;

        public void Wait()
        {
            if (owner.Current() is { } w)
            {
                owner.Park(w, new Pending(PendingKind.Wait, Name, true, this));
                return;
            }
            // Outside the actors (setup, final ops) nobody else can release it.
            if (Count <= 0)
                throw new InvalidOperationException($"[deadlock] {Name} waited on outside the actors while not available");
            Count--;
        }

        public bool TryWait()
        {
            if (owner.Current() is { } w)
            {
                owner.Park(w, new Pending(PendingKind.TryWait, Name, true, this));
                return w.TryWaitResult;
            }
            if (Count <= 0)
                return false;
            Count--;
            return true;
        }

        public void Release()
        {
            Count++;
            if (owner.Current() is { } w)
                w.Footprint.AddRelease(Name);
        }
    }

    /// <summary>Unwinds an actor whose execution was stopped (never caught by the model, which catches only violations).</summary>
    private sealed class ExecutionAbandoned : Exception;
}
