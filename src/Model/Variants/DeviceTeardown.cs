namespace Hmm.Spec.Model;

/// <summary>
/// What pins a device page's dev_pagemap and whether the release of the device memory waits for it, per era
/// (the teardown point of variation; docs/device-model.md, "Upstream changes after 2017: teardown and device page
/// free").
/// </summary>
public enum DeviceTeardown
{
    /// <summary>
    /// The 2017 series on v4.11: get_page of a ZONE_DEVICE page takes a pgmap->ref reference
    /// (get_zone_device_page) and put_page drops it (put_zone_device_page), so every in-use device page pins the
    /// ref. hmm_devmem_remove → hmm_devmem_ref_kill does percpu_ref_kill + wait_for_completion before
    /// hmm_devmem_pages_remove: the release blocks until every page reference is gone, and a page that stays mapped
    /// blocks it forever (the hang 249881232e14 removes).
    /// </summary>
    HmmDevmemWait,

    /// <summary>
    /// 71389703839e (v4.13; the HMM series was merged on top of it in v4.14): get_page no longer pins pgmap->ref
    /// ("a single get_dev_pagemap() reference to signify that the page is alive", taken by devm_memremap_pages at
    /// init, dropped by the page's final put); hmm_devmem_pages_create takes none. The wait in hmm_devmem_ref_kill
    /// (and, for devm_memremap_pages users, the owner's wait after devm_memremap_pages_release) no longer covers the
    /// pages in use: the release removes struct pages under live mappings (v4.14 to v5.1).
    /// </summary>
    RemoveUnderPageRefs,

    /// <summary>
    /// 50f44ee7248a (v5.2): every in-use device page holds a pgmap reference until its final put, and
    /// devm_memremap_pages_release waits for the ref to drain (dev_pagemap_cleanup) before arch_remove_memory.
    /// The model pins per page reference (as v4.11 did), which pins exactly the in-use pages, like the per-page pin.
    /// </summary>
    WaitBeforeRemove,
}
