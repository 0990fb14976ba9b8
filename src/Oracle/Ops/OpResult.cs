namespace Hmm.Spec.Oracle.Ops;

/// <summary>
/// The result of an operation, in the scenario/history vocabulary. Only the fields that apply are set:
/// <c>{"value": n}</c>, <c>{"signal": "SIGSEGV"}</c>, <c>{"error": "EFAULT"}</c>, <c>{"ok": true}</c>,
/// <c>{"migrated": k}</c>, <c>{"rss","anon","swap"}</c> for smaps,
/// <c>{"present","swap","swap_type","exclusive","file"}</c> (+ <c>"frame"</c>) for pagemap.
/// An expectation is an <see cref="OpResult"/> too: it matches when each field it sets equals the result's.
/// </summary>
public sealed record OpResult
{
    public long? Value { get; init; }
    public string? Signal { get; init; }
    public string? Error { get; init; }
    public bool? Ok { get; init; }
    public int? Migrated { get; init; }
    public int? Rss { get; init; }
    public int? Anon { get; init; }
    /// <summary>smaps: pages of the range held in swap entries (wire field "swap", a number).</summary>
    public int? Swap { get; init; }
    public bool? Present { get; init; }
    /// <summary>pagemap: PM_SWAP is set (wire field "swap", a boolean).</summary>
    public bool? SwapEntry { get; init; }
    public int? SwapType { get; init; }
    public bool? Exclusive { get; init; }
    public bool? File { get; init; }
    /// <summary>
    /// pagemap: the frame field, bits 0-54 of the entry — the pfn of a present page (0 for an unprivileged reader), or
    /// swap type | offset &lt;&lt; 5 of a swap entry (for a device entry the offset is the device pfn). Optional in results.
    /// </summary>
    public long? Frame { get; init; }

    public static readonly OpResult Success = new() { Ok = true };
    public static OpResult OfValue(long value) => new() { Value = value };
    public static OpResult OfSignal(string signal) => new() { Signal = signal };
    public static OpResult OfError(string error) => new() { Error = error };
    public static OpResult OfMigrated(int count) => new() { Migrated = count };

    /// <summary>Whether this equals <c>OfValue(value)</c>: that value and no other field (without building it).</summary>
    public bool IsValue(long value) =>
        Value == value && Signal is null && Error is null && Ok is null && Migrated is null && Rss is null && Anon is null
        && Swap is null && Present is null && SwapEntry is null && SwapType is null && Exclusive is null && File is null && Frame is null;

    /// <summary>True when every field set in <paramref name="expect"/> equals the same field here.</summary>
    public bool Satisfies(OpResult expect) =>
        Match(expect.Value, Value) && Match(expect.Signal, Signal) && Match(expect.Error, Error)
        && Match(expect.Ok, Ok) && Match(expect.Migrated, Migrated) && Match(expect.Rss, Rss)
        && Match(expect.Anon, Anon) && Match(expect.Swap, Swap) && Match(expect.Present, Present)
        && Match(expect.SwapEntry, SwapEntry) && Match(expect.SwapType, SwapType)
        && Match(expect.Exclusive, Exclusive) && Match(expect.File, File) && Match(expect.Frame, Frame);

    private static bool Match<T>(T? expected, T? actual) => expected is null || Equals(expected, actual);

    public override string ToString() => OpCodec.Format(this);
}

/// <summary>Signal and error names used in results.</summary>
public static class Outcomes
{
    public const string SIGSEGV = "SIGSEGV";
    public const string SIGBUS = "SIGBUS";
    public const string EFAULT = "EFAULT";
    public const string EPERM = "EPERM";
    public const string EEXIST = "EEXIST";
    public const string ENOMEM = "ENOMEM";
    public const string EBUSY = "EBUSY";
    public const string EINVAL = "EINVAL";
}
