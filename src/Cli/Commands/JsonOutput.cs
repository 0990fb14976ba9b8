using System.Text.Encodings.Web;
using System.Text.Json;

namespace Hmm.Spec.Cli.Commands;

/// <summary>JSON output settings of every verb: indented, quotes and arrows left readable.</summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
