using System.Text;
using System.Text.Json;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.History;

/// <summary>Writes a history in the JSON-lines format that <see cref="HistoryReader"/> reads.</summary>
public static class HistoryWriter
{
    public static void Write(History history, TextWriter output)
    {
        var buffer = new MemoryStream();
        var options = new JsonWriterOptions { SkipValidation = false };
        using var w = new Utf8JsonWriter(buffer, options);

        WriteHeader(w, history.Header);
        Flush(w, buffer, output);
        foreach (var e in history.Events)
        {
            WriteEvent(w, e);
            Flush(w, buffer, output);
        }
    }

    public static void Write(History history, string path)
    {
        using var file = new StreamWriter(path, false, new UTF8Encoding(false));
        Write(history, file);
    }

    public static string ToText(History history)
    {
        var sw = new StringWriter();
        Write(history, sw);
        return sw.ToString();
    }

    private static void Flush(Utf8JsonWriter w, MemoryStream buffer, TextWriter output)
    {
        w.Flush();
        output.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.Write('\n');
        buffer.SetLength(0);
        w.Reset();
    }

    private static void WriteHeader(Utf8JsonWriter w, HistoryHeader h)
    {
        w.WriteStartObject();
        w.WriteString("format", HistoryHeader.Format);
        w.WriteNumber("version", h.Version);
        if (h.Variant is not null) w.WriteString("variant", h.Variant);
        if (h.Config is not null)
        {
            w.WriteStartObject("config");
            foreach (var (k, v) in h.Config) w.WriteBoolean(k, v);
            w.WriteEndObject();
        }
        if (h.Machine is { } m)
        {
            w.WriteStartObject("machine");
            w.WriteNumber("ram_pages", m.RamPages);
            w.WriteNumber("device_pages", m.DevicePages);
            w.WriteNumber("device_start_pfn", m.DeviceStartPfn);
            w.WriteEndObject();
        }
        if (h.Setup.Count > 0)
        {
            w.WriteStartArray("setup");
            foreach (var op in h.Setup) OpCodec.Write(w, op);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteEvent(Utf8JsonWriter w, HistoryEvent e)
    {
        w.WriteStartObject();
        w.WriteString("type", e.Type switch
        {
            EventType.Invoke => "invoke",
            EventType.Ok => "ok",
            EventType.Fail => "fail",
            _ => "info",
        });
        w.WriteNumber("process", e.Process);
        w.WriteNumber("id", e.Id);
        if (e.Op is not null)
        {
            w.WritePropertyName("op");
            OpCodec.Write(w, e.Op);
        }
        if (e.Result is not null)
        {
            w.WritePropertyName("result");
            OpCodec.Write(w, e.Result);
        }
        w.WriteEndObject();
    }
}
