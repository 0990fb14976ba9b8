namespace Hmm.Spec.Model;

/// <summary>
/// Swap device type 0 (mm/swapfile.c reduced to what the seed's paths touch): a swap_map of per-slot use counts
/// and the data each slot holds. There is no swap cache: swap-in copies the slot into a new page and drops the
/// PTE's slot reference (as a synchronous swap device would). Slots only come from
/// <see cref="KernelWorld.swap_out_page"/>, the model's stand-in for reclaim.
/// </summary>
internal sealed class SwapArea(KernelWorld world)
{
    private readonly SortedDictionary<long, (int Count, long Data)> _map = [];
    private long _nextOffset = 1; // offset 0 is the swap header

    public const int Type = 0;

    public IReadOnlyDictionary<long, (int Count, long Data)> Slots => _map;

    private static string Res(long offset) => $"swap 0:{offset}";

    /// <summary>get_swap_page: a fresh slot with count 1 holding <paramref name="data"/>.</summary>
    public SwapEntry get_swap_page(long data, string function = nameof(get_swap_page))
    {
        var offset = _nextOffset++;
        world.Step(StepKind.Write, function, Res(offset), $"alloc, data={data}");
        _map[offset] = (1, data);
        return SwapEntry.swp_entry(Type, offset);
    }

    private (int Count, long Data) Slot(SwapEntry e, string function)
    {
        if (e.Type != Type || !_map.TryGetValue(e.Offset, out var slot))
            throw world.Violation(ViolationCategory.UseAfterFree, function, $"swap entry {e} names no allocated slot");
        return slot;
    }

    /// <summary>swap_duplicate (fork): one more PTE refers to the slot. A non-swap entry is not duplicated.</summary>
    public int swap_duplicate(SwapEntry e, string function = nameof(swap_duplicate))
    {
        if (world.Swp.non_swap_entry(e))
            return 0;
        world.Point(StepKind.Write, Res(e.Offset));
        var slot = Slot(e, function);
        _map[e.Offset] = (slot.Count + 1, slot.Data);
        world.Record(StepKind.Write, function, Res(e.Offset), $"count {slot.Count} -> {slot.Count + 1}");
        return 0;
    }

    /// <summary>swap_free: drop one slot reference; the slot is released at zero.</summary>
    public void swap_free(SwapEntry e, string function = nameof(swap_free))
    {
        world.Point(StepKind.Write, Res(e.Offset));
        var slot = Slot(e, function);
        if (slot.Count == 1)
        {
            _map.Remove(e.Offset);
            world.Record(StepKind.Write, function, Res(e.Offset), "count 1 -> 0 (slot freed)");
        }
        else
        {
            _map[e.Offset] = (slot.Count - 1, slot.Data);
            world.Record(StepKind.Write, function, Res(e.Offset), $"count {slot.Count} -> {slot.Count - 1}");
        }
    }

    /// <summary>
    /// free_swap_and_cache: with CONFIG_SWAP, 1 for a non-swap entry, else drop the slot reference and return 1
    /// if the slot existed; without CONFIG_SWAP, the seed's macro (is_migration_entry || is_device_entry).
    /// </summary>
    public bool free_swap_and_cache(SwapEntry e, string function = nameof(free_swap_and_cache))
    {
        if (!world.Config.Swap)
            return world.Swp.free_swap_and_cache_noswap(e);
        if (world.Swp.non_swap_entry(e))
            return true;
        if (e.Type != Type || !_map.ContainsKey(e.Offset))
            return false;
        swap_free(e, function);
        return true;
    }

    /// <summary>The data a swap slot holds (swap_readpage).</summary>
    public long swap_readpage(SwapEntry e, string function = nameof(swap_readpage))
    {
        world.Point(StepKind.Read, Res(e.Offset));
        var slot = Slot(e, function);
        world.Record(StepKind.Read, function, Res(e.Offset), $"data={slot.Data}");
        return slot.Data;
    }

    /// <summary>Slot use count (0 when free), for invariants.</summary>
    public int CountRaw(long offset) => _map.TryGetValue(offset, out var s) ? s.Count : 0;
}
