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
    // Constructors rather than factory methods, like the other members on the per-step path: Coyote's rewriter
    // registers a call site (one execution-graph node per scheduling step) on entry to every method of a rewritten
    // assembly except constructors and property accessors.
    // The text, or the StepFormat that makes it: one field, so a logged step stays small.
    private readonly object? _textOrFormat;
    private readonly object? _state;
    private readonly long _a, _b;

    /// <summary>A detail already in words.</summary>
    public StepDetail(string text)
    {
        _textOrFormat = text;
    }

    /// <summary>A detail formatted later by <paramref name="format"/> (pass a <c>static</c> lambda: no allocation).</summary>
    public StepDetail(StepFormat format, long a, long b = 0, object? state = null)
        : this(format, state, a, b)
    {
    }

    /// <summary>
    /// A detail that is a structured value (an op's outcome, a <see cref="LockStep"/>, a <see cref="ViolationNote"/>):
    /// readers take it from
    /// <see cref="StepRecord.Value"/>, never by parsing the text, which is the value's <c>ToString()</c>. The value
    /// must be immutable.
    /// </summary>
    public StepDetail(object value)
        : this(ValueText, value, 0, 0)
    {
    }

    /// <summary>
    /// A counter write (<see cref="CountChange"/>): the counter and the detail's wording come from
    /// <paramref name="text"/>, the values are kept unformatted; readers get the facts as <see cref="StepRecord.Value"/>.
    /// </summary>
    public StepDetail(CountText text, long from, long to)
        : this(text, null, from, to)
    {
    }

    // Every detail's fields: the text or what formats it (a StepFormat, a CountText), and the captured values.
    private StepDetail(object textOrFormat, object? state, long a, long b)
    {
        _textOrFormat = textOrFormat;
        _state = state;
        _a = a;
        _b = b;
    }

    // Marks a value detail without a further field (see above); formats it as its ToString().
    private static readonly StepFormat ValueText = static (v, _, _) => v?.ToString() ?? "";

    /// <summary>
    /// The structured facts of the detail, else null: the value of <see cref="StepDetail(object)"/> (an op's outcome,
    /// a <see cref="LockStep"/>, a <see cref="ViolationNote"/>), or a <see cref="CountChange"/>.
    /// </summary>
    public object? Value => _textOrFormat switch
    {
        CountText text => new CountChange(text, _a, _b),
        _ when ReferenceEquals(_textOrFormat, ValueText) => _state,
        _ => null,
    };

    /// <summary>Length of the text of a detail recorded as text; 0 for one formatted later (its text does not exist yet).</summary>
    internal int TextLength => _textOrFormat is string text ? text.Length : 0;

    /// <summary>The detail in words.</summary>
    public string Format() => _textOrFormat switch
    {
        string text => text,
        StepFormat format => format(_state, _a, _b),
        CountText text => text.Format(_a, _b),
        _ => "",
    };
}
