using System.Text;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// A fast path for the common event line: one forward pass with <see cref="LineScanner"/>, no DOM, no
/// string per field name (fields are bits of a mask). It accepts only lines that are certainly valid and gives
/// up (returns null) on anything unusual — an unknown or repeated field, a wrong type, a value out of range,
/// an escaped string — so that the strict DOM reader produces the precise error. Either way the result is the
/// same as the strict reader's. A new op field needs a name in <see cref="OpFieldNames"/> and a case in
/// <see cref="ReadOp"/>; until then ops of kinds that use it simply take the strict path.
/// </summary>
internal static class FastEventParser
{
    // These run for every line of a long history. `hmm-spec` ships this assembly precompiled (ReadyToRun,
    // src/Cli/ReadyToRun.targets), so no [MethodImpl(AggressiveOptimization)] here: it would exclude the
    // method from precompilation and send it back to the JIT.
    public static HistoryEvent? TryParse(ReadOnlySpan<byte> line)
    {
        var r = new LineScanner(line);
        if (!r.StartObject()) return null;
        EventType type = default;
        int process = 0, id = 0;
        Op? op = null;
        OpResult? result = null;
        var seen = 0;
        bool closed;
        for (var first = true; r.NextProperty(first, out var name, out closed); first = false)
        {
            int bit;
            if (name.SequenceEqual("type"u8))
            {
                bit = 1;
                if (!r.String(out var t)) return null;
                if (t.SequenceEqual("invoke"u8)) type = EventType.Invoke;
                else if (t.SequenceEqual("ok"u8)) type = EventType.Ok;
                else if (t.SequenceEqual("info"u8)) type = EventType.Info;
                else if (t.SequenceEqual("fail"u8)) type = EventType.Fail;
                else return null;
            }
            else if (name.SequenceEqual("process"u8)) { bit = 2; if (!ReadInt(ref r, 0, out process)) return null; }
            else if (name.SequenceEqual("id"u8)) { bit = 4; if (!ReadInt(ref r, 0, out id)) return null; }
            else if (name.SequenceEqual("op"u8)) { bit = 8; if ((op = ReadOp(ref r)) is null) return null; }
            else if (name.SequenceEqual("result"u8)) { bit = 16; if ((result = ReadResult(ref r)) is null) return null; }
            else return null;
            if ((seen & bit) != 0) return null;
            seen |= bit;
        }
        if (!closed || !r.AtEnd() || (seen & 7) != 7) return null;
        if (type == EventType.Invoke ? op is null || result is not null : op is not null || (type == EventType.Ok && result is null))
            return null;
        return new HistoryEvent(type, process, id, op, result);
    }

    /// <summary>
    /// The header line the same way (the strict reader's first use costs its JSON library's start-up, about 20 ms of
    /// a check): format, version, variant, machine and setup in their plain form, and only a header the strict reader
    /// accepts as it is (the machine's and the setup ops' rules included). A <c>config</c>, anything unusual or
    /// anything wrong gives null, and the strict reader reads the line and words the error.
    /// </summary>
    public static HistoryHeader? TryParseHeader(ReadOnlySpan<byte> line)
    {
        var r = new LineScanner(line);
        if (!r.StartObject()) return null;
        int version = 0;
        string? variant = null;
        MachineSpec? machine = null;
        List<Op> setup = [];
        var seen = 0;
        bool closed;
        for (var first = true; r.NextProperty(first, out var name, out closed); first = false)
        {
            int bit;
            if (name.SequenceEqual("format"u8))
            {
                bit = 1;
                if (!r.String(out var f) || !f.SequenceEqual("hmm-history"u8)) return null;
            }
            else if (name.SequenceEqual("version"u8))
            {
                bit = 2;
                if (!ReadInt(ref r, 0, out version) || version != HistoryHeader.CurrentVersion) return null;
            }
            else if (name.SequenceEqual("variant"u8))
            {
                bit = 4;
                if (!r.String(out var v) || v.Length == 0) return null;
                variant = Encoding.ASCII.GetString(v);
            }
            else if (name.SequenceEqual("machine"u8)) { bit = 8; if ((machine = ReadMachine(ref r)) is null) return null; }
            else if (name.SequenceEqual("setup"u8))
            {
                bit = 16;
                if (!r.StartArray()) return null;
                bool ended;
                for (var firstOp = true; r.NextElement(firstOp, out ended); firstOp = false)
                {
                    if (ReadOp(ref r) is not { } op || OpShape.Problem(op) is not null) return null;
                    setup.Add(op);
                }
                if (!ended) return null;
            }
            else return null;
            if ((seen & bit) != 0) return null;
            seen |= bit;
        }
        if (!closed || !r.AtEnd() || (seen & 3) != 3) return null;
        return new HistoryHeader(version, variant, null, machine, setup);
    }

    /// <summary>The header's machine object, only when it is complete and valid (<see cref="HistoryLimits"/>).</summary>
    private static MachineSpec? ReadMachine(ref LineScanner r)
    {
        if (!r.StartObject()) return null;
        int ram = 0, device = 0;
        long start = 0;
        var seen = 0;
        bool closed;
        for (var first = true; r.NextProperty(first, out var name, out closed); first = false)
        {
            int bit;
            if (name.SequenceEqual("ram_pages"u8)) { bit = 1; if (!ReadInt(ref r, 0, out ram)) return null; }
            else if (name.SequenceEqual("device_pages"u8)) { bit = 2; if (!ReadInt(ref r, 0, out device)) return null; }
            else if (name.SequenceEqual("device_start_pfn"u8)) { bit = 4; if (!ReadLong(ref r, 0, out start)) return null; }
            else return null;
            if ((seen & bit) != 0) return null;
            seen |= bit;
        }
        if (!closed || (seen & 1) == 0 || (device > 0 && (seen & 4) == 0)) return null;
        var machine = new MachineSpec(ram, device, start);
        return HistoryLimits.Problem(machine) is null ? machine : null;
    }

    private static bool ReadInt(ref LineScanner r, int min, out int n)
    {
        n = 0;
        if (!r.Integer(out var l) || l < min || l > int.MaxValue) return false;
        n = (int)l;
        return true;
    }

    private static bool ReadLong(ref LineScanner r, long min, out long n) => r.Integer(out n) && n >= min;

    /// <summary>The index of <paramref name="name"/> in <paramref name="names"/>, or -1.</summary>
    private static int IndexOf(ReadOnlySpan<byte> name, byte[][] names)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (name.SequenceEqual(names[i])) return i;
        }
        return -1;
    }

    private static byte[][] Utf8(string[] names) => names.Select(Encoding.UTF8.GetBytes).ToArray();

    // Op fields, by bit position; "op" itself is bit 0.
    private static readonly string[] OpFieldNames = ["op", "mm", "child", "page", "pages", "pfn", "value", "start_pfn", "shared", "prot", "file", "privileged"];
    private static readonly byte[][] OpFieldBytes = Utf8(OpFieldNames);
    private const int FOp = 0, FMm = 1, FChild = 2, FPage = 3, FPages = 4, FPfn = 5, FValue = 6, FStartPfn = 7, FShared = 8, FProt = 9, FFile = 10, FPrivileged = 11;

    private static readonly OpKind[] Kinds = Enum.GetValues<OpKind>();
    private static readonly byte[][] KindBytes = Kinds.Select(k => Encoding.UTF8.GetBytes(k.WireName())).ToArray();

    /// <summary>
    /// Per op kind, the field masks it requires and allows ("op" included); a kind with a field this parser
    /// does not know gets Allowed = 0, which no line matches, so it always goes the strict way.
    /// </summary>
    private static readonly (int Required, int Allowed)[] Shapes = BuildShapes();

    private static (int, int)[] BuildShapes()
    {
        var shapes = new (int, int)[Kinds.Max(k => (int)k) + 1];
        foreach (var k in Kinds)
        {
            var (req, opt) = OpCodec.FieldsOf(k);
            int Mask(IEnumerable<string> fields) => fields.Aggregate(1 << FOp, (m, f) => m | (Array.IndexOf(OpFieldNames, f) is var i and >= 0 ? 1 << i : int.MinValue));
            int required = Mask(req), allowed = Mask(req.Concat(opt));
            shapes[(int)k] = allowed < 0 ? (0, 0) : (required, allowed);
        }
        return shapes;
    }

    /// <summary>Names (address spaces, signals, errors) repeat on every line: intern them per thread.</summary>
    [ThreadStatic] private static Dictionary<int, string>? _names;

    private static string? ReadName(ref LineScanner r)
    {
        if (!r.String(out var span) || span.Length == 0) return null;
        if (span.Length > 16) return Encoding.ASCII.GetString(span);
        var key = span.Length;
        foreach (var b in span) key = key * 257 + b;
        _names ??= new Dictionary<int, string>();
        if (_names.TryGetValue(key, out var name) && Same(name, span)) return name;
        name = Encoding.ASCII.GetString(span);
        _names[key] = name;
        return name;
    }

    private static bool Same(string s, ReadOnlySpan<byte> ascii)
    {
        if (s.Length != ascii.Length) return false;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != ascii[i]) return false;
        }
        return true;
    }

    private const int PageOpFields = 1 << FOp | 1 << FMm | 1 << FPage;

    /// <summary>
    /// Ops of only a kind, an address space and a page (reads: half of a typical history) repeat line after line:
    /// shared instances per thread (ops are immutable), instead of a new object per line. A direct-mapped cache
    /// of <see cref="PageOpSlots"/> ops (a colliding op replaces the one in its slot), in an array rather than a
    /// dictionary keyed by a tuple of this assembly's types, which only the JIT can compile (docs/performance.md).
    /// </summary>
    [ThreadStatic] private static Op?[]? _pageOps;

    private const int PageOpSlots = 1 << 12;

    private static Op PageOp(OpKind kind, string mm, int page)
    {
        var cache = _pageOps ??= new Op?[PageOpSlots];
        var slot = (int)(((uint)page * 2654435761u) ^ (uint)kind * 40503u ^ (uint)mm.GetHashCode()) & (PageOpSlots - 1);
        if (cache[slot] is { } op && op.Kind == kind && op.Page == page && string.Equals(op.Mm, mm, StringComparison.Ordinal)) return op;
        return cache[slot] = new Op { Kind = kind, Mm = mm, Page = page };
    }

    private static Op? ReadOp(ref LineScanner r)
    {
        if (!r.StartObject()) return null;
        var kind = (OpKind)(-1);
        string? mm = null, child = null, file = null;
        int? page = null, pages = null;
        long? pfn = null, value = null, startPfn = null;
        Prot? prot = null;
        bool? shared = null, privileged = null;
        var seen = 0;
        bool closed;
        for (var first = true; r.NextProperty(first, out var name, out closed); first = false)
        {
            var field = IndexOf(name, OpFieldBytes);
            if (field < 0 || (seen & (1 << field)) != 0) return null;
            seen |= 1 << field;
            int i;
            long l;
            switch (field)
            {
                case FOp:
                    if (!r.String(out var k) || IndexOf(k, KindBytes) is not (var at and >= 0)) return null;
                    kind = Kinds[at];
                    break;
                case FMm: if ((mm = ReadName(ref r)) is null) return null; break;
                case FChild: if ((child = ReadName(ref r)) is null) return null; break;
                case FFile: if ((file = ReadName(ref r)) is null) return null; break;
                case FPage: if (!ReadInt(ref r, 0, out i)) return null; page = i; break;
                case FPages: if (!ReadInt(ref r, 0, out i)) return null; pages = i; break;
                case FPfn: if (!ReadLong(ref r, 0, out l)) return null; pfn = l; break;
                case FValue: if (!ReadLong(ref r, long.MinValue, out l)) return null; value = l; break;
                case FStartPfn: if (!ReadLong(ref r, 0, out l)) return null; startPfn = l; break;
                case FShared: if (!r.Boolean(out var b)) return null; shared = b; break;
                case FPrivileged: if (!r.Boolean(out var pb)) return null; privileged = pb; break;
                case FProt:
                    if (!r.String(out var p)) return null;
                    if (p.SequenceEqual("rw"u8)) prot = Prot.ReadWrite;
                    else if (p.SequenceEqual("r"u8)) prot = Prot.Read;
                    else if (p.SequenceEqual("none"u8)) prot = Prot.None;
                    else return null;
                    break;
                default: return null;
            }
        }
        if (!closed || (seen & (1 << FOp)) == 0) return null;
        // ftruncate's pages is a size and may be 0; elsewhere it is a length (the strict reader's rule).
        if (pages == 0 && kind != OpKind.Ftruncate) return null;
        var (required, allowed) = Shapes[(int)kind];
        if ((seen & required) != required || (seen & ~allowed) != 0) return null;
        if (seen == PageOpFields) return PageOp(kind, mm!, page!.Value);
        return new Op { Kind = kind, Mm = mm, Page = page, Pages = pages, Prot = prot, Shared = shared, Pfn = pfn, Value = value, Child = child, StartPfn = startPfn, File = file, Privileged = privileged };
    }

    private static readonly byte[][] ResultFieldBytes =
        Utf8(["value", "signal", "error", "ok", "migrated", "rss", "anon", "swap", "present", "swap_type", "exclusive", "file", "frame"]);

    /// <summary>The results that fill most lines, shared (results are immutable).</summary>
    private static readonly OpResult OkTrue = OpResult.Success, OkFalse = new() { Ok = false };

    private static OpResult? ReadResult(ref LineScanner r)
    {
        if (!r.StartObject()) return null;
        long? value = null, frame = null;
        string? signal = null, error = null;
        bool? ok = null, present = null, swapEntry = null, exclusive = null, file = null;
        int? migrated = null, rss = null, anon = null, swap = null, swapType = null;
        var seen = 0;
        bool closed;
        for (var first = true; r.NextProperty(first, out var name, out closed); first = false)
        {
            var field = IndexOf(name, ResultFieldBytes);
            if (field < 0 || (seen & (1 << field)) != 0) return null;
            seen |= 1 << field;
            int i;
            bool b;
            switch (field)
            {
                case 0: if (!ReadLong(ref r, long.MinValue, out var v)) return null; value = v; break;
                case 1: if ((signal = ReadName(ref r)) is null) return null; break;
                case 2: if ((error = ReadName(ref r)) is null) return null; break;
                case 3: if (!r.Boolean(out b)) return null; ok = b; break;
                case 4: if (!ReadInt(ref r, 0, out i)) return null; migrated = i; break;
                case 5: if (!ReadInt(ref r, 0, out i)) return null; rss = i; break;
                case 6: if (!ReadInt(ref r, 0, out i)) return null; anon = i; break;
                case 7:
                    // "swap" is a page count in smaps results and a flag in pagemap results.
                    if (r.Boolean(out b)) swapEntry = b;
                    else if (ReadInt(ref r, 0, out i)) swap = i;
                    else return null;
                    break;
                case 8: if (!r.Boolean(out b)) return null; present = b; break;
                case 9: if (!ReadInt(ref r, 0, out i)) return null; swapType = i; break;
                case 10: if (!r.Boolean(out b)) return null; exclusive = b; break;
                case 11: if (!r.Boolean(out b)) return null; file = b; break;
                case 12: if (!ReadLong(ref r, 0, out var fr)) return null; frame = fr; break;
                default: return null;
            }
        }
        if (!closed) return null;
        if (seen == 1 << 3) return ok == true ? OkTrue : OkFalse;
        return new OpResult
        {
            Value = value, Signal = signal, Error = error, Ok = ok, Migrated = migrated, Rss = rss, Anon = anon, Swap = swap,
            Present = present, SwapEntry = swapEntry, SwapType = swapType, Exclusive = exclusive, File = file, Frame = frame,
        };
    }
}
