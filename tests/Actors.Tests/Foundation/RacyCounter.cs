using Microsoft.Coyote.Specifications;

namespace Hmm.Spec.Actors.Tests.Foundation;

/// <summary>
/// A tiny fixture whose only bug is a lost update between two tasks. Coyote can find it only when this
/// assembly is rewritten: un-rewritten, Task.Run and Task.Yield are invisible to the scheduler and every
/// iteration ends in a false "deadlock". The correct twin must explore clean, which proves the opposite.
/// </summary>
public static class RacyCounter
{
    /// <summary>Read, yield, write: the second task can overwrite the first one's increment.</summary>
    [Microsoft.Coyote.SystematicTesting.Test]
    public static async Task LostUpdate()
    {
        var counter = new Counter();
        await Task.WhenAll(new[] { Task.Run(counter.IncrementRacy), Task.Run(counter.IncrementRacy) });
        Specification.Assert(counter.Value == 2, "lost update: counter is {0} after two increments", counter.Value);
    }

    /// <summary>The same increments done atomically: no interleaving loses one.</summary>
    [Microsoft.Coyote.SystematicTesting.Test]
    public static async Task AtomicUpdate()
    {
        var counter = new Counter();
        await Task.WhenAll(new[] { Task.Run(counter.IncrementAtomic), Task.Run(counter.IncrementAtomic) });
        Specification.Assert(counter.Value == 2, "lost update: counter is {0} after two increments", counter.Value);
    }

    private sealed class Counter
    {
        private readonly object gate = new();
        public int Value { get; private set; }

        public async Task IncrementRacy()
        {
            int seen;
            lock (gate) seen = Value;
            await Task.Yield();
            lock (gate) Value = seen + 1;
        }

        public async Task IncrementAtomic()
        {
            await Task.Yield();
            lock (gate) Value++;
        }
    }
}
