using System.Runtime.CompilerServices;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// A forward scanner over one JSON line for <see cref="FastEventParser"/>: objects, property names, plain
/// strings, integers and booleans. It recognises only a strict subset of JSON — strings of printable ASCII
/// without escapes, integers without fraction or exponent — and reports anything else as a failure, so the
/// caller hands the line to the strict reader. It never accepts text that is not valid JSON.
/// Its methods run several times per line of a long history: the loops work on locals (a field of a ref
/// struct is re-read from memory at every step) and write the position back once.
/// </summary>
internal ref struct LineScanner(ReadOnlySpan<byte> line)
{
    private readonly ReadOnlySpan<byte> _s = line;
    private int _i;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SkipSpace()
    {
        var s = _s;
        var i = _i;
        while ((uint)i < (uint)s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        _i = i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Take(byte b)
    {
        SkipSpace();
        if (_i >= _s.Length || _s[_i] != b) return false;
        _i++;
        return true;
    }

    /// <summary>An opening brace.</summary>
    public bool StartObject() => Take((byte)'{');

    /// <summary>An opening bracket.</summary>
    public bool StartArray() => Take((byte)'[');

    /// <summary>
    /// Before the next element of the current array (and its comma): false at the closing bracket (then
    /// <paramref name="closed"/> is true) or on anything malformed (then it is false).
    /// </summary>
    public bool NextElement(bool first, out bool closed)
    {
        closed = Take((byte)']');
        if (closed) return false;
        return first || Take((byte)',');
    }

    /// <summary>
    /// The next property name of the current object and its colon; false at the closing brace (then
    /// <paramref name="closed"/> is true) or on anything malformed (then it is false).
    /// </summary>
    public bool NextProperty(bool first, out ReadOnlySpan<byte> name, out bool closed)
    {
        name = default;
        closed = Take((byte)'}');
        if (closed) return false;
        if (!first && !Take((byte)',')) return false;
        return String(out name) && Take((byte)':');
    }

    /// <summary>A string of printable ASCII without escapes (anything else fails: the strict reader decodes it).</summary>
    public bool String(out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!Take((byte)'"')) return false;
        var s = _s;
        var start = _i;
        for (var i = start; (uint)i < (uint)s.Length; i++)
        {
            var b = s[i];
            if (b == (byte)'"')
            {
                value = s[start..i];
                _i = i + 1;
                return true;
            }
            if (b is < 0x20 or > 0x7E or (byte)'\\') return false;
        }
        return false;
    }

    /// <summary>An integer in JSON's own form (no leading zeros, no fraction or exponent) that fits a long.</summary>
    public bool Integer(out long value)
    {
        value = 0;
        SkipSpace();
        var s = _s;
        var i = _i;
        var negative = (uint)i < (uint)s.Length && s[i] == (byte)'-';
        if (negative) i++;
        var start = i;
        ulong magnitude = 0;
        while ((uint)i < (uint)s.Length && s[i] - (uint)'0' <= 9)
        {
            if (i - start >= 19) return false;   // 19 digits always fit below 10^19 < 2^64
            magnitude = magnitude * 10 + (ulong)(s[i] - '0');
            i++;
        }
        _i = i;
        var digits = i - start;
        if (digits == 0 || (digits > 1 && s[start] == (byte)'0')) return false;
        // The number must end here: a fraction or exponent makes it a non-integer for this format.
        if ((uint)i < (uint)s.Length && s[i] is (byte)'.' or (byte)'e' or (byte)'E') return false;
        if (negative ? magnitude > (ulong)long.MaxValue + 1 : magnitude > long.MaxValue) return false;
        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    /// <summary>The literal true or false.</summary>
    public bool Boolean(out bool value)
    {
        SkipSpace();
        var rest = _s[_i..];
        if (rest.StartsWith("true"u8)) { _i += 4; value = true; return Delimited(); }
        if (rest.StartsWith("false"u8)) { _i += 5; value = false; return Delimited(); }
        value = false;
        return false;
    }

    /// <summary>A literal must not run on into more letters ("truex").</summary>
    private readonly bool Delimited() => _i >= _s.Length || _s[_i] is not (>= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9');

    /// <summary>Only white space remains.</summary>
    public bool AtEnd()
    {
        SkipSpace();
        return _i == _s.Length;
    }
}
