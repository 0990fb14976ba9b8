using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// Parses one line of a history into a DOM, turning every way a line can fail to be JSON text into an
/// <see cref="InputError"/> that names the column in our words: raw bytes that are not UTF-8, a string escape
/// that is not a whole UTF-16 character (<c>"\ud800"</c>), a repeated key, and JSON syntax errors (without
/// System.Text.Json's "LineNumber: 0 | BytePositionInLine" suffix). Only lines the fast parser declined
/// come here, so the extra passes cost nothing on a well-formed history.
/// </summary>
internal static partial class JsonLine
{
    // Repeated keys are errors: otherwise the last one silently wins and a typo changes the history.
    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false };

    public static JsonDocument Parse(ReadOnlyMemory<byte> line)
    {
        var span = line.Span;
        var bad = FirstInvalidUtf8(span);
        if (bad >= 0)
            throw new InputError(Column(span, bad), $"invalid UTF-8 (byte 0x{span[bad]:X2})");
        // Before the DOM: its duplicate-key check decodes names and would throw on a lone surrogate.
        if (span.IndexOf((byte)'\\') >= 0) CheckEscapes(span);
        try
        {
            return JsonDocument.Parse(line, Options);
        }
        catch (JsonException ex)
        {
            if (FindDuplicateKey(span) is { } dup)
                throw new InputError(Column(span, dup.At), $"key \"{dup.Name}\" appears twice in one object");
            var at = (int)Math.Clamp(ex.BytePositionInLine ?? 0, 0, span.Length);
            throw new InputError(Column(span, at), $"invalid JSON: {Describe(ex)}");
        }
    }

    /// <summary>"column N" (1-based, in characters) of byte offset <paramref name="at"/>.</summary>
    public static string Column(ReadOnlySpan<byte> line, int at)
    {
        var chars = 0;
        for (var i = 0; i < at && i < line.Length; i++)
        {
            if ((line[i] & 0xC0) != 0x80) chars++;   // count lead bytes only
        }
        return $"column {chars + 1}";
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> s)
    {
        if (System.Text.Unicode.Utf8.IsValid(s)) return -1;
        var i = 0;
        while (i < s.Length)
        {
            if (Rune.DecodeFromUtf8(s[i..], out _, out var used) != System.Buffers.OperationStatus.Done) return i;
            i += used;
        }
        return -1;
    }

    /// <summary>Strings whose escapes decode to half a surrogate pair cannot become .NET strings: reject them here.</summary>
    private static void CheckEscapes(ReadOnlySpan<byte> span)
    {
        var reader = new Utf8JsonReader(span);
        while (true)
        {
            try
            {
                if (!reader.Read()) return;
            }
            catch (JsonException)
            {
                return;   // a syntax error before any bad escape: the DOM parse reports it
            }
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped) continue;
            try
            {
                reader.GetString();
            }
            catch (InvalidOperationException)
            {
                throw new InputError(Column(span, (int)reader.TokenStartIndex),
                    "a string escape is not a valid Unicode character (a lone UTF-16 surrogate such as \\ud800)");
            }
        }
    }

    /// <summary>The first key repeated within one object, and where (only run on a line that failed to parse).</summary>
    private static (string Name, int At)? FindDuplicateKey(ReadOnlySpan<byte> span)
    {
        var open = new Stack<HashSet<string>>();
        var reader = new Utf8JsonReader(span);
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: open.Push(new HashSet<string>(StringComparer.Ordinal)); break;
                    case JsonTokenType.EndObject: open.Pop(); break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (!open.Peek().Add(name)) return (name, (int)reader.TokenStartIndex);
                        break;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Some other syntax problem comes first: the caller reports that one.
        }
        return null;
    }

    /// <summary>System.Text.Json's message without its position suffix (we give the column ourselves).</summary>
    private static string Describe(JsonException ex)
    {
        var text = PositionSuffix().Replace(ex.Message, "").Trim();
        return Excerpt.Clean(text.TrimEnd('.'));
    }

    [GeneratedRegex(@"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?")]
    private static partial Regex PositionSuffix();
}
