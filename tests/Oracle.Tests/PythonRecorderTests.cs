using System.Diagnostics;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Reporting;

namespace Hmm.Spec.Oracle.Tests;

/// <summary>A [Fact] reported as skipped, with the reason, when <c>python3</c> is not on the PATH.</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public static string? Python { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, "python3")).FirstOrDefault(File.Exists);

    public PythonFactAttribute()
    {
        if (Python is null) Skip = "python3 is not installed: the worked example examples/python-recorder/recorder.py is not run";
    }
}

/// <summary>
/// The producer's guide's worked example (docs/history-format.md): a Python recorder around a toy concurrent
/// memory, run with real threads, checked with <c>check</c>. The correct toy is linearizable; the one that drops
/// writes is caught, and minimizes to its lost write and the read that shows it.
/// </summary>
public sealed class PythonRecorderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hmm-python-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Record(string name, params string[] args)
    {
        var path = Path.Combine(_dir, name);
        var psi = new ProcessStartInfo(PythonFactAttribute.Python!) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "examples", "recorder.py"));
        psi.ArgumentList.Add(path);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit(TimeSpan.FromSeconds(60)).Should().BeTrue("the recorder finishes");
        p.ExitCode.Should().Be(0, err.Result);
        return path;
    }

    private static (int Exit, string Out, string Err) Check(string path, CheckRequest request)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CheckRunner.Run(path, request, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [PythonFact]
    public void The_recorded_history_of_the_correct_toy_is_well_formed_and_linearizable()
    {
        var path = Record("toy.jsonl", "--threads", "4", "--ops", "150");
        var history = HistoryReader.Read(path);
        history.Events.Select(e => e.Process).Distinct().Should().HaveCount(4, "one process per thread");
        history.Events.Should().Contain(e => e.Result != null && e.Result.Error == "ENOMEM", "errors are ok completions with {\"error\"}");
        var (exit, output, err) = Check(path, new CheckRequest());
        exit.Should().Be(0, output + err);
        err.Should().BeEmpty();
    }

    [PythonFact]
    public void The_toy_that_drops_writes_is_caught_and_minimized_to_the_lost_write()
    {
        var path = Record("bug.jsonl", "--threads", "4", "--ops", "150", "--bug");
        var (exit, output, _) = Check(path, new CheckRequest(Minimize: true));
        exit.Should().Be(1, output);
        output.Should().Contain("wrong value:");
        var small = HistoryReader.Read(Path.Combine(_dir, "bug.min.jsonl"));
        small.OperationCount.Should().BeLessThanOrEqualTo(3);
        small.Events.Should().Contain(e => e.Op != null && e.Op.Kind == Ops.OpKind.Write);
    }
}
