namespace Hmm.Spec.Model;

/// <summary>Formats a step's detail from the values captured when the step was recorded.</summary>
public delegate string StepFormat(object? state, long a, long b);

/// <summary>
/// What a step read or wrote, kept as the values of the moment and formatted only when someone reads
/// <see cref="KernelWorld.Steps"/> (a replay, a report, a violation): most iterations never print their steps.
/// The captured values must be immutable (numbers, a PTE's bits, an object whose text never changes), so the
/// text formatted later is the text formatting at record time would have given.
/// </summary>
public readonly struct StepDetail
{
    private readonly string? _text;
    private readonly StepFormat? _format;
    private readonly object? _state;
    private readonly long _a, _b;

    private StepDetail(string? text, StepFormat? format, object? state, long a, long b)
    {
        _text = text;
        _format = format;
        _state = state;
        _a = a;
        _b = b;
    }

    /// <summary>A detail already in words.</summary>
    public static StepDetail Text(string text) => new(text, null, null, 0, 0);

    /// <summary>A detail formatted later by <paramref name="format"/> (pass a <c>static</c> lambda: no allocation).</summary>
    public static StepDetail Of(StepFormat format, long a, long b = 0, object? state = null) => new(null, format, state, a, b);

    /// <summary>The detail in words.</summary>
    public string Format() => _text ?? _format?.Invoke(_state, _a, _b) ?? "";
}
