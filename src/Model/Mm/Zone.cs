namespace Hmm.Spec.Model;

/// <summary>page_zonenum: ZONE_NORMAL for system RAM, ZONE_DEVICE for hotplugged device memory.</summary>
internal enum Zone
{
    Normal,
    Device,
}

/// <summary>
/// Life state of a <c>struct page</c>. A free page (in the page allocator, or on a driver's free list) and an
/// offline one (its memmap was removed by memory hot-remove) must not be touched by a holder of no reference.
/// </summary>
internal enum PageState
{
    /// <summary>Free: system page in the allocator, or device page on its driver's free list.</summary>
    Free,
    /// <summary>Allocated and owned by its users.</summary>
    InUse,
    /// <summary>The memmap section was removed (arch_remove_memory): the struct page no longer exists.</summary>
    Offline,
}
