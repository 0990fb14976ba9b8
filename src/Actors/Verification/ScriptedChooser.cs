namespace Hmm.Spec.Actors.Verification;

/// <summary>Follows a recorded schedule (a verify bundle's decisions); fails loudly when the run no longer fits it.</summary>
internal sealed class ScriptedChooser(IReadOnlyList<int> schedule) : IScheduleChooser
{
    private int _pos;

    /// <summary>Decisions taken so far.</summary>
    public int Position => _pos;

    /// <summary>The first decision that did not fit the run, or null.</summary>
    public string? Divergence { get; private set; }

    public bool EndOfRun(Footprint? ended) => true;

    public int Choose(in Decision d)
    {
        if (_pos < schedule.Count)
        {
            var next = schedule[_pos++];
            if (d.Enabled.Contains(next))
                return next;
            Divergence ??= $"decision {_pos}: actor {next} cannot run (runnable: {string.Join(", ", d.Enabled)})";
            return -1;
        }
        Divergence ??= $"the run asked for decision {_pos + 1}, the schedule has {schedule.Count}";
        _pos++;
        return -1;
    }
}
