namespace Hmm.Spec.Model;

/// <summary>How <c>do_swap_page</c> hands a device entry to the pgmap's <c>page_fault</c> callback.</summary>
public enum FaultProtocol
{
    /// <summary>Seed: entry read without the PTL, callback called holding no reference.</summary>
    Lockless,
    /// <summary>16ce101db85d: PTL, pte_same, get_page, unlock, callback, put_page.</summary>
    RefUnderPtl,
    /// <summary>1afaeb8293c9: as RefUnderPtl, but only the trylock_page winner migrates; a loser retries.</summary>
    TrylockThenRef,
    /// <summary>b570f37a2ce4: as TrylockThenRef, and the loser waits for the page to be unlocked first.</summary>
    TrylockWaitForUnlock,
}
