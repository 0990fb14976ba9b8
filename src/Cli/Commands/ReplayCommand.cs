using System.CommandLine;
using System.Text.Json;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Replay;
using Hmm.Spec.Actors.Reports;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Cli.Commands;

/// <summary><c>hmm-spec replay BUNDLE</c>: exit 1 when the bug reproduces, 0 when not, 2 on a bad bundle.</summary>
internal static class ReplayCommand
{
    public static Command Create(CliContext ctx)
    {
        var bundlePath = new Argument<string>("bundle") { Description = "Trace bundle written by explore (*.hmmtrace.json)" };
        var variant = new Option<string?>("--variant") { Description = "Replay on another variant (e.g. one with the fix)" };
        var json = new Option<bool>("--json") { Description = "Print the result and steps as JSON" };
        var html = new Option<string?>("--html") { Description = "Also write the interleaving as one self-contained HTML page to FILE" };
        var command = new Command("replay", "Replay a trace bundle deterministically and print the interleaving step by step")
        {
            bundlePath, variant, json, html,
        };
        command.SetAction(parse =>
        {
            var htmlPath = parse.GetValue(html) is { } h ? PathArgument.NonEmpty(h, "--html") : null;
            var bundle = TraceBundle.Read(PathArgument.NonEmpty(parse.GetValue(bundlePath), "the bundle path"));
            var result = Replayer.Replay(bundle, parse.GetValue(variant));
            if (htmlPath is not null)
                WriteHtml(htmlPath, ReplayReport.Html(result));
            if (parse.GetValue(json))
                WriteJson(result, ctx.Out);
            else
                TracePrinter.Print(result, ctx.Out);
            return result.Reproduced ? Cli.ExitBug : Cli.ExitOk;
        });
        return command;
    }

    /// <summary>Writes the page whole or not at all; a symlink, device or directory at the path is refused, never replaced.</summary>
    private static void WriteHtml(string path, string page) =>
        OutputFile.Write("--html", path, page);

    private static void WriteJson(ReplayResult r, TextWriter w)
    {
        var doc = new Dictionary<string, object?>
        {
            ["scenario"] = r.Bundle.Scenario.Name,
            ["variant"] = r.Variant,
            ["reproduced"] = r.Reproduced,
            ["sameBug"] = r.SameBug,
            ["category"] = r.Category,
            ["message"] = r.Message,
            ["recordedCategory"] = r.Bundle.Category,
            ["divergence"] = r.Divergence,
            ["traceVerified"] = r.Bundle.TraceVerified,
            ["steps"] = r.Steps.Select(s => new Dictionary<string, object>
            {
                ["seq"] = s.Seq,
                ["actor"] = s.Actor,
                ["function"] = s.Function,
                ["kind"] = s.Kind.ToString().ToLowerInvariant(),
                ["resource"] = s.Resource,
                ["detail"] = s.Detail,
            }),
        };
        w.WriteLine(JsonSerializer.Serialize(doc, JsonOutput.Options));
    }
}
