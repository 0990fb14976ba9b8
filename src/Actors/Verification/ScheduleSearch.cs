namespace Hmm.Spec.Actors.Verification;

/// <summary>
/// Stateless depth-first search over the schedules with at most <c>bound</c> preemptions (Musuvathi and Qadeer,
/// "Iterative context bounding for systematic testing of multithreaded programs", PLDI 2007): each execution
/// re-runs the world from scratch, following the decisions on the trail and extending it with the default
/// decision (continue the running actor; after a block, a finish or a refault, the lowest-numbered runnable
/// actor). After an execution, <see cref="Backtrack"/> moves to the next untried alternative, deepest first.
/// A switch away from an actor that could have continued costs one preemption; a refaulting actor may not run
/// again while another can (a fair yield, never a preemption).
/// <para>
/// The reduction (docs/verification.md): an execution is abandoned when an actor resumes after a preemption and
/// its first transition commutes with everything the others did meanwhile and makes nobody runnable. The same
/// execution with that transition taken before the preemption is equivalent (same final state, same history),
/// costs no more preemptions, and is smaller in the order "continue before switch", so the least schedule of
/// every class within the bound is never abandoned.
/// </para>
/// <para>
/// Parts (scale-out, docs/results-format.md): the first execution follows the default decisions (the default
/// path). The depth-first search then takes the default path's branching nodes deepest first, and everything it
/// runs until it backtracks to a shallower one is the subtree of that node. Those subtrees are the units: the
/// branching nodes are ranked from the root (0, 1, ...), and part <c>p</c> of <c>P</c> searches the subtrees of
/// the ranks <c>r</c> with <c>r mod P == p</c>, in the same order and with the same executions as the whole
/// search; <see cref="CurrentRank"/> says which subtree an execution belongs to (-1: the default execution).
/// With one part the search is the whole search.
/// </para>
/// </summary>
[Microsoft.Coyote.Rewriting.SkipRewriting("runs only under verify, outside Coyote")]
internal sealed class ScheduleSearch(int bound, bool reduce, int part = 0, int parts = 1) : IScheduleChooser
{
    private sealed class Node
    {
        public int Last;
        public bool LastPreemptible;
        /// <summary>The actor that ran last stopped at a refault (it may not be chosen here if another can run).</summary>
        public bool LastYielding;
        public int PreemptionsBefore;
        public int Chosen;
        /// <summary>The node of the chosen actor's previous transition in this execution, or -1.</summary>
        public int PreviousOfChosen;
        public List<int> Untried = [];
        /// <summary>What the transition chosen here touched (known when it ends).</summary>
        public Footprint? Transition;

        public int Cost(int choice) => LastPreemptible && choice != Last ? 1 : 0;
        public int PreemptionsAfter => PreemptionsBefore + Cost(Chosen);
    }

    private readonly List<Node> _trail = [];
    private readonly List<int> _lastNodeOf = [];
    private int _pos;
    /// <summary>The default path's branching nodes by trail index -> rank (set at the first backtrack).</summary>
    private int[]? _rankOf;
    /// <summary>The trail index where the current execution leaves the default path (-1: it does not).</summary>
    private int _deviation = -1;

    /// <summary>
    /// The rank of the default-path branching node whose subtree the current execution is in; -1 for the default
    /// execution (the first of the search).
    /// </summary>
    public int CurrentRank => _deviation < 0 ? -1 : _rankOf![_deviation];

    public int Bound => bound;

    /// <summary>
    /// After the default execution (before the first backtrack): its decisions, and the nodes with alternatives
    /// within the bound (the subtrees that the parts divide). Scale-out estimates a part's cost from them.
    /// </summary>
    public (int Decisions, int Branching) DefaultPathShape => (_trail.Count, _trail.Count(n => n.Untried.Count > 0));

    /// <summary>Executions abandoned as equivalent to one already covered.</summary>
    public long Pruned { get; private set; }

    /// <summary>Alternatives still on the trail: a lower bound on the executions left at this level.</summary>
    public long Pending => _trail.Sum(n => (long)n.Untried.Count);

    /// <summary>The decisions of the current execution so far (actor indices), for a bundle.</summary>
    public IReadOnlyList<int> Schedule => _trail.Take(_pos).Select(n => n.Chosen).ToArray();

    /// <summary>Preemptions of the current execution so far.</summary>
    public int Preemptions => _pos == 0 ? 0 : _trail[_pos - 1].PreemptionsAfter;

    /// <summary>Call before each execution.</summary>
    public void BeginExecution()
    {
        _pos = 0;
        _lastNodeOf.Clear();
    }

    public int Choose(in Decision d)
    {
        if (!EndTransition(d.Ended))
            return -1;
        Node node;
        if (_pos < _trail.Count)
        {
            node = _trail[_pos];
            if (!d.Enabled.Contains(node.Chosen))
                throw new InvalidOperationException($"verify: the model is not deterministic (decision {_pos}: actor {node.Chosen} cannot run on re-execution)");
        }
        else
        {
            node = NewNode(d);
            _trail.Add(node);
        }
        while (_lastNodeOf.Count <= node.Chosen)
            _lastNodeOf.Add(-1);
        node.PreviousOfChosen = _lastNodeOf[node.Chosen];
        _lastNodeOf[node.Chosen] = _pos;
        _pos++;
        return node.Chosen;
    }

    public bool EndOfRun(Footprint? ended) => EndTransition(ended);

    /// <summary>Records the footprint of the transition that just ended; false when that makes the run redundant.</summary>
    private bool EndTransition(Footprint? ended)
    {
        if (_pos == 0)
            return true;
        _trail[_pos - 1].Transition = ended;
        if (!reduce || !Redundant(_pos - 1))
            return true;
        Pruned++;
        return false;
    }

    private Node NewNode(in Decision d)
    {
        var node = new Node
        {
            Last = d.Last,
            LastPreemptible = d.LastPreemptible,
            LastYielding = d.LastYielding,
            PreemptionsBefore = _pos == 0 ? 0 : _trail[_pos - 1].PreemptionsAfter,
        };
        var candidates = new List<int>(d.Enabled.Count);
        foreach (var a in d.Enabled)
        {
            // A refaulting actor waits for the others: it runs again only when nobody else can.
            if (!(d.LastYielding && a == d.Last && d.Enabled.Count > 1))
                candidates.Add(a);
        }
        node.Chosen = d.LastPreemptible && candidates.Contains(d.Last) ? d.Last : candidates.Min();
        foreach (var a in candidates)
        {
            if (a != node.Chosen && node.PreemptionsBefore + node.Cost(a) <= bound)
                node.Untried.Add(a);
        }
        return node;
    }

    /// <summary>
    /// Whether the transition at <paramref name="j"/> is an actor's first after a preemption that could have come
    /// after it instead: it conflicts with no transition in between and releases nothing, and the last of those
    /// did not end at a refault (moving the transition away would let the refaulting actor run again at once,
    /// which the fair-yield rule forbids: the moved schedule would not be one the search can take).
    /// </summary>
    private bool Redundant(int j)
    {
        var n = _trail[j];
        if (n.Last == n.Chosen || n.PreviousOfChosen < 0 || n.Transition is not { } e || e.Releases || n.LastYielding)
            return false;
        var switchAway = n.PreviousOfChosen + 1;
        if (!_trail[switchAway].LastPreemptible)
            return false;
        for (var k = switchAway; k < j; k++)
        {
            if (_trail[k].Transition is not { } other || e.ConflictsWith(other))
                return false;
        }
        return true;
    }

    /// <summary>Moves to the next schedule: the deepest decision with an untried alternative. False when done.</summary>
    public bool Backtrack()
    {
        if (_rankOf is null)
            RankDefaultPath();
        for (var i = _trail.Count - 1; i >= 0; i--)
        {
            var n = _trail[i];
            if (n.Untried.Count == 0)
                continue;
            n.Chosen = n.Untried[0];
            n.Untried.RemoveAt(0);
            n.Transition = null;
            _trail.RemoveRange(i + 1, _trail.Count - i - 1);
            // Nodes before the deviation are still the default path's; a backtrack to one of them starts its subtree.
            if (_deviation < 0 || i <= _deviation)
                _deviation = i;
            return true;
        }
        _trail.Clear();
        return false;
    }

    /// <summary>
    /// After the default execution: ranks its branching nodes from the root and drops the alternatives of those
    /// that belong to other parts, so that backtracking never enters their subtrees.
    /// </summary>
    private void RankDefaultPath()
    {
        _rankOf = new int[_trail.Count];
        var rank = 0;
        for (var i = 0; i < _trail.Count; i++)
        {
            var n = _trail[i];
            if (n.Untried.Count == 0)
            {
                _rankOf[i] = -1;
                continue;
            }
            _rankOf[i] = rank;
            if (rank % parts != part)
                n.Untried.Clear();
            rank++;
        }
    }
}
