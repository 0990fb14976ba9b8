namespace Hmm.Spec.Actors.Tests.Cli;

/// <summary>Calls the hmm-spec command line in-process and captures its output.</summary>
internal static class CliRunner
{
    public sealed record Outcome(int ExitCode, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Outcome Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Hmm.Spec.Cli.Cli.Run(args, o, e);
        return new Outcome(code, o.ToString(), e.ToString());
    }

    /// <summary>Asserts the bad-input contract: exit 2, exactly one line on stderr, no stack trace.</summary>
    public static void ShouldBeBadInput(this Outcome r, params string[] fragments)
    {
        r.ExitCode.Should().Be(2, $"bad input exits 2 (stderr: {r.Err})");
        r.ErrLines.Should().ContainSingle($"bad input is one line, got: {r.Err}");
        r.Err.Should().NotContain("   at ", "no stack trace for user errors");
        foreach (var f in fragments)
            r.Err.Should().Contain(f);
    }
}
