using Hmm.Spec.Model;
using Hmm.Spec.Model.Locking;
using Hmm.Spec.Model.Tests.Support;

namespace Hmm.Spec.Model.Tests;

/// <summary>The controlled locks: owner tracking, discipline violations, reader/writer exclusion.</summary>
public sealed class LockTests : ModelTest
{
    [Fact]
    public void Spinlock_tracks_its_owner_and_rejects_foreign_unlock_and_recursion()
    {
        var w = NewWorld();
        var l = new KernelSpinLock(w, "ptl X");
        l.Lock("t");
        l.HeldByCurrent.Should().BeTrue();
        l.TryLock("t").Should().BeFalse();
        ShouldViolate(w, ViolationCategory.Deadlock, () => l.Lock("t"));
        using (w.EnterActor("other"))
            Assert.Throws<KernelViolation>(() => l.Unlock("t")).Category.Should().Be(ViolationCategory.LockDiscipline);
        l.Unlock("t");
        l.Owner.Should().BeNull();
    }

    [Fact]
    public async Task Rwsem_lets_readers_share_and_excludes_a_writer()
    {
        var w = NewWorld();
        var sem = new RwSemaphore(w, "mmap_sem X");
        sem.DownRead("t");
        using (w.EnterActor("r2"))
            sem.DownRead("t");
        sem.Readers.Should().HaveCount(2);
        var writer = Task.Run(() =>
        {
            using var _ = w.EnterActor("writer");
            sem.DownWrite("t");
            var ok = sem.WriteHeldByCurrent;
            sem.UpWrite("t");
            return ok;
        });
        await Task.Delay(50);
        writer.IsCompleted.Should().BeFalse("readers hold the semaphore");
        sem.UpRead("t");
        using (w.EnterActor("r2"))
            sem.UpRead("t");
        (await writer.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();
        ShouldViolate(w, ViolationCategory.LockDiscipline, () => sem.UpRead("t"));
    }

    [Fact]
    public void Steps_carry_actor_function_and_resource()
    {
        var w = NewWorld();
        using (w.EnterActor("cpu0"))
            w.Mmap("A", 0, 1, VmProt.ReadWrite, false);
        using (w.EnterActor("cpu1"))
            w.UserWrite("A", 0, 3);
        w.Steps.Should().Contain(s => s.Actor == "cpu0" && s.Function == "sys_mmap" && s.Kind == StepKind.Lock && s.Resource == "mmap_sem A");
        w.Steps.Should().Contain(s => s.Actor == "cpu1" && s.Function == "do_anonymous_page" && s.Kind == StepKind.Write && s.Resource == "pte A:0");
        w.Steps.Select(s => s.Seq).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }
}
