using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Win32.SafeHandles;

namespace Hmm.Spec.Oracle.History;

/// <summary>
/// Reads the JSON-lines history format (docs/history-format.md). Strict: every problem is an
/// <see cref="InputError"/> whose place is <c>FILE: line N</c> (plus the JSON path inside the line).
/// Blank lines are ignored; file order is real-time order.
/// </summary>
public static class HistoryReader
{
    private static readonly string[] HeaderFields = ["format", "version", "variant", "config", "machine", "setup"];
    private static readonly string[] MachineFields = ["ram_pages", "device_pages", "device_start_pfn"];

    public static History Read(string path)
    {
        if (Directory.Exists(path))
            throw new InputError(path, "is a directory, not a history file");
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InputError(path, $"cannot read: {ex.Message}");
        }
        using (file)
        {
            long length;
            try
            {
                length = RandomAccess.GetLength(file);
            }
            catch (Exception ex) when (ex is IOException or NotSupportedException)
            {
                length = 0;   // a pipe has no length: it is read below
            }
            // A regular file is parsed where it lies, mapped read-only: no copy of it on the heap (a copy is
            // fresh memory the process must fault in page by page, a large part of reading a long history).
            // Anything else (a pipe, a device, an empty file) is read into an array.
            if (length is > 0 and <= int.MaxValue)
            {
                MemoryMappedFile? map = null;
                try
                {
                    map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Not mappable after all: read it.
                }
                if (map is not null)
                {
                    using (map) return ParseMapped(map, (int)length, path);
                }
            }
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InputError(path, $"cannot read: {ex.Message}");
            }
            return Parse(bytes, path);
        }
    }

    private static unsafe History ParseMapped(MemoryMappedFile map, int length, string path)
    {
        using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        var handle = view.SafeMemoryMappedViewHandle;
        byte* start = null;
        handle.AcquirePointer(ref start);
        try
        {
            // Everything the parse returns is copied out of the bytes (strings, numbers), so nothing refers to the
            // mapping once it is released.
            return Parse(new MappedBytes(start + view.PointerOffset, length).Memory, path);
        }
        finally
        {
            handle.ReleasePointer();
        }
    }

    /// <summary>Mapped bytes as <see cref="Memory{T}"/> (the parser slices lines out of it); valid while the view is held.</summary>
    private sealed unsafe class MappedBytes(byte* start, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(start, length);
        public override MemoryHandle Pin(int elementIndex = 0) => new(start + elementIndex);
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }

    public static History Read(TextReader reader, string fileName) =>
        Parse(Encoding.UTF8.GetBytes(reader.ReadToEnd().TrimStart('\uFEFF')), fileName);

    /// <summary>Parses a whole history held in memory (UTF-8).</summary>
    public static History Parse(ReadOnlyMemory<byte> utf8, string fileName)
    {
        // A UTF-8 byte order mark is accepted (editors on some systems write one), as scenarios accept it.
        if (utf8.Span.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        // Split into lines (start, end, number); the header is the first non-blank one.
        var span = utf8.Span;
        var capacity = span.Count((byte)'\n') + 1;
        var lines = new Line[capacity];
        int count = 0, lineNo = 0, start = 0;
        while (start <= span.Length)
        {
            var nl = span[start..].IndexOf((byte)'\n');
            var end = nl < 0 ? span.Length : start + nl;
            lineNo++;
            if (!IsBlank(span[start..end])) lines[count++] = new Line(start, end, lineNo);
            if (nl < 0) break;
            start = end + 1;
        }
        if (count == 0)
            throw new InputError(fileName, "empty history: expected a header line {\"format\": \"hmm-history\", \"version\": 1, ...}");

        var header = ParseLine(utf8, lines[0], fileName, root => ReadHeader(root));

        // Event lines: the fast parser runs on all of them, in contiguous chunks in parallel for long histories
        // (a few per core, so that a core taken by another process does not hold up the rest); lines it
        // declines (and all errors) go through the strict reader in file order, so the first problem reported
        // is the first in the file.
        // events[i - 1] is line i's event, null where the fast parser declined it (filled in below).
        var events = new HistoryEvent[count - 1];
        var chunks = count > 20_000 ? Environment.ProcessorCount * 4 : 1;
        if (chunks == 1) ParseRange(utf8.Span, lines, events, 1, count);
        else
        {
            Parallel.For(0, chunks, c => ParseRange(utf8.Span, lines, events,
                1 + (int)((long)(count - 1) * c / chunks), 1 + (int)((long)(count - 1) * (c + 1) / chunks)));
        }
        var validator = new HistoryValidator(count);
        for (var i = 1; i < count; i++)
        {
            var e = events[i - 1] ??= ParseLine(utf8, lines[i], fileName, ReadEvent);
            var problem = validator.Accept(e);
            if (problem is not null) throw Clean(new InputError($"line {lines[i].No}", problem)).Within(fileName);
        }
        var warnings = validator.IgnoredResultsWarning is { } w ? new[] { $"{fileName}: {w}" } : [];
        return new History(header, events) { Validated = true, Warnings = warnings };
    }

    /// <summary>A non-blank line: byte range and 1-based line number.</summary>
    private readonly record struct Line(int Start, int End, int No);

    private static void ParseRange(ReadOnlySpan<byte> utf8, Line[] lines, HistoryEvent?[] into, int from, int to)
    {
        for (var i = from; i < to; i++) into[i - 1] = FastEventParser.TryParse(utf8[lines[i].Start..lines[i].End]);
    }

    private static T ParseLine<T>(ReadOnlyMemory<byte> utf8, Line line, string fileName, Func<JsonElement, T> read)
    {
        try
        {
            using var doc = JsonLine.Parse(utf8[line.Start..line.End]);
            return read(doc.RootElement);
        }
        catch (InputError err)
        {
            // A column is part of the line's place ("line 3, column 17"); a field path follows it.
            var place = err.Place.StartsWith("column ", StringComparison.Ordinal)
                ? new InputError($"line {line.No}, {err.Place}", err.Problem)
                : err.Within($"line {line.No}");
            throw Clean(place).Within(fileName);
        }
    }

    /// <summary>The same error in one short printable line (hostile input may hold huge tokens or NULs); the file name is added after.</summary>
    private static InputError Clean(InputError e) => new(Excerpt.Clean(e.Place), Excerpt.Clean(e.Problem));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        }
        return true;
    }

    private static HistoryHeader ReadHeader(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new InputError("", $"expected the header object, found {OpCodec.Describe(e)}");
        if (!e.TryGetProperty("format", out var format))
        {
            var what = e.TryGetProperty("type", out _) ? "an event line" : "an object without \"format\"";
            throw new InputError("", $"missing header: expected {{\"format\": \"{HistoryHeader.Format}\", \"version\": 1, ...}}, found {what}");
        }
        foreach (var p in e.EnumerateObject())
        {
            if (!HeaderFields.Contains(p.Name))
                throw new InputError(p.Name, $"unknown header field (known: {string.Join(", ", HeaderFields)})");
        }
        if (format.ValueKind != JsonValueKind.String || format.GetString() != HistoryHeader.Format)
            throw new InputError("format", $"expected \"{HistoryHeader.Format}\", found {OpCodec.Describe(format)}");
        var version = OpCodec.OptInt(e, "version", "header", 0)
                      ?? throw new InputError("version", "missing header field \"version\"");
        if (version != HistoryHeader.CurrentVersion)
            throw new InputError("version", $"unsupported version {version} (this tool reads version {HistoryHeader.CurrentVersion})");
        var variant = OpCodec.OptString(e, "variant", "header");

        Dictionary<string, bool>? config = null;
        if (e.TryGetProperty("config", out var c))
        {
            if (c.ValueKind != JsonValueKind.Object)
                throw new InputError("config", $"expected an object of booleans, found {OpCodec.Describe(c)}");
            config = new Dictionary<string, bool>();
            foreach (var p in c.EnumerateObject())
            {
                if (p.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw new InputError($"config.{p.Name}", $"expected true or false, found {OpCodec.Describe(p.Value)}");
                config[p.Name] = p.Value.GetBoolean();
            }
            // A kernel Kconfig cannot build did not produce this history (KconfigRules).
            if (KconfigRules.Resolve(config).Problem is { } problem)
                throw new InputError("config", $"cannot be built: {problem}");
        }

        MachineSpec? machine = null;
        if (e.TryGetProperty("machine", out var m))
        {
            if (m.ValueKind != JsonValueKind.Object)
                throw new InputError("machine", $"expected an object, found {OpCodec.Describe(m)}");
            foreach (var p in m.EnumerateObject())
            {
                if (!MachineFields.Contains(p.Name))
                    throw new InputError($"machine.{p.Name}", $"unknown machine field (known: {string.Join(", ", MachineFields)})");
            }
            machine = new MachineSpec(
                OpCodec.OptInt(m, "ram_pages", "machine", 0) ?? throw new InputError("machine", "needs field \"ram_pages\""),
                OpCodec.OptInt(m, "device_pages", "machine", 0) ?? 0,
                OpCodec.OptLong(m, "device_start_pfn", "machine", 0) ?? 0);
            if (machine.DevicePages > 0 && !m.TryGetProperty("device_start_pfn", out _))
                throw new InputError("machine", "device_pages > 0 needs field \"device_start_pfn\"");
            if (HistoryLimits.Problem(machine) is { } problem)
            {
                var colon = problem.IndexOf(": ", StringComparison.Ordinal);   // "field: problem"
                throw new InputError($"machine.{problem[..colon]}", problem[(colon + 2)..]);
            }
        }

        var setup = new List<Op>();
        if (e.TryGetProperty("setup", out var s))
        {
            if (s.ValueKind != JsonValueKind.Array)
                throw new InputError("setup", $"expected an array of ops, found {OpCodec.Describe(s)}");
            var i = 0;
            foreach (var op in s.EnumerateArray())
            {
                var read = OpCodec.ReadOp(op, $"setup[{i}]");
                if (OpShape.Problem(read) is { } problem) throw new InputError($"setup[{i}]", problem);
                setup.Add(read);
                i++;
            }
        }
        return new HistoryHeader(version, variant, config, machine, setup);
    }

    private static int NonNegative(JsonElement e, string field)
    {
        var v = e.GetProperty(field);
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n))
            throw new InputError(field, $"expected an integer, found {OpCodec.Describe(v)}");
        if (n < 0) throw new InputError(field, $"must be at least 0, found {n}");
        return n;
    }

    internal static HistoryEvent ReadEvent(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new InputError("", $"expected an event object, found {OpCodec.Describe(e)}");
        JsonElement typeEl = default, opEl = default, resultEl = default;
        bool hasType = false, hasOp = false, hasResult = false, hasProcess = false, hasId = false;
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "type": typeEl = p.Value; hasType = true; break;
                case "process": hasProcess = true; break;
                case "id": hasId = true; break;
                case "op": opEl = p.Value; hasOp = true; break;
                case "result": resultEl = p.Value; hasResult = true; break;
                case "format":
                    throw new InputError("format", "a second header line");
                default:
                    throw new InputError(p.Name, "unknown event field (known: type, process, id, op, result)");
            }
        }
        if (!hasType) throw new InputError("", "event needs field \"type\"");
        if (!hasProcess) throw new InputError("", "event needs field \"process\"");
        if (!hasId) throw new InputError("", "event needs field \"id\"");
        var type = typeEl.ValueKind == JsonValueKind.String ? typeEl.GetString() switch
        {
            "invoke" => EventType.Invoke,
            "ok" => EventType.Ok,
            "fail" => EventType.Fail,
            "info" => EventType.Info,
            _ => (EventType?)null,
        } : null;
        if (type is null)
            throw new InputError("type", $"expected \"invoke\", \"ok\", \"fail\" or \"info\", found {OpCodec.Describe(typeEl)}");
        var process = NonNegative(e, "process");
        var id = NonNegative(e, "id");
        Op? op = null;
        OpResult? result = null;
        if (type == EventType.Invoke)
        {
            if (!hasOp) throw new InputError("", "an invocation needs field \"op\"");
            if (hasResult) throw new InputError("result", "an invocation must not carry a result");
            op = OpCodec.ReadOp(opEl, "op");
        }
        else
        {
            if (hasOp) throw new InputError("op", "a completion must not carry an op");
            if (hasResult) result = OpCodec.ReadResult(resultEl, "result");
            else if (type == EventType.Ok) throw new InputError("", "an \"ok\" completion needs field \"result\"");
        }
        return new HistoryEvent(type.Value, process, id, op, result);
    }
}
