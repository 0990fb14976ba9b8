using Microsoft.Coyote.Rewriting;

namespace Hmm.Spec.Actors.Verification;

/// <summary>
/// Long-lived threads that carry verify actors from one execution to the next: starting an OS thread costs more
/// than a whole execution of a small scenario, and a search runs tens of thousands of executions.
/// </summary>
[SkipRewriting("runs only under verify, outside Coyote: its primitives must be the real ones")]
internal static class CarrierThreads
{
    private static readonly Stack<Carrier> Idle = new();
    private static readonly object Gate = new();

    /// <summary>Runs <paramref name="work"/> on an idle carrier (a new one when none is idle).</summary>
    public static void Run(Action work)
    {
        Carrier? carrier;
        lock (Gate)
            Idle.TryPop(out carrier);
        carrier ??= new Carrier();
        carrier.Assign(work);
    }

    [SkipRewriting("runs only under verify, outside Coyote")]
    private sealed class Carrier
    {
        private readonly SemaphoreSlim _assigned = new(0, 1);
        private Action? _work;

        public Carrier()
        {
            new Thread(Loop, 16 * 1024 * 1024) { IsBackground = true, Name = "verify carrier" }.Start();
        }

        public void Assign(Action work)
        {
            _work = work;
            _assigned.Release();
        }

        private void Loop()
        {
            while (true)
            {
                _assigned.Wait();
                var work = _work!;
                _work = null;
                work();
                lock (Gate)
                    Idle.Push(this);
            }
        }
    }
}
