using System.Text;
using System.Text.Json;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// A fast path for the common event line: one forward pass with <see cref="Utf8JsonReader"/>, no DOM.
/// It accepts only lines that are certainly valid and gives up (returns null) on anything unusual —
/// an unknown or repeated field, a wrong type, a value out of range — so that the strict DOM reader
/// produces the precise error. Either way the result is the same as the strict reader's.
/// </summary>
internal static class FastEventParser
{
    private static readonly Dictionary<OpKind, (HashSet<string> Required, HashSet<string> Allowed)> Shapes =
        Enum.GetValues<OpKind>().ToDictionary(k => k, k =>
        {
            var (req, opt) = OpCodec.FieldsOf(k);
            return (new HashSet<string>(req), new HashSet<string>(req.Concat(opt)));
        });

    public static HistoryEvent? TryParse(ReadOnlySpan<byte> line)
    {
        try
        {
            var r = new Utf8JsonReader(line);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return null;
            EventType? type = null;
            int? process = null, id = null;
            Op? op = null;
            OpResult? result = null;
            var seen = 0;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var bit = 0;
                if (r.ValueTextEquals("type"u8))
                {
                    bit = 1;
                    if (!r.Read() || r.TokenType != JsonTokenType.String) return null;
                    type = r.ValueTextEquals("invoke"u8) ? EventType.Invoke : r.ValueTextEquals("ok"u8) ? EventType.Ok
                        : r.ValueTextEquals("info"u8) ? EventType.Info : r.ValueTextEquals("fail"u8) ? EventType.Fail : null;
                    if (type is null) return null;
                }
                else if (r.ValueTextEquals("process"u8)) { bit = 2; process = ReadInt(ref r, 0); if (process is null) return null; }
                else if (r.ValueTextEquals("id"u8)) { bit = 4; id = ReadInt(ref r, 0); if (id is null) return null; }
                else if (r.ValueTextEquals("op"u8)) { bit = 8; op = ReadOp(ref r); if (op is null) return null; }
                else if (r.ValueTextEquals("result"u8)) { bit = 16; result = ReadResult(ref r); if (result is null) return null; }
                else return null;
                if ((seen & bit) != 0) return null;
                seen |= bit;
            }
            if (r.TokenType != JsonTokenType.EndObject || r.Read()) return null;
            if (type is null || process is null || id is null) return null;
            if (type == EventType.Invoke ? op is null || result is not null : op is not null || (type == EventType.Ok && result is null))
                return null;
            return new HistoryEvent(type.Value, process.Value, id.Value, op, result);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static int? ReadInt(ref Utf8JsonReader r, int min) =>
        r.Read() && r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var n) && n >= min ? n : null;

    private static long? ReadLong(ref Utf8JsonReader r, long min) =>
        r.Read() && r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var n) && n >= min ? n : null;

    private static string? ReadString(ref Utf8JsonReader r)
    {
        if (!r.Read() || r.TokenType != JsonTokenType.String) return null;
        var s = r.GetString();
        return string.IsNullOrEmpty(s) ? null : s;
    }

    private static bool? ReadBool(ref Utf8JsonReader r) =>
        r.Read() && r.TokenType is JsonTokenType.True or JsonTokenType.False ? r.TokenType == JsonTokenType.True : null;

    private static readonly string[] OpFields = ["op", "mm", "child", "page", "pages", "pfn", "value", "start_pfn", "shared", "prot", "file"];
    private static readonly byte[][] OpFieldBytes = OpFields.Select(Encoding.UTF8.GetBytes).ToArray();
    private static readonly (OpKind Kind, byte[] Name)[] KindBytes =
        Enum.GetValues<OpKind>().Select(k => (k, Encoding.UTF8.GetBytes(k.WireName()))).ToArray();

    /// <summary>The known op field at the reader (an interned string), or null; no allocation.</summary>
    private static string? FieldName(ref Utf8JsonReader r)
    {
        for (var i = 0; i < OpFieldBytes.Length; i++)
        {
            if (r.ValueTextEquals(OpFieldBytes[i])) return OpFields[i];
        }
        return null;
    }

    private static OpKind? KindOf(ref Utf8JsonReader r)
    {
        foreach (var (kind, name) in KindBytes)
        {
            if (r.ValueTextEquals(name)) return kind;
        }
        return null;
    }

    /// <summary>Address-space names repeat on every line: intern the short ones.</summary>
    [ThreadStatic] private static Dictionary<int, string>? _names;

    private static string? ReadName(ref Utf8JsonReader r)
    {
        if (!r.Read() || r.TokenType != JsonTokenType.String || r.HasValueSequence || r.ValueIsEscaped) return ReadStringAfterRead(ref r);
        var span = r.ValueSpan;
        if (span.Length == 0) return null;
        if (span.Length > 8) return r.GetString();
        var key = span.Length;
        foreach (var b in span) key = key * 257 + b;
        _names ??= new Dictionary<int, string>();
        if (_names.TryGetValue(key, out var s) && r.ValueTextEquals(s)) return s;
        s = r.GetString()!;
        _names[key] = s;
        return s;
    }

    private static string? ReadStringAfterRead(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.String) return null;
        var s = r.GetString();
        return string.IsNullOrEmpty(s) ? null : s;
    }

    private static Op? ReadOp(ref Utf8JsonReader r)
    {
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return null;
        OpKind? kind = null;
        string? mm = null, child = null, file = null;
        int? page = null, pages = null;
        long? pfn = null, value = null, startPfn = null;
        Prot? prot = null;
        bool? shared = null;
        var fields = new List<string>(4);
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = FieldName(ref r);
            if (name is null || fields.Contains(name)) return null;
            fields.Add(name);
            switch (name)
            {
                case "op":
                    if (!r.Read() || r.TokenType != JsonTokenType.String) return null;
                    kind = KindOf(ref r);
                    if (kind is null) return null;
                    break;
                case "mm": if ((mm = ReadName(ref r)) is null) return null; break;
                case "child": if ((child = ReadName(ref r)) is null) return null; break;
                case "file": if ((file = ReadName(ref r)) is null) return null; break;
                case "page": if ((page = ReadInt(ref r, 0)) is null) return null; break;
                case "pages": if ((pages = ReadInt(ref r, 1)) is null) return null; break;
                case "pfn": if ((pfn = ReadLong(ref r, 0)) is null) return null; break;
                case "value": if ((value = ReadLong(ref r, long.MinValue)) is null) return null; break;
                case "start_pfn": if ((startPfn = ReadLong(ref r, 0)) is null) return null; break;
                case "shared": if ((shared = ReadBool(ref r)) is null) return null; break;
                case "prot":
                    var p = ReadString(ref r);
                    if (p is null || !OpKinds.TryParseProt(p, out var pr)) return null;
                    prot = pr;
                    break;
                default: return null;
            }
        }
        if (r.TokenType != JsonTokenType.EndObject || kind is null) return null;
        var (required, allowed) = Shapes[kind.Value];
        foreach (var f in fields)
        {
            if (f != "op" && !allowed.Contains(f)) return null;
        }
        foreach (var f in required)
        {
            if (!fields.Contains(f)) return null;
        }
        return new Op { Kind = kind.Value, Mm = mm, Page = page, Pages = pages, Prot = prot, Shared = shared, Pfn = pfn, Value = value, Child = child, StartPfn = startPfn, File = file };
    }

    private static OpResult? ReadResult(ref Utf8JsonReader r)
    {
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return null;
        var result = new OpResult();
        var seen = new HashSet<string>();
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = r.GetString()!;
            if (!seen.Add(name)) return null;
            switch (name)
            {
                case "value": result = ReadLong(ref r, long.MinValue) is { } v ? result with { Value = v } : null; break;
                case "signal": result = ReadString(ref r) is { } sg ? result with { Signal = sg } : null; break;
                case "error": result = ReadString(ref r) is { } er ? result with { Error = er } : null; break;
                case "ok": result = ReadBool(ref r) is { } ok ? result with { Ok = ok } : null; break;
                case "migrated": result = ReadInt(ref r, 0) is { } m ? result with { Migrated = m } : null; break;
                case "rss": result = ReadInt(ref r, 0) is { } rss ? result with { Rss = rss } : null; break;
                case "anon": result = ReadInt(ref r, 0) is { } an ? result with { Anon = an } : null; break;
                case "present": result = ReadBool(ref r) is { } pr ? result with { Present = pr } : null; break;
                case "swap_type": result = ReadInt(ref r, 0) is { } st ? result with { SwapType = st } : null; break;
                case "exclusive": result = ReadBool(ref r) is { } ex ? result with { Exclusive = ex } : null; break;
                case "file": result = ReadBool(ref r) is { } fi ? result with { File = fi } : null; break;
                case "swap":
                    if (!r.Read()) return null;
                    if (r.TokenType == JsonTokenType.Number) result = r.TryGetInt32(out var sw) && sw >= 0 ? result with { Swap = sw } : null;
                    else if (r.TokenType is JsonTokenType.True or JsonTokenType.False) result = result with { SwapEntry = r.TokenType == JsonTokenType.True };
                    else return null;
                    break;
                default: return null;
            }
            if (result is null) return null;
        }
        return r.TokenType == JsonTokenType.EndObject ? result : null;
    }
}
