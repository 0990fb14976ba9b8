using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests;

/// <summary>Typed PTE access: present fields from swap PTEs and swap fields from present PTEs are violations.</summary>
public sealed class PteTests : ModelTest
{
    [Fact]
    public void Present_fields_of_a_swap_pte_are_type_confusion()
    {
        var w = NewWorld();
        var swp = w.swp_entry_to_pte(w.Swp.make_device_entry(4096, true), "test");
        ShouldViolate(w, () => w.pte_pfn(swp, "test"), ViolationCategory.PteTypeConfusion);
    }

    [Fact]
    public void Write_bit_of_a_swap_pte_is_type_confusion()
    {
        var w = NewWorld();
        var swp = w.swp_entry_to_pte(w.Swp.make_migration_entry(3, true), "test");
        ShouldViolate(w, () => w.pte_write(swp, "test"), ViolationCategory.PteTypeConfusion);
    }

    [Fact]
    public void Swap_entry_of_a_present_pte_is_type_confusion()
    {
        var w = NewWorld();
        var present = Pte.pfn_pte(3, Pte._PAGE_PRESENT | Pte._PAGE_RW);
        ShouldViolate(w, () => w.pte_to_swp_entry(present, "test"), ViolationCategory.PteTypeConfusion);
    }

    [Fact]
    public void Pte_same_compares_raw_values_and_present_accessors_work()
    {
        var w = NewWorld();
        var a = Pte.pfn_pte(7, Pte._PAGE_PRESENT | Pte._PAGE_RW);
        KernelWorld.pte_same(a, Pte.pfn_pte(7, Pte._PAGE_PRESENT | Pte._PAGE_RW)).Should().BeTrue();
        KernelWorld.pte_same(a, w.pte_mkdirty(a, "test")).Should().BeFalse();
        w.pte_pfn(a, "test").Should().Be(7);
        w.pte_write(w.pte_wrprotect(a, "test"), "test").Should().BeFalse();
        KernelWorld.pte_none(Pte.None).Should().BeTrue();
        KernelWorld.pte_present(new Pte(Pte._PAGE_PROTNONE)).Should().BeTrue();
        KernelWorld.pte_protnone(new Pte(Pte._PAGE_PROTNONE)).Should().BeTrue();
    }

    [Fact]
    public void Pfn_to_page_without_struct_page_is_a_violation()
    {
        var w = NewWorld();
        ShouldViolate(w, () => w.pfn_to_page(999_999, "test"), ViolationCategory.NoStructPage);
    }

    [Fact]
    public void Pte_store_without_the_ptl_is_lock_discipline()
    {
        var w = NewWorld();
        w.Mmap("A", 0, 1, VmProt.ReadWrite, false).Should().Be(Errno.OK);
        ShouldViolate(w, () => w.Mms["A"].WritePte(0, Pte.None, "test"), ViolationCategory.LockDiscipline);
    }
}
