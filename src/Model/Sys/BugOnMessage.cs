using System.Runtime.CompilerServices;

namespace Hmm.Spec.Model;

/// <summary>
/// The message of a <see cref="KernelWorld.BUG_ON(bool, string, ref BugOnMessage)"/>, built only when the
/// condition holds: BUG_ONs sit on hot paths (get_page) and almost never fire.
/// </summary>
[InterpolatedStringHandler]
internal ref struct BugOnMessage
{
    private DefaultInterpolatedStringHandler _text;

    public BugOnMessage(int literalLength, int formattedCount, bool condition, out bool isEnabled)
    {
        isEnabled = condition;
        _text = condition ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

    public string ToStringAndClear() => _text.ToStringAndClear();
}
