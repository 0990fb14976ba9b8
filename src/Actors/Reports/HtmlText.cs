using System.Text;

namespace Hmm.Spec.Actors.Reports;

/// <summary>Escaping and anchor names for the HTML report. Every piece of text from a view goes through
/// <see cref="Escape"/>, in element content and in attribute values alike.</summary>
internal static class HtmlText
{
    /// <summary>Escapes the five characters that can end text or an attribute value (&amp; &lt; &gt; " ').</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                // Control characters other than tab/newline have no business in a report; show them, don't emit them.
                case < ' ' when c is not ('\t' or '\n' or '\r'): sb.Append('\uFFFD'); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>A fragment id made of [A-Za-z0-9_-] only. Kernel identifiers pass through unchanged; anything
    /// else is sanitised and suffixed with a short stable hash so two labels never share an anchor.</summary>
    public static string Anchor(string prefix, string name)
    {
        var clean = name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (clean)
            return prefix + name;
        var sb = new StringBuilder(prefix);
        foreach (var c in name)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '-');
        sb.Append('-').Append(StableHash(name).ToString("x8"));
        return sb.ToString();
    }

    /// <summary>FNV-1a over UTF-16 code units: stable across runs and processes (string.GetHashCode is not).</summary>
    private static uint StableHash(string s)
    {
        var h = 2166136261u;
        foreach (var c in s)
        {
            h ^= c;
            h *= 16777619u;
        }
        return h;
    }
}
