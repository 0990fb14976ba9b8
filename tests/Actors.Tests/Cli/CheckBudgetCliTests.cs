namespace Hmm.Spec.Actors.Tests.Cli;

/// <summary>check's budget flags reach the checker, and bad values are one-line usage errors.</summary>
public class CheckBudgetCliTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"budget-{Guid.NewGuid():N}.jsonl");

    public CheckBudgetCliTests()
    {
        // 30 crashed writers and a read of a value nobody wrote: far more states than the budgets below allow.
        var lines = new List<string> { """{"format": "hmm-history", "version": 1, "setup": [{"op": "mmap", "mm": "A", "page": 0, "pages": 1, "prot": "rw"}]}""" };
        for (var p = 0; p < 30; p++)
        {
            lines.Add($$$"""{"type": "invoke", "process": {{{p}}}, "id": {{{p}}}, "op": {"op": "write", "mm": "A", "page": 0, "value": {{{p % 3 + 1}}}}}""");
            lines.Add($$"""{"type": "info", "process": {{p}}, "id": {{p}}}""");
        }
        lines.Add("""{"type": "invoke", "process": 30, "id": 30, "op": {"op": "read", "mm": "A", "page": 0}}""");
        lines.Add("""{"type": "ok", "process": 30, "id": 30, "result": {"value": -1}}""");
        File.WriteAllLines(_path, lines);
    }

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Max_states_and_max_memory_end_in_unknown_with_the_deepest_point()
    {
        var states = CliRunner.Run("check", _path, "--max-states", "300");
        states.ExitCode.Should().Be(3, states.Err);
        states.Out.Should().Contain("state budget of 300 exhausted").And.Contain("stuck on #30");
        var memory = CliRunner.Run("check", _path, "--max-memory", "1", "--json");
        memory.ExitCode.Should().Be(3, memory.Err);
        memory.Out.Should().Contain("memory budget of 1 MiB exhausted").And.Contain("\"stuckOn\"");
    }

    [Theory]
    [InlineData("--max-states", "0")]
    [InlineData("--max-states", "-5")]
    [InlineData("--max-memory", "0")]
    public void Budget_below_one_is_bad_input(string flag, string value) =>
        CliRunner.Run("check", _path, flag, value).ShouldBeBadInput(flag);
}
