using System.Text;
using System.Text.Json;
using CsCheck;

namespace Hmm.Spec.Actors.Tests.Fuzz;

/// <summary>
/// One corruption of a valid JSON document, chosen so the result is always malformed: every object in scenarios and
/// bundles is strict, so each kind below must be refused (with one line and exit 2), never accepted or crashed on.
/// </summary>
internal sealed record Corruption(Corruption.Kind What, int Position, int Variant, bool Bom)
{
    public enum Kind
    {
        /// <summary>Cut the text before its last byte.</summary>
        Truncate,
        /// <summary>Insert a byte that is never valid UTF-8 (0xFF, 0xC0, a lone continuation byte).</summary>
        InvalidUtf8,
        /// <summary>Insert a raw NUL byte (a control character is valid nowhere in JSON text).</summary>
        Nul,
        /// <summary>Repeat a key of an object.</summary>
        DuplicateKey,
        /// <summary>Add a key no object of the format has.</summary>
        UnknownKey,
        /// <summary>Replace a value by a string holding a lone UTF-16 surrogate escape.</summary>
        LoneSurrogate,
        /// <summary>Replace a number by one outside every documented range (past 64 bits, or not an integer).</summary>
        HugeNumber,
        /// <summary>Replace a value by a 100,000-character token of a wrong type or name.</summary>
        HugeToken,
    }

    private static readonly byte[][] BadBytes = [[0xFF], [0xC0], [0x80], [0xED, 0xA0, 0x80]];
    private static readonly string[] HugeNumbers = ["1e400", "9223372036854775808", "-9223372036854775809", "1.5", "18446744073709551616"];

    public static Gen<Corruption> Gen { get; } = CsCheck.Gen.Select(
        CsCheck.Gen.Enum<Kind>(), CsCheck.Gen.Int[0, int.MaxValue], CsCheck.Gen.Int[0, 1000], CsCheck.Gen.Bool,
        (k, p, v, b) => new Corruption(k, p, v, b));

    /// <summary>Applies the corruption to <paramref name="valid"/> (UTF-8 JSON without a BOM).</summary>
    public byte[] Apply(byte[] valid)
    {
        var tokens = Tokens(valid);
        byte[] result;
        switch (What)
        {
            case Kind.Truncate:
                result = valid[..(Position % valid.Length)];
                break;
            case Kind.InvalidUtf8:
                result = Insert(valid, Position % valid.Length, BadBytes[Variant % BadBytes.Length]);
                break;
            case Kind.Nul:
                result = Insert(valid, Position % valid.Length, [0]);
                break;
            case Kind.DuplicateKey:
            {
                var names = tokens.Where(t => t.Type == JsonTokenType.PropertyName).ToArray();
                var name = names[Position % names.Length];
                result = Insert(valid, name.Start, Encoding.UTF8.GetBytes($"{Text(valid, name)}:0,"));
                break;
            }
            case Kind.UnknownKey:
            {
                var objects = tokens.Where(t => t.Type == JsonTokenType.StartObject).ToArray();
                result = Insert(valid, objects[Position % objects.Length].Start + 1, "\"zz_not_a_field\":1,"u8.ToArray());
                break;
            }
            case Kind.LoneSurrogate:
            {
                var values = tokens.Where(t => t.Type is JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False).ToArray();
                var lone = Variant % 2 == 0 ? "\"\\ud800\"" : "\"ok\\udfff\"";
                result = Replace(valid, values[Position % values.Length], lone);
                break;
            }
            case Kind.HugeNumber:
            {
                var numbers = tokens.Where(t => t.Type == JsonTokenType.Number).ToArray();
                result = Replace(valid, numbers[Position % numbers.Length], HugeNumbers[Variant % HugeNumbers.Length]);
                break;
            }
            default:
            {
                // Every string value of the formats is a name from a closed set, a version, or a free text; a long
                // token in a number's or boolean's place is always a type error.
                var values = tokens.Where(t => t.Type is JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False).ToArray();
                var token = Variant % 2 == 0 ? $"\"{new string('q', 100_000)}\"" : new string('7', 100_000);
                result = Replace(valid, values[Position % values.Length], token);
                break;
            }
        }
        return Bom ? [0xEF, 0xBB, 0xBF, .. result] : result;
    }

    private readonly record struct Token(JsonTokenType Type, int Start, int Length);

    /// <summary>Every token with its byte range (strings and names include their quotes).</summary>
    private static List<Token> Tokens(byte[] json)
    {
        var list = new List<Token>();
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            var start = (int)reader.TokenStartIndex;
            var length = reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName
                ? reader.ValueSpan.Length + 2
                : reader.ValueSpan.Length;
            list.Add(new Token(reader.TokenType, start, length));
        }
        return list;
    }

    private static string Text(byte[] json, Token t) => Encoding.UTF8.GetString(json, t.Start, t.Length);

    private static byte[] Insert(byte[] json, int at, byte[] bytes) => [.. json[..at], .. bytes, .. json[at..]];

    private static byte[] Replace(byte[] json, Token t, string with) =>
        [.. json[..t.Start], .. Encoding.UTF8.GetBytes(with), .. json[(t.Start + t.Length)..]];

    public override string ToString() => $"{What} at {Position}, variant {Variant}{(Bom ? ", after a BOM" : "")}";
}
