using System.Text;

namespace Hmm.Spec.Actors.Input;

/// <summary>
/// Makes user-supplied text safe to echo in a one-line message: control characters (NUL, newlines...) are written
/// as escapes, and a long token or a long line is cut to an excerpt that says how long the original was.
/// </summary>
public static class Excerpt
{
    /// <summary>Longest token echoed whole; a longer one keeps its first <see cref="TokenHead"/> characters.</summary>
    public const int MaxToken = 200, TokenHead = 60;
    /// <summary>Longest message line.</summary>
    public const int MaxLine = 1000;

    /// <summary>A value as it may appear in a message, e.g. a name or a field found in the input.</summary>
    public static string Of(string value) => Clean(value);

    /// <summary>A whole message: every control character escaped, long tokens and the line itself cut.</summary>
    public static string Clean(string message)
    {
        var escaped = EscapeControls(message);
        var tokens = escaped.Split(' ');
        for (var i = 0; i < tokens.Length; i++)
        {
            if (tokens[i].Length > MaxToken)
                tokens[i] = $"{tokens[i][..TokenHead]}…({tokens[i].Length} characters)";
        }
        var line = string.Join(' ', tokens);
        return line.Length <= MaxLine ? line : $"{line[..MaxLine]}…({line.Length} characters in all)";
    }

    private static string EscapeControls(string s)
    {
        if (!s.Any(c => char.IsControl(c) || char.IsSurrogate(c)))
            return s;
        var sb = new StringBuilder(s.Length + 16);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(c).Append(s[++i]);
                continue;
            }
            // A lone surrogate cannot be encoded on the way out: it is echoed as the escape it was written as.
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }
}
