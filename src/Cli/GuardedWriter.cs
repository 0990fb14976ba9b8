using System.Text;

namespace Hmm.Spec.Cli;

/// <summary>
/// Standard output or error, with a failed write (a full device, a closed pipe) turned into
/// <see cref="OutputFailedException"/>, so the command line can end with one clear line instead of an I/O trace.
/// </summary>
internal sealed class GuardedWriter(TextWriter inner, string name) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;
    public override IFormatProvider FormatProvider => inner.FormatProvider;
    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine's setter accepts null; the inner writer handles it.
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value) => Guard(() => inner.Write(value));
    public override void Write(string? value) => Guard(() => inner.Write(value));
    public override void Write(char[] buffer, int index, int count) => Guard(() => inner.Write(buffer, index, count));
    public override void WriteLine(string? value) => Guard(() => inner.WriteLine(value));
    public override void WriteLine() => Guard(inner.WriteLine);
    public override void Flush() => Guard(inner.Flush);

    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (IOException e)
        {
            throw new OutputFailedException(name, e);
        }
    }
}

/// <summary>Writing to standard output or error failed: the results cannot be delivered.</summary>
internal sealed class OutputFailedException(string stream, IOException inner)
    : Exception($"cannot write to {stream}: {inner.Message}", inner)
{
    public string Stream { get; } = stream;
}
