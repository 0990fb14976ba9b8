using Hmm.Spec.Model;

namespace Hmm.Spec.Actors.Verification;

/// <summary>
/// What one transition (an actor's run from one scheduling point to the next) touched: the resources the model
/// named in its steps, read or written, and whether it released a semaphore (which can make a waiter runnable).
/// Two transitions conflict when they touch one resource and at least one writes it; op boundaries touch the
/// shared history, because the real-time order of ops is part of what the oracle judges.
/// </summary>
[Microsoft.Coyote.Rewriting.SkipRewriting("runs only under verify, outside Coyote")]
internal sealed class Footprint
{
    /// <summary>The resource every op invocation and completion writes (the history's real-time order).</summary>
    public const string History = "history";

    private readonly List<string> _resources = new(4);
    private readonly List<bool> _writes = new(4);

    public bool Releases { get; private set; }

    public int Count => _resources.Count;

    public void Add(string resource, bool write)
    {
        AddOne(resource, write);
        // Every checked field access of a page or pgmap first checks that the object is alive (its state).
        if (ObjectState(resource) is { } state)
            AddOne(state, write: false);
    }

    private static readonly Dictionary<string, string?> StateOf = new(StringComparer.Ordinal);

    /// <summary><c>page 7 refcount</c> → <c>page 7 state</c>; null for other resources and for the state itself.</summary>
    private static string? ObjectState(string resource)
    {
        if (!(resource.StartsWith("page ", StringComparison.Ordinal) || resource.StartsWith("pgmap ", StringComparison.Ordinal)))
            return null;
        lock (StateOf)
        {
            if (StateOf.TryGetValue(resource, out var cached))
                return cached;
            var second = resource.IndexOf(' ', resource.IndexOf(' ') + 1);
            string? state = second < 0 || resource.AsSpan(second + 1).SequenceEqual("state") ? null : string.Concat(resource.AsSpan(0, second), " state");
            StateOf[resource] = state;
            return state;
        }
    }

    private void AddOne(string resource, bool write)
    {
        for (var i = 0; i < _resources.Count; i++)
        {
            if (Same(_resources[i], resource))
            {
                _writes[i] |= write;
                return;
            }
        }
        _resources.Add(resource);
        _writes.Add(write);
    }

    public void AddRelease(string semaphore)
    {
        Add(semaphore, write: true);
        Releases = true;
    }

    /// <summary>The transition made a sleeper's condition true (or may have).</summary>
    public void MarkReleases() => Releases = true;

    /// <summary>Whether the transition wrote <paramref name="resource"/>.</summary>
    public bool Writes(string resource)
    {
        for (var i = 0; i < _resources.Count; i++)
        {
            if (_writes[i] && Same(_resources[i], resource))
                return true;
        }
        return false;
    }

    /// <summary>A recorded step's access: reads read, writes and lock operations write, notes touch nothing.</summary>
    public void AddStep(StepKind kind, string resource)
    {
        switch (kind)
        {
            case StepKind.Read:
                Add(resource, write: false);
                break;
            case StepKind.Write:
            case StepKind.Lock:
            case StepKind.Unlock:
                Add(resource, write: true);
                break;
            case StepKind.Call:
                Add(History, write: true);
                break;
            case StepKind.Note:
                if (resource == "result")
                    Add(History, write: true);
                break;
        }
    }

    /// <summary>Whether the two transitions may not be swapped.</summary>
    public bool ConflictsWith(Footprint other)
    {
        for (var i = 0; i < _resources.Count; i++)
        {
            for (var j = 0; j < other._resources.Count; j++)
            {
                if ((_writes[i] || other._writes[j]) && Same(_resources[i], other._resources[j]))
                    return true;
            }
        }
        return false;
    }

    /// <summary>Equal names, or one ends in <c>*</c> and prefixes the other (a walk over a whole page table).</summary>
    private static bool Same(string a, string b)
    {
        if (ReferenceEquals(a, b) || string.Equals(a, b, StringComparison.Ordinal))
            return true;
        if (a.EndsWith('*'))
            return b.StartsWith(a.AsSpan(0, a.Length - 1), StringComparison.Ordinal);
        return b.EndsWith('*') && a.StartsWith(b.AsSpan(0, b.Length - 1), StringComparison.Ordinal);
    }

    public override string ToString() =>
        string.Join(", ", _resources.Select((r, i) => (_writes[i] ? "W " : "R ") + r)) + (Releases ? " (releases)" : "");
}
