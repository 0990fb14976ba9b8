using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;

namespace Hmm.Spec.Oracle.Reporting;

/// <summary>What <c>hmm-spec history generate</c> does, callable in-process. Exit 0, or 2 on bad usage.</summary>
public static class GenerateRunner
{
    public static int Run(int ops, int processes, string kind, int seed, string? outPath, TextWriter output, TextWriter error, bool broken = false)
    {
        if (ops < 1 || processes < 1 || processes > 1024)
        {
            error.WriteLine($"hmm-spec history generate: --ops must be at least 1 and --processes between 1 and 1024 (found {ops}, {processes})");
            return 2;
        }
        if (!HistoryGenerator.TryParseKind(kind, out var k))
        {
            error.WriteLine($"hmm-spec history generate: --kind: unknown kind \"{kind}\" (known: rw, contended, mixed, device-mixed, broken)");
            return 2;
        }
        var history = HistoryGenerator.Generate(k, ops, processes, seed, broken);
        if (outPath is null)
        {
            HistoryWriter.Write(history, output);
            return 0;
        }
        try
        {
            HistoryWriter.Write(history, outPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{outPath}: cannot write: {e.Message}");
            return 2;
        }
        return 0;
    }
}
