namespace Hmm.Spec.Model;

/// <summary>Which lock a Lock or Unlock step takes or drops, in the groups the reports draw.</summary>
public enum LockClass
{
    /// <summary>Any other lock (PG_locked, hotplug locks, i_rwsem, the driver's locks).</summary>
    Other,

    /// <summary>A page-table lock (<c>ptl A</c>).</summary>
    PageTable,

    /// <summary>An mm's mmap_sem (<c>mmap_sem A</c>).</summary>
    MmapSem,
}

/// <summary>What a Lock or Unlock step did.</summary>
public enum LockAction
{
    SpinLock,
    SpinTryLock,
    SpinTryLockFailed,
    SpinUnlock,
    DownRead,
    UpRead,
    DownWrite,
    UpWrite,
    LockPage,
    TryLockPage,
    UnlockPage,
}

/// <summary>
/// The facts of a Lock or Unlock step, carried as its <see cref="StepRecord.Value"/>; the step's detail is this
/// object's text. Locks take the shared instances of <see cref="Of"/> when they are created (a world makes none of
/// its own, a step never allocates one); two are equal when their facts are (so the steps of two replays of one
/// interleaving compare equal).
/// </summary>
public sealed record LockStep(LockClass Class, LockAction Action)
{
    private static readonly int Actions = Enum.GetValues<LockAction>().Length;

    private static readonly LockStep[] Shared =
        [.. Enum.GetValues<LockClass>().SelectMany(c => Enum.GetValues<LockAction>().Select(a => new LockStep(c, a)))];

    /// <summary>The shared instance for <paramref name="lockClass"/> and <paramref name="action"/>.</summary>
    public static LockStep Of(LockClass lockClass, LockAction action) => Shared[(int)lockClass * Actions + (int)action];

    /// <summary>Per lock class (the index), a spinlock's step facts: lock, trylock, failed trylock, unlock. Locks
    /// pick theirs by array read when they are created (a call would register a rewriter call site per lock).</summary>
    internal static readonly LockStep[][] SpinLockSteps =
        Table(LockAction.SpinLock, LockAction.SpinTryLock, LockAction.SpinTryLockFailed, LockAction.SpinUnlock);

    /// <summary>Per lock class (the index), an rwsem's step facts: down_read, up_read, down_write, up_write.</summary>
    internal static readonly LockStep[][] RwsemSteps =
        Table(LockAction.DownRead, LockAction.UpRead, LockAction.DownWrite, LockAction.UpWrite);

    private static LockStep[][] Table(params LockAction[] actions) =>
        [.. Enum.GetValues<LockClass>().Select(c => actions.Select(a => Of(c, a)).ToArray())];

    /// <summary>The step left the lock held: an acquisition that did not fail.</summary>
    public bool Acquired => Action is LockAction.SpinLock or LockAction.SpinTryLock or LockAction.DownRead
        or LockAction.DownWrite or LockAction.LockPage or LockAction.TryLockPage;

    /// <summary>An rwsem taken or dropped for write.</summary>
    public bool ForWrite => Action is LockAction.DownWrite or LockAction.UpWrite;

    /// <summary>The step's detail.</summary>
    public override string ToString() => Action switch
    {
        LockAction.SpinLock => "acquired",
        LockAction.SpinTryLock => "acquired (trylock)",
        LockAction.SpinTryLockFailed => "trylock failed",
        LockAction.SpinUnlock => "released",
        LockAction.DownRead => "down_read",
        LockAction.UpRead => "up_read",
        LockAction.DownWrite => "down_write",
        LockAction.UpWrite => "up_write",
        LockAction.LockPage => "0 -> 1 (lock_page)",
        LockAction.TryLockPage => "0 -> 1 (trylock_page)",
        LockAction.UnlockPage => "1 -> 0 (unlock_page)",
        _ => Action.ToString(),
    };
}

/// <summary>A counter the reports draw as a badge.</summary>
public enum Counter
{
    /// <summary>A page's _refcount.</summary>
    PageRef,

    /// <summary>A page's _mapcount.</summary>
    PageMap,

    /// <summary>An mm's rss counter.</summary>
    Rss,

    /// <summary>A dev_pagemap's percpu_ref.</summary>
    PgmapRef,
}

/// <summary>
/// How a counter write's detail reads: a bare <c>from -> to</c>, the transition with words around it, or fixed
/// words without a transition. The instances below are the only ones (a step stores one of them, never a new one).
/// </summary>
public sealed class CountText
{
    private readonly string _prefix, _suffix;
    private readonly string? _fixed;

    private CountText(Counter counter, string prefix = "", string suffix = "", string? fixedText = null)
    {
        Counter = counter;
        _prefix = prefix;
        _suffix = suffix;
        _fixed = fixedText;
    }

    public Counter Counter { get; }

    /// <summary>The detail says how the counter went from one value to another.</summary>
    public bool HasTransition => _fixed is null;

    /// <summary>The detail is the transition and nothing else.</summary>
    public bool Bare => _fixed is null && _prefix.Length == 0 && _suffix.Length == 0;

    /// <summary>The detail of a write from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public string Format(long from, long to) => _fixed ?? $"{_prefix}{from} -> {to}{_suffix}";

    public static readonly CountText PageRef = new(Counter.PageRef);
    public static readonly CountText PageRefSet = new(Counter.PageRef, suffix: " (set)");
    public static readonly CountText PageMap = new(Counter.PageMap);
    public static readonly CountText Rss = new(Counter.Rss);
    public static readonly CountText PgmapRef = new(Counter.PgmapRef);
    public static readonly CountText PgmapRefKilled = new(Counter.PgmapRef, prefix: "killed, ");
    public static readonly CountText PgmapRefInit = new(Counter.PgmapRef, fixedText: "init 1 (alive)");
    public static readonly CountText PgmapRefDrained = new(Counter.PgmapRef, fixedText: "drained (release: complete)");
}

/// <summary>
/// The facts of a counter write, carried as its <see cref="StepRecord.Value"/>: which counter, and (when the
/// detail says so) the values before and after. The step's detail is this object's text.
/// </summary>
public sealed record CountChange(CountText Text, long From, long To)
{
    public Counter Counter => Text.Counter;

    /// <summary>The step records a transition (<see cref="From"/> and <see cref="To"/> are meaningful).</summary>
    public bool HasTransition => Text.HasTransition;

    /// <summary>The detail is the bare transition, nothing else.</summary>
    public bool Bare => Text.Bare;

    public override string ToString() => Text.Format(From, To);
}

/// <summary>
/// The facts of a violation note (resource <c>violation</c>), carried as its <see cref="StepRecord.Value"/>: what the
/// raised <see cref="KernelViolation"/> says, as a value. The step's detail is its <see cref="Message"/>.
/// </summary>
public sealed record ViolationNote(string Category, string Function, string Actor, string Detail)
{
    /// <summary>The violation's message, as <see cref="KernelViolation"/> words it.</summary>
    public string Message => KernelViolation.FormatMessage(Category, Function, Actor, Detail);

    public override string ToString() => Message;
}
