namespace Hmm.Spec.Oracle.Reference;

/// <summary>
/// A set of reference states (the power-set construction: a nondeterministic step maps a set of states to
/// the set of all successors that agree with the observed result). Immutable; order-insensitive equality.
/// </summary>
public sealed class StateSet : IEquatable<StateSet>
{
    private readonly RefState[] _states;
    private readonly int _hash;

    public StateSet(IReadOnlyList<RefState> states)
    {
        // One state is by far the most common set: no de-duplication or sorting to do.
        _states = states.Count == 1 ? [states[0]] : Distinct(states).ToArray();
        if (_states.Length > 1) Array.Sort(_states, (a, b) => a.GetHashCode().CompareTo(b.GetHashCode()));
        var h = _states.Length;
        foreach (var s in _states) h = unchecked(h * 31 + s.GetHashCode());
        _hash = h;
    }

    public IReadOnlyList<RefState> States => _states;
    public int Count => _states.Length;

    public static IReadOnlyList<RefState> Distinct(IReadOnlyList<RefState> states)
    {
        if (states.Count <= 1) return states;
        return new HashSet<RefState>(states).ToArray();
    }

    public bool Equals(StateSet? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other._hash != _hash || other._states.Length != _states.Length) return false;
        if (_states.Length == 1) return _states[0].Equals(other._states[0]);
        return new HashSet<RefState>(_states).SetEquals(other._states);
    }

    public override bool Equals(object? obj) => Equals(obj as StateSet);
    public override int GetHashCode() => _hash;
}
