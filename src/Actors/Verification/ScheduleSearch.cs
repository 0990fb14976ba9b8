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
/// Parts (scale-out, docs/scaling.md "Splitting the search"): the first execution follows the default decisions
/// (the default path). The depth-first search then takes the default path's branching nodes deepest first, and
/// everything it runs until it backtracks to a shallower one is the subtree of that node. The branching nodes are
/// ranked from the root (0, 1, ...). The subtree of a node whose alternatives cost no preemption (the root, or after
/// an actor blocked, finished or refaulted) keeps the whole bound and holds most of the work, so it is split: for
/// each of the node's alternatives <c>j</c> (in the order they are tried), its first execution (the default
/// continuation below the node), then that execution's branching nodes below the node, ranked from the node
/// (0, 1, ...), each with its subtree, split again in the same way, down to <see cref="MaxSplitDepth"/> levels.
/// The pieces of the search (<see cref="PieceKey"/>) are the default execution, the first execution of an
/// alternative at a split node, and the unsplit subtrees. Part <c>p</c> of <c>P</c> searches the pieces it owns
/// (<see cref="PieceKey.Owner"/>) in the same order and with the same executions as the whole search (the reduction
/// only looks at the current execution's trail); the default execution and the first executions at split nodes are
/// run by every part (to find the nodes below them) and counted by their owner. <see cref="CurrentKey"/> says which
/// piece an execution belongs to. With one part the search is the whole search.
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

    /// <summary>
    /// One level of the split: the path it ranks (the default execution, or the first execution of an alternative at
    /// the split node of the level above, from below that node), and where the current execution leaves it.
    /// </summary>
    private sealed class Level(PieceKey prefix, int[] rankOf, bool[] split)
    {
        /// <summary>The key of the path's first execution: [] for the default path, else [..., rank, alternative].</summary>
        public PieceKey Prefix { get; } = prefix;
        /// <summary>By trail index: the rank of the path's branching node there, -1 elsewhere.</summary>
        public int[] RankOf { get; } = rankOf;
        /// <summary>By trail index: whether that node's subtree is split (one level down).</summary>
        public bool[] Split { get; } = split;
        /// <summary>The trail index where the current execution leaves the path (-1: it does not).</summary>
        public int Deviation = -1;
        /// <summary>Which alternative of the node at <see cref="Deviation"/> is being searched (0, 1, ... in the order tried).</summary>
        public int Alternative = -1;
    }

    /// <summary>How many levels of subtrees may be split (the levels of <see cref="PieceKey"/> paths).</summary>
    public const int MaxSplitDepth = 3;

    private readonly List<Node> _trail = [];
    private readonly List<int> _lastNodeOf = [];
    private int _pos;
    /// <summary>The split levels the current execution is in, from the default path down.</summary>
    private readonly List<Level> _levels = [];
    /// <summary>The last execution was the first of its path (the default, or an alternative at a split node): rank it at the next backtrack.</summary>
    private bool _rankPending = true;

    /// <summary>The piece of the search (<see cref="PieceKey"/>) that the current execution belongs to.</summary>
    public PieceKey CurrentKey
    {
        get
        {
            if (_levels.Count == 0)
                return PieceKey.Default;
            var level = _levels[^1];
            if (level.Deviation < 0)
                return level.Prefix;
            var rank = level.RankOf[level.Deviation];
            return level.Split[level.Deviation] ? level.Prefix.Then(rank, level.Alternative) : level.Prefix.Then(rank);
        }
    }

    public int Bound => bound;

    /// <summary>
    /// After the default execution (before the first backtrack): its decisions, and per branching node (by rank) its
    /// alternatives within the bound and whether its subtree is split. Scale-out estimates a part's cost from them.
    /// </summary>
    public VerifyShape DefaultPathShape => new(_trail.Count,
        _trail.Where(n => n.Untried.Count > 0).Select(n => new VerifyShape.Node(n.Untried.Count, Splits(n))).ToArray());

    /// <summary>
    /// Whether the subtree of a branching node is split below its alternatives: when they cost no preemption (the
    /// root, or after an actor blocked, finished or refaulted), the subtree keeps the whole bound.
    /// </summary>
    private static bool Splits(Node n) => !n.LastPreemptible;

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
        if (_rankPending)
            RankPath();
        for (var i = _trail.Count - 1; i >= 0; i--)
        {
            var n = _trail[i];
            if (n.Untried.Count == 0)
                continue;
            n.Chosen = n.Untried[0];
            n.Untried.RemoveAt(0);
            n.Transition = null;
            _trail.RemoveRange(i + 1, _trail.Count - i - 1);
            // Nodes up to a level's deviation are still its path's: a backtrack to one of them starts its subtree
            // (or, at the deviation itself, the next alternative there). Below the deviation of a split node, the
            // same holds one level down.
            for (var l = 0; ; l++)
            {
                var level = _levels[l];
                if (level.Deviation < 0 || i <= level.Deviation)
                {
                    _levels.RemoveRange(l + 1, _levels.Count - l - 1);
                    level.Alternative = level.Deviation == i ? level.Alternative + 1 : 0;
                    level.Deviation = i;
                    _rankPending = level.Split[i];
                    break;
                }
                if (!level.Split[level.Deviation])
                    break;
            }
            return true;
        }
        _trail.Clear();
        return false;
    }

    /// <summary>
    /// After the first execution of a path (the default execution, or an alternative's at a split node): ranks the
    /// path's branching nodes from its start and drops the alternatives of the unsplit subtrees that belong to other
    /// parts, so that backtracking never enters them. Every part tries every alternative at a split node (their first
    /// executions show the nodes below).
    /// </summary>
    private void RankPath()
    {
        _rankPending = false;
        var depth = _levels.Count;
        var prefix = depth == 0 ? PieceKey.Default : CurrentKey;
        var start = depth == 0 ? 0 : _levels[^1].Deviation + 1;
        var rankOf = new int[_trail.Count];
        var split = new bool[_trail.Count];
        var rank = 0;
        for (var i = 0; i < _trail.Count; i++)
        {
            var n = _trail[i];
            if (i < start || n.Untried.Count == 0)
            {
                rankOf[i] = -1;
                continue;
            }
            rankOf[i] = rank;
            split[i] = depth < MaxSplitDepth && Splits(n);
            if (!split[i] && prefix.Then(rank).Owner(parts) != part)
                n.Untried.Clear();
            rank++;
        }
        _levels.Add(new Level(prefix, rankOf, split));
    }
}

/// <summary>
/// A piece of a verify search split into parts (<see cref="ScheduleSearch"/>, "Parts"), as a path of ranks and
/// alternatives from the root: [] the default execution; [r] the subtree of the default path's branching node of
/// rank r (not split); [r, j] the first execution of alternative j at that node when its subtree is split; then
/// [r, j, s] the subtree of that execution's branching node of rank s below the node (not split), [r, j, s, j2] the
/// first execution of its alternative j2 when it is split, and so on. An even length is one execution that every
/// part runs (to find the nodes below it) and only its owner counts; an odd length is a subtree. Compared in the
/// order the whole search runs them.
/// </summary>
public sealed class PieceKey : IComparable<PieceKey>, IEquatable<PieceKey>
{
    private readonly int[] _path;

    private PieceKey(int[] path) => _path = path;

    public static readonly PieceKey Default = new([]);

    public IReadOnlyList<int> Path => _path;

    /// <summary>One execution that every part runs and only its owner counts (the default, or a first execution at a split node).</summary>
    public bool IsShared => _path.Length % 2 == 0;

    /// <summary>This key extended by a rank, or by a rank and an alternative.</summary>
    public PieceKey Then(params int[] more) => new([.. _path, .. more]);

    /// <summary>
    /// The part (of <paramref name="parts"/>) that searches and counts this piece: part 0 the default execution, else
    /// the sum of the path plus its depth (the split levels it went through), mod P: an unsplit subtree of the default
    /// path its rank mod P, and the pieces of a split subtree one after the other from its rank on.
    /// </summary>
    public int Owner(int parts) => _path.Length == 0 ? 0 : (int)((_path.Sum(x => (long)x) + (_path.Length - 1) / 2) % parts);

    /// <summary>
    /// The whole search's order: a first execution before everything below it; among the subtrees of one path the
    /// deepest first (higher rank first); at a split node the alternatives in the order they are tried.
    /// </summary>
    public int CompareTo(PieceKey? other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var n = Math.Min(_path.Length, other._path.Length);
        for (var i = 0; i < n; i++)
        {
            if (_path[i] != other._path[i])
                return i % 2 == 0 ? other._path[i].CompareTo(_path[i]) : _path[i].CompareTo(other._path[i]);
        }
        return _path.Length.CompareTo(other._path.Length);
    }

    public bool Equals(PieceKey? other) => other is not null && _path.AsSpan().SequenceEqual(other._path);

    public override bool Equals(object? obj) => Equals(obj as PieceKey);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var x in _path)
            h.Add(x);
        return h.ToHashCode();
    }

    /// <summary>A key as written in a results file (its path); bad ones are a <see cref="FormatException"/>.</summary>
    public static PieceKey FromPath(IReadOnlyList<int> path)
    {
        if (path.Count > 2 * ScheduleSearch.MaxSplitDepth + 1 || path.Any(x => x < 0))
            throw new FormatException($"a verify piece key is a path of at most {2 * ScheduleSearch.MaxSplitDepth + 1} ranks and alternatives (0 or more), not [{string.Join(", ", path)}]");
        return new PieceKey([.. path]);
    }

    public override string ToString() => $"[{string.Join(", ", _path)}]";
}

/// <summary>
/// The shape of a scenario's schedule tree at a bound, from its default execution alone: its decisions, and per
/// branching node (by rank) its alternatives within the bound and whether its subtree is split.
/// </summary>
public sealed record VerifyShape(int Decisions, IReadOnlyList<VerifyShape.Node> Branching)
{
    public readonly record struct Node(int Alternatives, bool Split);
}
