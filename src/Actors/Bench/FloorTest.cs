using Microsoft.Coyote.Runtime;

namespace Hmm.Spec.Actors.Bench;

/// <summary>
/// Coyote's bare floor: the same number of actors and scheduling points as a scenario, and no model work, so
/// the difference to a scenario's speed is what the model costs per scheduling point.
/// </summary>
public static class FloorTest
{
    public static Func<Task> Create(int actors, int pointsPerActor) => async () =>
    {
        var tasks = new Task[actors];
        for (var i = 0; i < actors; i++)
        {
            tasks[i] = Task.Run(() =>
            {
                for (var p = 0; p < pointsPerActor; p++)
                    SchedulingPoint.Interleave();
            });
        }
        await Task.WhenAll(tasks);
    };
}
