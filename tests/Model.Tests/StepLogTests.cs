namespace Hmm.Spec.Model.Tests;

/// <summary>
/// The step log outside Coyote (stress runs): appends from real threads at once lose nothing and keep each actor's
/// order, and a step's structured value travels beside its text.
/// </summary>
public sealed class StepLogTests
{
    private static KernelWorld NewWorld() =>
        KernelWorld.Create(new MachineLayout(1, 0, 0), KernelConfig.Default, KernelVariants.Get("upstream"));

    [Fact]
    public void Appends_from_real_threads_at_once_lose_no_step_and_keep_each_actors_order()
    {
        const int threads = 4, perThread = 20_000;
        var world = NewWorld();
        var before = world.Steps.Count; // the world's own set-up steps
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            using var _ = world.EnterActor($"t{t}");
            start.SignalAndWait();
            for (var i = 0; i < perThread; i++)
                world.Record(StepKind.Note, "test", "seq", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        var steps = world.Steps.ToList();
        steps.Should().HaveCount(before + threads * perThread);
        steps.Select(s => s.Seq).Should().Equal(Enumerable.Range(0, before + threads * perThread));
        foreach (var actor in steps.Skip(before).GroupBy(s => s.Actor))
            actor.Select(s => s.Detail).Should().Equal(Enumerable.Range(0, perThread).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), actor.Key);
    }

    private sealed record Outcome(int Value)
    {
        public override string ToString() => $"{{\"value\":{Value}}}";
    }

    [Fact]
    public void A_value_detail_is_read_back_as_the_value_and_as_its_text_every_time()
    {
        var world = NewWorld();
        var at = world.Steps.Count;
        var outcome = new Outcome(7);
        world.Record(StepKind.Note, "op", "result", new StepDetail(outcome));
        world.Record(StepKind.Note, "op", "text", "no value");
        for (var read = 0; read < 2; read++)
        {
            world.Steps[at].Value.Should().BeSameAs(outcome);
            world.Steps[at].Detail.Should().Be("{\"value\":7}");
            world.Steps[at + 1].Value.Should().BeNull();
        }
        new StepDetail("text").Value.Should().BeNull();
        new StepDetail(static (_, a, _) => a.ToString(System.Globalization.CultureInfo.InvariantCulture), 3, state: outcome).Value
            .Should().BeNull("only the value constructor makes a value detail");
    }
}
