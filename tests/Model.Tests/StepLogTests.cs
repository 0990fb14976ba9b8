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

    [Fact]
    public void Lock_counter_and_violation_steps_carry_their_facts_and_their_text_is_rendered_from_them()
    {
        var world = KernelWorld.Create(new MachineLayout(4, 0, 0), KernelConfig.Default, KernelVariants.Get("upstream"));
        KernelViolation? raised = null;
        using (world.EnterActor("cpu0"))
        {
            world.Mmap("A", 0, 1, VmProt.ReadWrite, false).Should().Be(Errno.OK);
            world.UserWrite("A", 0, 5).Should().Be(Sig.None);
            raised = Assert.Throws<KernelViolation>(() => world.BUG_ON(true, "zap_pte_range", "facts test"));
        }
        var steps = world.Steps.ToList();

        var locks = steps.Where(s => s.Kind is StepKind.Lock or StepKind.Unlock).ToList();
        locks.Should().NotBeEmpty().And.OnlyContain(s => s.Value is LockStep && s.Detail == s.Value.ToString());
        var sem = (LockStep)locks.First(s => s.Resource == "mmap_sem A").Value!;
        (sem.Class, sem.Action, sem.Acquired, sem.ForWrite).Should().Be((LockClass.MmapSem, LockAction.DownWrite, true, true));
        sem.Should().BeSameAs(LockStep.Of(LockClass.MmapSem, LockAction.DownWrite), "locks share one instance per fact");
        Enum.GetValues<LockClass>().SelectMany(c => Enum.GetValues<LockAction>().Select(a => (c, a)))
            .Should().OnlyContain(f => LockStep.Of(f.c, f.a) == new LockStep(f.c, f.a));
        var ptl = locks.First(s => s.Resource == "ptl A");
        ((LockStep)ptl.Value!).Class.Should().Be(LockClass.PageTable);
        ptl.Detail.Should().Be("acquired");

        var counts = steps.Where(s => s.Value is CountChange).ToList();
        counts.Should().Contain(s => ((CountChange)s.Value!).Counter == Counter.Rss && s.Resource.StartsWith("rss A"))
            .And.OnlyContain(s => s.Kind == StepKind.Write && s.Detail == s.Value!.ToString());
        counts.Should().Contain(s => ((CountChange)s.Value!).Counter == Counter.PageRef && s.Resource.EndsWith(" refcount")
            && s.Actor == "cpu0");
        foreach (var s in counts)
        {
            var change = (CountChange)s.Value!;
            (s.Detail == $"{change.From} -> {change.To}").Should().Be(change.Bare, s.ToString());
        }

        var note = steps[^1];
        (note.Kind, note.Resource).Should().Be((StepKind.Note, "violation"));
        note.Value.Should().Be(raised!.Note).And.Be(new ViolationNote(ViolationCategory.BugOn, "zap_pte_range", "cpu0", "facts test"));
        note.Detail.Should().Be(raised!.Message);
    }
}
