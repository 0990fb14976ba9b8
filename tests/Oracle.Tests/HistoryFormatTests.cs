using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Generation;
using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Tests;

public class HistoryFormatTests
{
    [Fact]
    public void Write_then_read_round_trips()
    {
        var h = HistoryGenerator.Generate(WorkloadKind.Mixed, 300, 4, seed: 9);
        var header = h.Header with { Variant = "upstream", Config = new Dictionary<string, bool> { ["CONFIG_SWAP"] = false } };
        var text = HistoryWriter.ToText(new History.History(header, h.Events));
        var back = HistoryReader.Read(new StringReader(text), "mem.jsonl");
        back.Events.Should().Equal(h.Events);
        back.Header.Variant.Should().Be("upstream");
        back.Header.Config.Should().Equal(header.Config);
        back.Header.Machine.Should().Be(h.Header.Machine);
        back.Header.Setup.Should().Equal(h.Header.Setup);
        HistoryWriter.ToText(back).Should().Be(text);
    }

    [Fact]
    public async Task A_file_is_read_where_it_is_mapped_and_a_pipe_as_a_stream_with_the_same_events()
    {
        var h = HistoryGenerator.Generate(WorkloadKind.Mixed, 300, 4, seed: 9);
        var text = HistoryWriter.ToText(h);
        var path = Path.Combine(Path.GetTempPath(), $"hmm-read-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, text);
        try
        {
            HistoryReader.Read(path).Events.Should().Equal(h.Events);
        }
        finally
        {
            File.Delete(path);
        }

        // A pipe has no length and cannot be mapped (`check /dev/stdin`, `check <(...)`): read to its end instead.
        if (!OperatingSystem.IsLinux()) return;
        var pipe = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        // Held open until the end (the server does not close a client handle it has handed out), so the path stays valid.
        using var client = pipe.ClientSafePipeHandle;
        var readEnd = $"/proc/self/fd/{client.DangerousGetHandle()}";
        var writer = Task.Run(() =>
        {
            using (pipe) pipe.Write(System.Text.Encoding.UTF8.GetBytes(text));
        });
        var fromPipe = HistoryReader.Read(readEnd);
        await writer;
        fromPipe.Events.Should().Equal(h.Events);
    }

    [Fact]
    public void Pagemap_reader_privilege_and_frame_round_trip()
    {
        var text = """
            {"format": "hmm-history", "version": 1}
            {"type": "invoke", "process": 0, "id": 0, "op": {"op": "pagemap", "mm": "A", "page": 0, "privileged": true}}
            {"type": "ok", "process": 0, "id": 0, "result": {"present": false, "swap": true, "swap_type": 30, "exclusive": true, "file": false, "frame": 32798}}
            {"type": "invoke", "process": 0, "id": 1, "op": {"op": "pagemap", "mm": "A", "page": 0}}
            {"type": "ok", "process": 0, "id": 1, "result": {"present": false, "swap": true, "swap_type": 0, "exclusive": true, "file": false, "frame": 0}}
            """;
        var h = HistoryReader.Read(new StringReader(text), "t.jsonl");
        h.Events[0].Op!.Privileged.Should().BeTrue();
        h.Events[1].Result!.Frame.Should().Be(32798);
        h.Events[2].Op!.Privileged.Should().BeNull("an unprivileged reader by default");
        h.Events[3].Result!.Frame.Should().Be(0);
        HistoryReader.Read(new StringReader(HistoryWriter.ToText(h)), "back.jsonl").Events.Should().Equal(h.Events);
        var tooWide = () => HistoryReader.Read(new StringReader(text.Replace("32798", "36028797018963968")), "t.jsonl");
        tooWide.Should().Throw<InputError>().Which.Message.Should().Contain("result.frame: at most");
        var notAllowed = () => HistoryReader.Read(new StringReader(text.Replace("\"smaps\"", "x").Replace("\"page\": 0}}", "\"page\": 0, \"privileged\": 1}}")), "t.jsonl");
        notAllowed.Should().Throw<InputError>().Which.Message.Should().Contain("privileged");
    }

    [Fact]
    public void Pagemap_and_smaps_results_share_the_swap_field_by_type()
    {
        var text = """
            {"format": "hmm-history", "version": 1}
            {"type": "invoke", "process": 0, "id": 0, "op": {"op": "pagemap", "mm": "A", "page": 0}}
            {"type": "ok", "process": 0, "id": 0, "result": {"present": false, "swap": true, "swap_type": 30, "exclusive": true, "file": false}}
            {"type": "invoke", "process": 0, "id": 1, "op": {"op": "smaps", "mm": "A"}}
            {"type": "ok", "process": 0, "id": 1, "result": {"rss": 1, "anon": 1, "swap": 0}}
            """;
        var h = HistoryReader.Read(new StringReader(text), "t.jsonl");
        h.Events[1].Result!.SwapEntry.Should().BeTrue();
        h.Events[1].Result!.Swap.Should().BeNull();
        h.Events[3].Result!.Swap.Should().Be(0);
        h.Events[3].Result!.SwapEntry.Should().BeNull();
    }

    [Theory]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"machine\": {\"ram_pages\": \"8\"}}", "line 1: machine.ram_pages: expected an integer")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"setup\": [{\"op\": \"read\"}]}", "line 1: setup[0]: op \"read\" needs field \"mm\"")]
    [InlineData("{\"format\": \"other\", \"version\": 1}", "line 1: format: expected \"hmm-history\"")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1}\n\n{\"type\": \"crash\", \"process\": 0, \"id\": 0}", "line 3: type: expected \"invoke\", \"ok\", \"fail\" or \"info\"")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1}\n{\"type\": \"ok\", \"process\": -1, \"id\": 0, \"result\": {}}", "line 2: process: must be at least 0")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1}\n[1, 2]", "line 2: expected an event object")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1}\n{\"type\": \"invoke\", \"process\": 0, \"id\": 0, \"op\": {\"op\": \"read\", \"mm\": \"A\", \"page\": 0}, \"result\": {}}", "line 2: result: an invocation must not carry a result")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"config\": {\"CONFIG_MIGRATION\": false}}", "line 1: config: cannot be built: CONFIG_DEVICE_UNADDRESSABLE=y (not named, so on) depends on CONFIG_ZONE_DEVICE, which depends on CONFIG_MEMORY_HOTREMOVE, which depends on CONFIG_MIGRATION=n")]
    [InlineData("{\"format\": \"hmm-history\", \"version\": 1, \"config\": {\"device_private\": true, \"CONFIG_ZONE_DEVICE\": false}}", "line 1: config: cannot be built: CONFIG_DEVICE_UNADDRESSABLE=y depends on CONFIG_ZONE_DEVICE=n")]
    public void Malformed_input_names_file_line_and_problem(string text, string expected)
    {
        var act = () => HistoryReader.Read(new StringReader(text), "h.jsonl");
        act.Should().Throw<InputError>().Which.Message.Should().StartWith("h.jsonl: " + expected);
    }

    [Fact]
    public void Recorder_refuses_to_complete_an_unknown_id()
    {
        var r = new HistoryRecorder();
        var id = r.Invoke(0, new Op { Kind = OpKind.Read, Mm = "A", Page = 0 });
        r.Ok(id, OpResult.OfValue(0));
        var again = () => r.Ok(id, OpResult.OfValue(0));
        again.Should().Throw<InvalidOperationException>();
        r.ToHistory().Events.Should().HaveCount(2);
    }
}
