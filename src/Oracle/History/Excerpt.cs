using System.Text;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// Keeps messages about hostile input to one short, printable line: a history may hold a 10 MB token or NUL
/// bytes, and echoing them would bury (or break) the one line a user reads.
/// </summary>
public static class Excerpt
{
    public const int MaxRun = 40, MaxMessage = 400;

    /// <summary>
    /// Control characters escaped (\n, \u0000); every run of more than <see cref="MaxRun"/> characters without a
    /// space cut to its start and its length; the whole cut at <see cref="MaxMessage"/> characters.
    /// </summary>
    public static string Clean(string message)
    {
        var sb = new StringBuilder(Math.Min(message.Length, MaxMessage + 32));
        var run = 0;
        var skipped = 0;
        foreach (var c in message)
        {
            if (c == ' ')
            {
                Flush();
                run = 0;
                sb.Append(c);
            }
            else if (++run <= MaxRun) Append(c);
            else skipped++;
            if (sb.Length > MaxMessage)
            {
                sb.Length = MaxMessage;
                sb.Append($"... ({message.Length} characters in all)");
                return sb.ToString();
            }
        }
        Flush();
        return sb.ToString();

        void Flush()
        {
            if (skipped > 0) sb.Append($"... ({skipped} more characters)");
            skipped = 0;
        }

        void Append(char c)
        {
            if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (char.IsControl(c) || char.IsSurrogate(c) || c == '\uFEFF') sb.Append($"\\u{(int)c:x4}");
            else sb.Append(c);
        }
    }
}
