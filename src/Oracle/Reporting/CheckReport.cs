using System.Text;
using System.Text.Json;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Reporting;

/// <summary>Renders a <see cref="CheckResult"/> as the JSON object <c>hmm-spec check --json</c> prints (docs/history-format.md).</summary>
public static class CheckReport
{
    public static string VerdictName(Verdict v) => v switch
    {
        Verdict.Linearizable => "linearizable",
        Verdict.NotLinearizable => "not-linearizable",
        Verdict.Unknown => "unknown",
        _ => "malformed",
    };

    /// <summary>The JSON object; <paramref name="explanation"/> (lines explaining a wrong value, <see cref="Evidence.WrongValue"/>) is written as "explanation".</summary>
    public static string ToJson(CheckResult r, string? file = null, IReadOnlyList<string>? explanation = null)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (file is not null) w.WriteString("file", file);
            w.WriteString("verdict", VerdictName(r.Verdict));
            w.WriteNumber("operations", r.Operations);
            w.WriteNumber("partitions", r.Partitions);
            w.WriteNumber("statesExplored", r.StatesExplored);
            w.WriteNumber("elapsedMs", Math.Round(r.Elapsed.TotalMilliseconds, 1));
            if (r.Message is not null) w.WriteString("message", r.Message);
            if (r.FirstUnlinearizable is { } first)
            {
                w.WritePropertyName("firstUnlinearizable");
                WriteOp(w, first);
            }
            if (r.Reason is not null) w.WriteString("reason", r.Reason);
            if (r.Verdict == Verdict.NotLinearizable)
            {
                w.WritePropertyName("lastLinearized");
                if (r.LastLinearized is { } last) WriteOp(w, last);
                else w.WriteNullValue();
            }
            if (r.Verdict == Verdict.Unknown && r.Deepest is { } deepest)
            {
                w.WritePropertyName("stuckOn");
                if (deepest.StuckOn is { } stuck) WriteOp(w, stuck);
                else w.WriteNullValue();
                if (deepest.Reason is not null) w.WriteString("stuckReason", deepest.Reason);
            }
            if (r.LongestPartial is { } longest)
            {
                w.WriteStartArray("longestPartial");
                foreach (var id in longest) w.WriteNumberValue(id);
                w.WriteEndArray();
            }
            if (explanation is not null)
            {
                w.WriteStartArray("explanation");
                foreach (var line in explanation) w.WriteStringValue(line);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteOp(Utf8JsonWriter w, OpRecord op)
    {
        w.WriteStartObject();
        w.WriteNumber("id", op.Id);
        w.WriteNumber("process", op.Process);
        w.WritePropertyName("op");
        OpCodec.Write(w, op.Op);
        if (op.Result is not null)
        {
            w.WritePropertyName("result");
            OpCodec.Write(w, op.Result);
        }
        else
        {
            w.WriteString("completion", op.Completion.ToString().ToLowerInvariant());
        }
        w.WriteEndObject();
    }
}
