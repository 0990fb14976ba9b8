using System.Text;
using System.Text.Json;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Input;

/// <summary>
/// Reading of JSON input files (scenarios and trace bundles) with one set of rules: a UTF-8 byte-order mark is
/// accepted, invalid UTF-8 is refused, every string is valid UTF-16 (no lone surrogate escapes), a key appears once
/// per object, and a syntax error is reported by line and column in plain words. Every problem is an
/// <see cref="InputError"/>; nothing from the input is echoed beyond a short excerpt.
/// </summary>
public static class JsonInput
{
    /// <summary>Largest input file read; a longer one (or an endless device) is refused rather than exhausting memory.</summary>
    public const int MaxFileBytes = 64 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>Reads a whole file as UTF-8 text (the BOM, if any, removed). <paramref name="what"/> names it in messages.</summary>
    public static string ReadFile(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new InputError($"the {what} path", "is empty");
        if (Directory.Exists(path))
            throw new InputError(path, $"is a directory, not a {what}");
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            bytes = ReadAtMost(stream, MaxFileBytes + 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InputError(path, $"cannot read the {what}: {e.Message}");
        }
        if (bytes.Length > MaxFileBytes)
            throw new InputError(path, $"larger than the {MaxFileBytes >> 20} MiB a {what} may have");
        try
        {
            return Decode(bytes);
        }
        catch (InputError e)
        {
            throw e.Within(path);
        }
    }

    /// <summary>Decodes UTF-8 strictly, accepting and removing a leading byte-order mark.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(Bom))
            bytes = bytes[Bom.Length..];
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            var at = Math.Max(0, e.Index);
            var (line, column) = LineAndColumn(bytes[..Math.Min(at, bytes.Length)]);
            throw new InputError($"line {line}, column {column}", "invalid UTF-8 (the file must be UTF-8 text)");
        }
    }

    /// <summary>
    /// Parses JSON text, then checks every key and string (see the class summary). <paramref name="malformed"/>
    /// opens the message of a syntax error.
    /// </summary>
    public static JsonDocument Parse(string text, string malformed = "malformed JSON")
    {
        // A BOM that survived as a character (text not read through ReadFile) is accepted the same way.
        if (text.StartsWith('\uFEFF'))
            text = text[1..];
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw Malformed(e, malformed);
        }
        try
        {
            Check(doc.RootElement, "$");
            return doc;
        }
        catch
        {
            doc.Dispose();
            throw;
        }
    }

    /// <summary>A JSON syntax error in our words: line and column, and the parser's first sentence without its internals.</summary>
    public static InputError Malformed(JsonException e, string malformed = "malformed JSON")
    {
        var place = e.LineNumber is { } line ? $"line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "JSON";
        return new InputError(place, $"{malformed}: {FirstSentence(e.Message)}");
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends "Path: $ | LineNumber: 0 | BytePositionInLine: 7."; the place says it better.
        foreach (var marker in new[] { " Path:", " LineNumber:", " | " })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
                message = message[..cut];
        }
        return Excerpt.Of(message.Trim());
    }

    /// <summary>Rejects duplicate keys and strings that are not valid UTF-16, naming the JSON path.</summary>
    private static void Check(JsonElement e, string path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var p in e.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = p.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        throw new InputError(path, "a key holds an invalid string (a lone UTF-16 surrogate escape such as \\ud800)");
                    }
                    var child = path == "$" ? name : $"{path}.{name}";
                    if (!seen.Add(name))
                        throw new InputError(Excerpt.Of(child), $"duplicate key \"{Excerpt.Of(name)}\" (each key may appear once)");
                    Check(p.Value, child);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray())
                    Check(item, $"{path}[{i++}]");
                break;
            case JsonValueKind.String:
                try
                {
                    _ = e.GetString();
                }
                catch (InvalidOperationException)
                {
                    throw new InputError(Excerpt.Of(path), "invalid string: a lone UTF-16 surrogate escape (such as \\ud800) is not text");
                }
                break;
        }
    }

    private static byte[] ReadAtMost(Stream stream, int limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while (buffer.Length < limit && (n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, limit - buffer.Length))) > 0)
            buffer.Write(chunk, 0, n);
        return buffer.ToArray();
    }

    private static (int Line, int Column) LineAndColumn(ReadOnlySpan<byte> before)
    {
        var line = 1 + before.Count((byte)'\n');
        var lastNewline = before.LastIndexOf((byte)'\n');
        return (line, before.Length - lastNewline);
    }
}
