using System.Runtime.CompilerServices;
using Microsoft.Coyote.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hmm.Spec.Model;

/// <summary>
/// One whole modelled kernel: memmap, page allocator, swap area, address spaces, device, locks and the step log.
/// One instance per Coyote iteration; nothing is static. Kernel functions are methods of this partial class,
/// one file per kernel source file, each named after the kernel function it transcribes; they are internal.
/// <para>
/// The public members are the facade, the only part the actors and the CLI see (src/Model/README.md, "The
/// facade"; pinned by Model.Tests FacadeTests), and they are declared only in the src/Model/Sys/KernelWorld*.cs
/// files: what user space does (syscalls and /proc reads, KernelWorld.Syscalls.cs; CPU loads and stores,
/// KernelWorld.Cpu.cs), what the driver does (KernelWorld.Device.cs), and what the harness needs (this file:
/// <see cref="Create"/> and settings, <see cref="EnterActor"/>, op boundaries in the step log, the end checks of
/// KernelWorld.Invariants.cs, and <see cref="Steps"/>/<see cref="FirstViolation"/> for reports).
/// </para>
/// <para>
/// The whole class is left unrewritten by Coyote, every partial file and every method added to one
/// (<see cref="NotRewritten"/>): code here uses no concurrency primitive of its own.
/// </para>
/// </summary>
[Microsoft.Coyote.Rewriting.SkipRewriting(NotRewritten.Reason)]
public sealed partial class KernelWorld
{
    private readonly StepLog _steps = new();
    private readonly AsyncLocal<string?> _actor = new();
    private readonly Dictionary<string, MmStruct> _mms = new(StringComparer.Ordinal);

    private KernelWorld(MachineLayout layout, KernelConfig config, KernelVariant variant, ILogger? logger, IControlledScheduler? scheduler)
    {
        Controlled = scheduler;
        Layout = layout;
        Config = config;
        Variant = variant;
        Logger = logger ?? NullLogger.Instance;
        Swp = new SwapTypes(config, variant);
        Memmap = new Memmap(this);
        Buddy = new PageAllocator(this);
        SwapArea = new SwapArea(this);
    }

    public MachineLayout Layout { get; }
    public KernelConfig Config { get; }
    public KernelVariant Variant { get; }
    internal ILogger Logger { get; }

    /// <summary>The deterministic scheduler of <c>verify</c>, or null under Coyote (see <see cref="IControlledScheduler"/>).</summary>
    internal IControlledScheduler? Controlled { get; }

    /// <summary>Swap-type arithmetic of include/linux/swap.h and swapops.h for this config.</summary>
    internal SwapTypes Swp { get; }
    internal Memmap Memmap { get; }
    /// <summary>The system-RAM page allocator.</summary>
    internal PageAllocator Buddy { get; }
    /// <summary>Swap device 0 (only meaningful with CONFIG_SWAP).</summary>
    internal SwapArea SwapArea { get; }

    /// <summary>
    /// More refaults than this in one access, made while other tasks kept running, is a <c>livelock</c> violation
    /// (see <see cref="FaultRetryGuard"/>).
    /// </summary>
    public int FaultRetryLimit { get; set; } = 100;

    /// <summary>Number of steps recorded so far.</summary>
    internal int StepCount => _steps.Count;

    /// <summary>
    /// The run's bound on its step log, or null (none: Coyote's <c>--max-steps</c> and verify's step bound stop a
    /// controlled run first). A stress run (real threads, <c>StressRunner</c>) sets it: once the log holds
    /// <see cref="StepBound.MaxSteps"/> steps or about <see cref="StepBound.MaxLogBytes"/> bytes, no further step is
    /// logged and the next scheduling point of every task raises <c>livelock</c>, so a task that never stops
    /// (a retry loop nothing ends) stops at its next shared access instead of growing the log without end
    /// (docs/reliability.md, "Bounded stress runs").
    /// </summary>
    public StepBound? Bound { get; set; }

    /// <summary>Whether the step log reached <see cref="Bound"/> (steps after that are dropped, not logged).</summary>
    public bool BoundExceeded { get; private set; }

    /// <summary>Steps dropped after the bound was reached.</summary>
    public long StepsDropped => _steps.Dropped;

    /// <summary>The step log's size estimate in bytes (entries plus the text of details recorded as text).</summary>
    public long StepLogBytes => _steps.ApproxBytes;

    /// <summary>Whether a task other than the current one recorded a step since <paramref name="mark"/>.</summary>
    internal bool OthersSteppedSince(int mark) => _steps.OthersSince(mark, CurrentActor);

    public IReadOnlyList<StepRecord> Steps => _steps;

    /// <summary>The first violation raised in this world (later ones may be consequences of it).</summary>
    public KernelViolation? FirstViolation { get; private set; }

    /// <summary>The address spaces by name, including exited ones (their mm is torn down).</summary>
    internal IReadOnlyDictionary<string, MmStruct> Mms => _mms;

    /// <summary>Name of the actor running the current task ("main" outside any <see cref="EnterActor"/>).</summary>
    internal string CurrentActor => _actor.Value ?? "main";

    /// <summary>
    /// Builds a world: RAM pages into the allocator; if the layout has device pages, the reference driver probes
    /// and hotplugs its device memory (<see cref="ProbeDevice"/>, implemented by the device side).
    /// </summary>
    public static KernelWorld Create(MachineLayout layout, KernelConfig config, KernelVariant variant, ILogger? logger = null,
        IControlledScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(variant);
        if (layout.RamPages < 0 || layout.DevicePages < 0)
            throw new ArgumentOutOfRangeException(nameof(layout), "page counts must not be negative");
        if (layout.DevicePages > 0 && layout.DeviceStartPfn < layout.RamPages)
            throw new ArgumentOutOfRangeException(nameof(layout), "the device range overlaps system RAM");
        if (config.Problem is { } unbuildable)
            throw new ArgumentException($"this config cannot be built: {unbuildable}", nameof(config));
        var w = new KernelWorld(layout, config, variant, logger, scheduler);
        w.Memmap.AddZeroPage();
        w.Memmap.AddRange(0, layout.RamPages, Zone.Normal, pgmap: null, initialRefcount: 0, PageState.Free);
        w.Buddy.AddFreeRange(0, layout.RamPages);
        if (layout.DevicePages > 0)
            w.ProbeDevice();
        return w;
    }

    /// <summary>The device side's probe (driver + devm_memremap_pages), called by Create when DevicePages &gt; 0.</summary>
    partial void ProbeDevice();

    /// <summary>Names the current task so that steps and violations are attributed to the actor.</summary>
    public IDisposable EnterActor(string actorName)
    {
        var previous = _actor.Value;
        _actor.Value = actorName;
        return new ActorScope(this, previous);
    }

    private sealed class ActorScope(KernelWorld world, string? previous) : IDisposable
    {
        public void Dispose() => world._actor.Value = previous;
    }

    // ---------------- the step accessor ----------------

    /// <summary>
    /// A scheduling point before a shared-state access: another CPU may run here. Call it, then read or write,
    /// then <see cref="Record(StepKind, string, string, StepDetail)"/> what happened.
    /// </summary>
    internal void Point(StepKind kind, string resource)
    {
        if (BoundExceeded)
            StepBoundViolation();
        if (Controlled is { } scheduler)
        {
            if (kind is StepKind.Read or StepKind.Write)
                scheduler.Access(kind, resource);
            return;
        }
        switch (kind)
        {
            case StepKind.Read:
                SchedulingPoint.Read(resource);
                break;
            case StepKind.Write:
                SchedulingPoint.Write(resource);
                break;
            case StepKind.Note:
            case StepKind.Call:
            case StepKind.Lock:
            case StepKind.Unlock:
                break;
        }
    }

    /// <summary>Appends a step to the log.</summary>
    internal void Record(StepKind kind, string function, string resource, string detail) =>
        Record(kind, function, resource, new StepDetail(detail));

    /// <summary>
    /// Appends a step whose detail is formatted only if someone reads it (see <see cref="StepDetail"/>). Public for
    /// the harness, which marks op boundaries (the op called, its result) in the step log; no scheduling point.
    /// </summary>
    public void Record(StepKind kind, string function, string resource, StepDetail detail)
    {
        if (Bound is { } bound && (BoundExceeded || _steps.Count >= bound.MaxSteps || _steps.ApproxBytes >= bound.MaxLogBytes))
        {
            // Not thrown here: a step is recorded inside lock and unlock paths, where a throw would leave a lock
            // held and block the other tasks for good. The next scheduling point throws (see Point).
            BoundExceeded = true;
            _steps.Drop();
            return;
        }
        _steps.Append(new(CurrentActor, function, kind, resource, detail));
        Controlled?.OnRecord(kind, resource);
        if (Logger.IsEnabled(LogLevel.Trace))
            TraceLastStep();
    }

    private void TraceLastStep() => Logger.LogTrace("{Step}", _steps[_steps.Count - 1].ToString());

    /// <summary>A scheduling point and its record in one call, for accesses whose detail is known beforehand.</summary>
    internal void Step(StepKind kind, string function, string resource, string detail)
    {
        Point(kind, resource);
        Record(kind, function, resource, detail);
    }

    /// <summary><see cref="Step(StepKind, string, string, string)"/> with a detail formatted only when read.</summary>
    internal void Step(StepKind kind, string function, string resource, StepDetail detail)
    {
        Point(kind, resource);
        Record(kind, function, resource, detail);
    }

    /// <summary>
    /// An access made without a step of its own (a raw read of a field inside a transition: the liveness check
    /// of a page, a page-table scan). No scheduling point and no record; under verify it is part of the footprint
    /// that the reduction compares, so that what commutes really commutes. A resource ending in <c>*</c> stands
    /// for every resource it prefixes (<c>pte A:*</c>, a walk over mm A's page table).
    /// </summary>
    internal void Touch(StepKind kind, string resource) => Controlled?.OnRecord(kind, resource);

    /// <summary>A plain interleaving point (another CPU may run) that touches no named resource.</summary>
    internal void Interleave(string function, string detail)
    {
        if (Controlled is { } scheduler)
            scheduler.Access(StepKind.Read, "cpu");
        else
            SchedulingPoint.Interleave();
        Record(StepKind.Note, function, "cpu", detail);
    }

    // ---------------- violations ----------------

    /// <summary>Raises a violation: remembers the first one and throws it.</summary>
    internal KernelViolation Violation(string category, string function, string detail)
    {
        var v = new KernelViolation(category, function, CurrentActor, detail);
        FirstViolation ??= v;
        Record(StepKind.Note, function, "violation", new StepDetail(v.Note));
        Logger.LogDebug("{Violation}", v.Message);
        throw v;
    }

    /// <summary>The <c>livelock</c> of a run that passed its <see cref="Bound"/>; every task that reaches a scheduling point after that gets it.</summary>
    private void StepBoundViolation()
    {
        var bound = Bound.GetValueOrDefault();
        var v = new KernelViolation(ViolationCategory.Livelock, "step_bound", CurrentActor,
            $"the run passed its bound of {bound.MaxSteps} steps or {bound.MaxLogBytes} log bytes without finishing " +
            $"({StepCount} steps, about {StepLogBytes} bytes logged): a task kept running without end");
        FirstViolation ??= v;
        throw v;
    }

    /// <summary>BUG_ON(cond).</summary>
    internal void BUG_ON(bool condition, string function, string what)
    {
        if (condition)
            Violation(ViolationCategory.BugOn, function, what);
    }

    /// <summary>BUG_ON(cond) with a message formatted only when <paramref name="condition"/> holds.</summary>
    internal void BUG_ON(bool condition, string function, [InterpolatedStringHandlerArgument(nameof(condition))] ref BugOnMessage what)
    {
        if (condition)
            Violation(ViolationCategory.BugOn, function, what.ToStringAndClear());
    }

    // ---------------- address spaces ----------------

    /// <summary>The live mm named <paramref name="name"/>, or null (unknown or exited).</summary>
    internal MmStruct? FindMm(string name) =>
        _mms.TryGetValue(name, out var mm) && !mm.Exited && mm.Born ? mm : null;

    internal MmStruct CreateMm(string name)
    {
        var mm = new MmStruct(this, name);
        _mms[name] = mm;
        return mm;
    }

    /// <summary>True when a live or exited mm already used the name (names are never reused).</summary>
    internal bool MmNameUsed(string name) => _mms.ContainsKey(name);

    /// <summary>
    /// An op boundary: the current CPU's pointers from its previous op are dead (a kernel path's local
    /// <c>struct page *</c> does not outlive the system call or driver call that looked it up). The harness calls
    /// it between ops; the pointer tracking itself is in Mm/PageRef.cs.
    /// </summary>
    public void ForgetPagePointers() => _pagePointers.TryRemove(CurrentActor, out _);
}
