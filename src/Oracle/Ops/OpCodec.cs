using System.Text;
using System.Text.Json;
using Hmm.Spec.Input;

namespace Hmm.Spec.Oracle.Ops;

/// <summary>
/// Strict JSON reading and writing of <see cref="Op"/> and <see cref="OpResult"/>: the one codec that
/// scenarios, histories and trace bundles share. Unknown fields, missing required fields and values of
/// the wrong type are <see cref="InputError"/>s naming the JSON path.
/// </summary>
public static class OpCodec
{
    private const string FMm = "mm", FPage = "page", FPages = "pages", FProt = "prot", FShared = "shared",
        FPfn = "pfn", FValue = "value", FChild = "child", FStartPfn = "start_pfn", FFile = "file", FPrivileged = "privileged";

    /// <summary>Required and optional fields of each op kind (besides "op").</summary>
    private static (string[] Required, string[] Optional) Shape(OpKind kind) => kind switch
    {
        OpKind.Mmap => ([FMm, FPage, FPages], [FProt, FShared, FFile]),
        OpKind.MmapPfn => ([FMm, FPage, FPages, FPfn], [FProt, FShared]),
        OpKind.Munmap or OpKind.MadviseDontneed => ([FMm, FPage, FPages], []),
        OpKind.Mprotect => ([FMm, FPage, FPages, FProt], []),
        OpKind.Read or OpKind.DeviceRead or OpKind.MemRead => ([FMm, FPage], []),
        OpKind.Pagemap => ([FMm, FPage], [FPrivileged]),
        OpKind.Write or OpKind.DeviceWrite => ([FMm, FPage, FValue], []),
        OpKind.Fork => ([FMm, FChild], []),
        OpKind.Exit or OpKind.Smaps => ([FMm], []),
        OpKind.MigrateToDevice or OpKind.MigrateToSystem => ([FMm, FPage], [FPages]),
        OpKind.DeviceRemove => ([], []),
        OpKind.HotplugAdd => ([FStartPfn, FPages], []),
        OpKind.Ftruncate => ([FFile, FPages], []),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Fields (besides "op") that an op of <paramref name="kind"/> must have, and those it may have.</summary>
    public static (IReadOnlyList<string> Required, IReadOnlyList<string> Optional) FieldsOf(OpKind kind) => Shape(kind);

    /// <summary>
    /// Reads an op object. <paramref name="extraAllowed"/> names fields the caller handles itself
    /// (a scenario's "expect"); they are ignored here.
    /// </summary>
    public static Op ReadOp(JsonElement e, string path, params string[] extraAllowed)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new InputError(path, $"expected an op object, found {Describe(e)}");
        if (!e.TryGetProperty("op", out var opName))
            throw new InputError(path, "missing field \"op\"");
        if (opName.ValueKind != JsonValueKind.String)
            throw new InputError($"{path}.op", $"expected a string, found {Describe(opName)}");
        var name = opName.GetString()!;
        if (!OpKinds.TryParse(name, out var kind))
            throw new InputError($"{path}.op", $"unknown op \"{name}\" (known: {string.Join(", ", OpKinds.AllWireNames)})");

        var (required, optional) = Shape(kind);
        foreach (var p in e.EnumerateObject())
        {
            if (p.Name == "op" || required.Contains(p.Name) || optional.Contains(p.Name) || extraAllowed.Contains(p.Name))
                continue;
            throw new InputError($"{path}.{p.Name}", $"field not allowed in op \"{name}\"");
        }
        foreach (var r in required)
        {
            if (!e.TryGetProperty(r, out _))
                throw new InputError(path, $"op \"{name}\" needs field \"{r}\"");
        }

        return new Op
        {
            Kind = kind,
            Mm = OptString(e, FMm, path),
            Page = OptInt(e, FPage, path, min: 0),
            // ftruncate's pages is a size and may be 0; elsewhere it is a length.
            Pages = OptInt(e, FPages, path, min: kind == OpKind.Ftruncate ? 0 : 1),
            Prot = OptProt(e, path),
            Shared = OptBool(e, FShared, path),
            Pfn = OptLong(e, FPfn, path, min: 0),
            Value = OptLong(e, FValue, path, min: long.MinValue),
            Child = OptString(e, FChild, path),
            StartPfn = OptLong(e, FStartPfn, path, min: 0),
            File = OptString(e, FFile, path),
            Privileged = OptBool(e, FPrivileged, path),
        };
    }

    private static readonly string[] ResultFields =
        ["value", "signal", "error", "ok", "migrated", "rss", "anon", "swap", "present", "swap_type", "exclusive", "file", "frame"];

    /// <summary>Reads a result (or an expectation) object.</summary>
    public static OpResult ReadResult(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new InputError(path, $"expected a result object, found {Describe(e)}");
        foreach (var p in e.EnumerateObject())
        {
            if (!ResultFields.Contains(p.Name))
                throw new InputError($"{path}.{p.Name}", $"unknown result field (known: {string.Join(", ", ResultFields)})");
        }
        return new OpResult
        {
            Value = OptLong(e, "value", path, long.MinValue),
            Signal = OptString(e, "signal", path),
            Error = OptString(e, "error", path),
            Ok = OptBool(e, "ok", path),
            Migrated = OptInt(e, "migrated", path, 0),
            Rss = OptInt(e, "rss", path, 0),
            Anon = OptInt(e, "anon", path, 0),
            // "swap" is a page count in smaps results and a flag in pagemap results.
            Swap = e.TryGetProperty("swap", out var sw) && sw.ValueKind == JsonValueKind.Number ? OptInt(e, "swap", path, 0) : null,
            Present = OptBool(e, "present", path),
            SwapEntry = e.TryGetProperty("swap", out var sf) && sf.ValueKind != JsonValueKind.Number ? OptBool(e, "swap", path) : null,
            SwapType = OptInt(e, "swap_type", path, 0),
            Exclusive = OptBool(e, "exclusive", path),
            File = OptBool(e, "file", path),
            Frame = OptLong(e, "frame", path, 0),
        };
    }

    public static void Write(Utf8JsonWriter w, Op op)
    {
        w.WriteStartObject();
        w.WriteString("op", op.Kind.WireName());
        if (op.Mm is not null) w.WriteString(FMm, op.Mm);
        if (op.Page is { } page) w.WriteNumber(FPage, page);
        if (op.Pages is { } pages) w.WriteNumber(FPages, pages);
        if (op.Prot is { } prot) w.WriteString(FProt, prot.WireName());
        if (op.Shared is { } shared) w.WriteBoolean(FShared, shared);
        if (op.Pfn is { } pfn) w.WriteNumber(FPfn, pfn);
        if (op.Value is { } value) w.WriteNumber(FValue, value);
        if (op.Child is not null) w.WriteString(FChild, op.Child);
        if (op.StartPfn is { } start) w.WriteNumber(FStartPfn, start);
        if (op.File is not null) w.WriteString(FFile, op.File);
        if (op.Privileged is { } privileged) w.WriteBoolean(FPrivileged, privileged);
        w.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter w, OpResult r)
    {
        w.WriteStartObject();
        if (r.Value is { } v) w.WriteNumber("value", v);
        if (r.Signal is not null) w.WriteString("signal", r.Signal);
        if (r.Error is not null) w.WriteString("error", r.Error);
        if (r.Ok is { } ok) w.WriteBoolean("ok", ok);
        if (r.Migrated is { } m) w.WriteNumber("migrated", m);
        if (r.Rss is { } rss) w.WriteNumber("rss", rss);
        if (r.Anon is { } anon) w.WriteNumber("anon", anon);
        if (r.Swap is { } swap) w.WriteNumber("swap", swap);
        if (r.Present is { } present) w.WriteBoolean("present", present);
        if (r.SwapEntry is { } se) w.WriteBoolean("swap", se);
        if (r.SwapType is { } st) w.WriteNumber("swap_type", st);
        if (r.Exclusive is { } ex) w.WriteBoolean("exclusive", ex);
        if (r.File is { } f) w.WriteBoolean("file", f);
        if (r.Frame is { } frame) w.WriteNumber("frame", frame);
        w.WriteEndObject();
    }

    public static string Format(Op op) => Render(w => Write(w, op));
    public static string Format(OpResult r) => Render(w => Write(w, r));

    private static string Render(Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
            write(w);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{e.GetString()}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {e.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => e.ValueKind.ToString(),
    };

    public static string? OptString(JsonElement e, string field, string path)
    {
        if (!e.TryGetProperty(field, out var v)) return null;
        if (v.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(v.GetString()))
            throw new InputError($"{path}.{field}", $"expected a non-empty string, found {Describe(v)}");
        return v.GetString();
    }

    public static bool? OptBool(JsonElement e, string field, string path)
    {
        if (!e.TryGetProperty(field, out var v)) return null;
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw new InputError($"{path}.{field}", $"expected true or false, found {Describe(v)}");
        return v.GetBoolean();
    }

    public static long? OptLong(JsonElement e, string field, string path, long min)
    {
        if (!e.TryGetProperty(field, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n))
            throw new InputError($"{path}.{field}", $"expected an integer, found {Describe(v)}");
        if (n < min)
            throw new InputError($"{path}.{field}", $"must be at least {min}, found {n}");
        return n;
    }

    public static int? OptInt(JsonElement e, string field, string path, int min)
    {
        if (!e.TryGetProperty(field, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n))
            throw new InputError($"{path}.{field}", $"expected an integer, found {Describe(v)}");
        if (n < min)
            throw new InputError($"{path}.{field}", $"must be at least {min}, found {n}");
        return n;
    }

    private static Prot? OptProt(JsonElement e, string path)
    {
        var text = OptString(e, FProt, path);
        if (text is null) return null;
        if (!OpKinds.TryParseProt(text, out var prot))
            throw new InputError($"{path}.{FProt}", $"unknown protection \"{text}\" (known: none, r, rw)");
        return prot;
    }
}
