using Hmm.Spec.Oracle.History;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Oracle.Tests;

public class HistoryRecorderTests
{
    [Fact]
    public void Real_threads_recording_at_once_leave_a_well_formed_history()
    {
        // hmm-spec stress records from real threads: every invocation must keep its id and its completion.
        const int threads = 4, opsEach = 20_000;
        var recorder = new HistoryRecorder();
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(p => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < opsEach; i++)
            {
                var id = recorder.Invoke(p, new Op { Kind = OpKind.Read, Mm = "A", Page = p });
                recorder.Ok(id, new OpResult { Value = 0 });
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());

        var history = recorder.ToHistory();
        history.Events.Should().HaveCount(threads * opsEach * 2);
        history.Events.Select(e => e.Id).Distinct().Should().HaveCount(threads * opsEach);
        var validate = () => HistoryValidator.Validate(history.Events);
        validate.Should().NotThrow();
    }
}
