using Hmm.Spec.Model;
using Hmm.Spec.Model.Locking;
using Microsoft.Coyote.Runtime;
using Microsoft.Coyote.Specifications;

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
        ShouldViolate(w, () => l.Lock("t"), ViolationCategory.Deadlock);
        using (w.EnterActor("other"))
            Assert.Throws<KernelViolation>(() => l.Unlock("t")).Category.Should().Be(ViolationCategory.LockDiscipline);
        l.Unlock("t");
        l.Owner.Should().BeNull();
    }

    [Fact]
    public void Rwsem_lets_readers_share()
    {
        var w = NewWorld();
        var sem = new RwSemaphore(w, "mmap_sem X");
        sem.DownRead("t");
        using (w.EnterActor("r2"))
            sem.DownRead("t");
        sem.Readers.Should().HaveCount(2, "the second reader did not block");
        sem.UpRead("t");
        using (w.EnterActor("r2"))
            sem.UpRead("t");
        sem.Readers.Should().BeEmpty();
        ShouldViolate(w, () => sem.UpRead("t"), ViolationCategory.LockDiscipline);
    }

    /// <summary>
    /// Exclusion as a Coyote test (it was a 50 ms sleep on real threads): two readers and a writer, every explored
    /// interleaving checked inside each critical section; and some interleaving has both readers inside at once.
    /// </summary>
    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    public void Rwsem_excludes_a_writer_from_readers_in_every_explored_interleaving(uint seed)
    {
        var bothReadersInside = 0;
        var report = CoyoteTestRun.Run(CoyoteTestRun.Config(seed, 200), async () =>
        {
            var w = KernelWorld.Create(new MachineLayout(1, 0, 0), KernelConfig.Default, KernelVariants.Get("upstream"));
            var sem = new RwSemaphore(w, "mmap_sem X");
            Task Reader(string name) => Task.Run(() =>
            {
                using var _ = w.EnterActor(name);
                sem.DownRead("t");
                if (sem.Readers.Count == 2)
                    bothReadersInside++;
                Specification.Assert(sem.Writer is null, $"{name} reads while {sem.Writer} writes");
                SchedulingPoint.Interleave();
                Specification.Assert(sem.Writer is null, $"{name} reads while {sem.Writer} writes");
                sem.UpRead("t");
            });
            Task Writer() => Task.Run(() =>
            {
                using var _ = w.EnterActor("writer");
                sem.DownWrite("t");
                Specification.Assert(sem.Readers.Count == 0 && sem.WriteHeldByCurrent, "the writer is not alone");
                SchedulingPoint.Interleave();
                Specification.Assert(sem.Readers.Count == 0 && sem.WriteHeldByCurrent, "the writer is not alone");
                sem.UpWrite("t");
            });
            await Task.WhenAll(new[] { Reader("r1"), Reader("r2"), Writer() });
            Specification.Assert(sem.Writer is null && sem.Readers.Count == 0, "the semaphore is free at the end");
        });
        report.NumOfFoundBugs.Should().Be(0, string.Join("\n", report.BugReports));
        bothReadersInside.Should().BeGreaterThan(0, "readers share the semaphore in some interleaving");
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
