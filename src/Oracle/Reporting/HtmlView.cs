using System.Globalization;
using System.Net;
using System.Text;
using Hmm.Spec.Oracle.Checking;
using Hmm.Spec.Oracle.Evidence;

namespace Hmm.Spec.Oracle.Reporting;

/// <summary>
/// <c>check --html FILE</c>: one self-contained, offline HTML page (no external resources) in the spirit of
/// Porcupine's visualization. One lane per process; each operation is a bar from its invocation to its
/// completion in real time (event positions); the ops of the deepest partial linearization carry their
/// position in it; the op that could not be linearized is marked; hovering a bar shows the op, its result and
/// its place in the linearization. Long histories are cut to a window around the failing op.
/// </summary>
public static class HtmlView
{
    /// <summary>At most this many ops are drawn; beyond it, a window of events around the failing op.</summary>
    public const int MaxOps = 2000;

    public static string Render(History.History history, CheckResult result, string file, WrongValue.Report? wrong = null)
    {
        var ops = Operations.Of(history).Values.OrderBy(o => o.Call).ToList();
        var order = new Dictionary<int, int>();
        var partial = SearchEvidence.Of(result);
        for (var i = 0; i < partial.Count; i++) order[partial[i]] = i + 1;
        var failing = result.FirstUnlinearizable?.Id;
        var end = history.Events.Count;

        // The window: all ops when few, else the events before and after the failing op (or the start).
        var (from, to) = (0, end);
        var note = "";
        if (ops.Count > MaxOps)
        {
            var centre = failing is { } f && ops.FirstOrDefault(o => o.Id == f) is { } fo ? fo.Call : 0;
            from = Math.Max(0, centre - MaxOps);
            to = Math.Min(end, from + MaxOps * 2);
            note = $"Showing events {from + 1}–{to} of {end} (the history has {ops.Count} operations).";
        }
        var shown = ops.Where(o => o.Call < to && Math.Min(o.Return, end) >= from).Take(MaxOps).ToList();
        var lanes = shown.Select(o => o.Process).Distinct().Order().ToList();
        double span = Math.Max(1, to - from);
        string Pct(double v) => (100.0 * Math.Clamp((v - from) / span, 0, 1)).ToString("0.###", CultureInfo.InvariantCulture);

        var html = new StringBuilder(8192 + shown.Count * 300);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(Enc($"hmm-spec check: {Path.GetFileName(file)}")).Append("</title>\n<style>").Append(Css).Append("</style></head>\n");
        html.Append($"<body data-verdict=\"{CheckReport.VerdictName(result.Verdict)}\" data-lanes=\"{lanes.Count}\" data-ops=\"{shown.Count}\">\n");
        html.Append("<h1>").Append(Enc(Path.GetFileName(file))).Append(": ").Append(Enc(CheckReport.VerdictName(result.Verdict))).Append("</h1>\n");
        html.Append("<p class=\"summary\">").Append(Enc($"{result.Operations} operations, {result.Partitions} partitions, {result.StatesExplored} states")).Append("</p>\n");
        if (result.Reason is not null) html.Append("<p class=\"reason\">").Append(Enc(result.Reason)).Append("</p>\n");
        if (result.Message is not null) html.Append("<p class=\"reason\">").Append(Enc(result.Message)).Append("</p>\n");
        if (wrong is not null)
        {
            html.Append("<pre class=\"wrong\">");
            foreach (var line in wrong.Lines()) html.Append(Enc(line)).Append('\n');
            html.Append("</pre>\n");
        }
        if (note.Length > 0) html.Append("<p class=\"note\">").Append(Enc(note)).Append("</p>\n");
        html.Append("<p class=\"legend\"><span class=\"op linearized\">linearized (n = position)</span> <span class=\"op\">not in the partial linearization</span> ")
            .Append("<span class=\"op failing\">cannot be linearized</span> <span class=\"op pending\">pending (info / no completion)</span> <span class=\"op other\">cannot touch the stuck op's page</span></p>\n");

        // Wide enough to tell bars apart (about 8 px per event, scrolled sideways); ops that cannot touch the stuck
        // op's page are dimmed, since they are in other partitions or merely context.
        var stuckPage = failing is { } sid && ops.FirstOrDefault(o => o.Id == sid) is { } so ? so.Op.Page : null;
        var width = Math.Max(100, (int)span * 8);
        html.Append($"<div id=\"scroller\"><div id=\"timeline\" style=\"min-width:{width}px\">\n");
        foreach (var lane in lanes)
        {
            html.Append($"<div class=\"lane\" data-process=\"{lane}\"><div class=\"name\">process {lane}</div><div class=\"track\">");
            foreach (var o in shown.Where(o => o.Process == lane))
            {
                var cls = "op";
                if (order.ContainsKey(o.Id)) cls += " linearized";
                if (o.Id == failing) cls += " failing";
                if (o.Return == int.MaxValue) cls += " pending";
                if (o.Completion == History.EventType.Fail) cls += " failed";
                if (stuckPage is { } sp && o.Op.Page is { } first && (sp < first || sp >= first + (o.Op.Pages ?? 1))) cls += " other";
                var right = o.Return == int.MaxValue ? end : o.Return + 1;
                var barWidth = Math.Max(0.2, double.Parse(Pct(right), CultureInfo.InvariantCulture) - double.Parse(Pct(o.Call), CultureInfo.InvariantCulture));
                var tip = $"{o.Describe()}{(order.TryGetValue(o.Id, out var n) ? $"\nlinearized at position {n} of {partial.Count}" : "")}{(o.Id == failing ? "\ncannot be linearized here" : "")}";
                html.Append($"<div class=\"{cls}\" id=\"op{o.Id}\" data-id=\"{o.Id}\" style=\"left:{Pct(o.Call)}%;width:{barWidth.ToString("0.###", CultureInfo.InvariantCulture)}%\" title=\"{Enc(tip)}\">")
                    .Append(Enc(order.TryGetValue(o.Id, out var k) ? $"{k}: {Short(o)}" : Short(o))).Append("</div>");
            }
            html.Append("</div></div>\n");
        }
        html.Append("</div></div>\n<div id=\"detail\">Hover over an operation.</div>\n");

        html.Append($"<h2>Deepest partial linearization ({partial.Count} ops)</h2>\n<ol class=\"partial\">");
        var byId = ops.ToDictionary(o => o.Id);
        foreach (var id in partial.Take(MaxOps))
            html.Append($"<li data-id=\"{id}\">").Append(Enc(byId.TryGetValue(id, out var o) ? o.Describe() : $"#{id}")).Append("</li>");
        if (failing is { } fid && byId.TryGetValue(fid, out var fop))
            html.Append("<li class=\"failing\" data-id=\"").Append(fid).Append("\">").Append(Enc($"stuck: {fop.Describe()}")).Append("</li>");
        html.Append("</ol>\n<script>").Append(Script).Append("</script>\n</body></html>\n");
        return html.ToString();
    }

    private static string Short(TimedOp o) =>
        $"{Hmm.Spec.Oracle.Ops.OpKinds.WireName(o.Op.Kind)}{(o.Op.Page is { } p ? $" {o.Op.Mm}:{p}" : "")}{(o.Op.Value is { } v ? $" = {v}" : "")}{(o.Result?.Value is { } r ? $" → {r}" : "")}";

    private static string Enc(string s) => WebUtility.HtmlEncode(s);

    private const string Css = """
        body{font:13px system-ui,sans-serif;margin:16px;color:#222}
        h1{font-size:18px}.reason{color:#a00}.note{color:#666}pre.wrong{background:#fff4f4;padding:8px;white-space:pre-wrap}
        #scroller{overflow-x:auto;border:1px solid #ccc}#timeline{padding:4px 0}
        .op.other{opacity:.35}
        .lane{display:flex;align-items:center;height:26px;border-bottom:1px solid #eee}
        .name{width:90px;flex:none;padding-left:6px;color:#555;position:sticky;left:0;background:#fff;z-index:3}
        .track{position:relative;flex:1;height:22px}
        .op{position:absolute;top:2px;height:18px;box-sizing:border-box;border:1px solid #999;background:#ddd;border-radius:3px;
            overflow:hidden;white-space:nowrap;font-size:11px;padding:0 2px;cursor:default}
        .legend .op{position:static;display:inline-block;padding:0 6px}
        .op.linearized{background:#cfe9cf;border-color:#4a4}
        .op.failing{background:#f4b4b4;border:2px solid #c00;z-index:2}
        .op.pending{background:repeating-linear-gradient(45deg,#eee,#eee 4px,#ddd 4px,#ddd 8px);border-style:dashed}
        .op.failed{opacity:.5}
        .op.hover{outline:2px solid #36c}
        #detail{margin:8px 0;padding:6px;border:1px solid #ccc;min-height:2.6em;white-space:pre-wrap;font-family:monospace}
        ol.partial li.failing{color:#c00;font-weight:bold}
        """;

    // Hover shows the bar's details; the page marks itself rendered (and counts script errors) for tests.
    private const string Script = """
        (function(){
          var errors=0;
          window.addEventListener('error',function(){errors++;document.body.setAttribute('data-errors',String(errors));});
          var detail=document.getElementById('detail');
          var bars=document.querySelectorAll('.track .op');
          bars.forEach(function(b){
            b.addEventListener('mouseenter',function(){b.classList.add('hover');detail.textContent=b.getAttribute('title');});
            b.addEventListener('mouseleave',function(){b.classList.remove('hover');});
          });
          var failing=document.querySelector('.track .op.failing');
          if(failing){detail.textContent=failing.getAttribute('title');failing.scrollIntoView({block:'nearest',inline:'center'});}
          document.body.setAttribute('data-bars',String(bars.length));
          document.body.setAttribute('data-rendered','ok');
        })();
        """;
}
