// SPDX-License-Identifier: GPL-2.0
/*
 * MIPS: the GPA page table (format in arch/mips/mips.h) and the backend's
 * operations, after KVM/MIPS's arch/mips/kvm/mmu.c.
 *
 * Guest accesses go through each vCPU's software TLB (tlb.c), which
 * refills from VALID ptes and never writes the table.  Accessed/dirty
 * tracking is done by the fault path instead: its fast path, under
 * mmu_lock and without a host lookup, makes an old page young and a
 * clean page dirty if its pte says the page may be written; anything else
 * takes the generic slow path (kvmmu_mmu_fault(), then ->map), which
 * maps clean pages read-only to the hardware until they are first written.
 *
 * Every path that removes or reduces a pte flushes those gfns from every
 * vCPU's TLB while it still holds mmu_lock: the radix walker
 * (include/kvmmu/walk.h), which does the walking for this file, calls
 * ->flush_gfns for that, also before a long zap lets mmu_lock go.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <uapi/linux/kvmmu.h>

#include "mips.h"

/* A present leaf, clean and old, hardware read-only; no WRITE yet. */
static u64 __mips_make_leaf(unsigned long pfn, bool refcounted)
{
	u64 pte = MIPS_PTE_PRESENT |
		  (MIPS_CCA_CACHABLE_NONCOHERENT << MIPS_PTE_CCA_SHIFT) |
		  ((u64)pfn << MIPS_PTE_PFN_SHIFT);

	if (refcounted)
		pte |= MIPS_PTE_REFCOUNTED;
	return pte;
}

/*
 * The leaf a fault installs (kvm_mips_map_page()).  The page is mapped
 * young.  WRITE only if the host page and the slot may be written;
 * MODIFIED and DIRTY only if the faulting access writes, so a clean page
 * of a writable slot is read-only to the TLB until its first write, which
 * the fast path then lets through.  Replacing a leaf of the same pfn keeps
 * what the guest did to the page.
 */
static u64 mips_make_leaf(const struct kvmmu_map_request *req, u64 old)
{
	u64 pte = mips_pte_mkyoung(__mips_make_leaf(req->pfn, req->refcounted));

	if (req->writable) {
		pte |= MIPS_PTE_WRITE;
		if (req->write)
			pte = mips_pte_mkdirty(pte);
	}
	if (old & MIPS_PTE_MODIFIED)
		pte = mips_pte_mkdirty(pte);
	return pte;
}

/*
 * change_pte (kvm_mips_set_spte_handler()): the new page, clean and
 * without WRITE, so that a guest page is never dirtied by the host's
 * doing; the age of the old one carries over.
 */
static u64 mips_repoint(u64 old, unsigned long pfn, bool refcounted)
{
	return __mips_make_leaf(pfn, refcounted) |
	       (old & (MIPS_PTE_ACCESSED | MIPS_PTE_VALID));
}

static void mips_describe(u64 pte, struct kvmmu_mapping *m)
{
	m->readable = true;
	/* What the TLB would let the guest do without a fault. */
	m->writable = pte & MIPS_PTE_DIRTY;
	m->executable = true;
	m->memtype = mips_pte_cca(pte);
}

/*
 * Aging makes a pte old (kvm_mips_mkold_gpa_pt(): ACCESSED and VALID go),
 * and the walker then flushes the TLBs, so that the next access faults
 * and the fast path makes the page young again.  That flush happens even
 * for clear_young, which asks for none: it is what makes the page's next
 * use visible at all.  What the host page is told when a pte goes is
 * MODIFIED (the guest wrote it); what a TLB entry lets the guest write
 * without a fault is DIRTY.
 */
static const struct kvmmu_radix_ops mips_radix_ops = {
	.present_mask = MIPS_PTE_PRESENT,
	.pfn_mask = MIPS_PTE_PFN_MASK,
	.table_bits = MIPS_PTE_PRESENT,
	.accessed_mask = MIPS_PTE_ACCESSED | MIPS_PTE_VALID,
	.dirty_mask = MIPS_PTE_MODIFIED,
	.refcounted_mask = MIPS_PTE_REFCOUNTED,
	.hw_writable_mask = MIPS_PTE_DIRTY,
	.make_leaf = mips_make_leaf,
	.repoint = mips_repoint,
	.describe = mips_describe,
	.flush_gfns = kvmmu_mips_tlb_flush_range,
};

static int mips_init_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_mips *mips = kzalloc(sizeof(*mips), GFP_KERNEL_ACCOUNT);
	int r;

	/* The radix operations find the table at the start of vm->arch. */
	BUILD_BUG_ON(offsetof(struct kvmmu_mips, gpa));
	if (!mips)
		return -ENOMEM;
	r = kvmmu_radix_init(vm, &mips->gpa, &mips_radix_ops);
	if (r) {
		kfree(mips);
		return r;
	}
	INIT_LIST_HEAD(&mips->tlbs);
	vm->arch = mips;
	return 0;
}

static void mips_destroy_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_mips *mips = to_mips(vm);

	if (!mips)
		return;
	/* Every vCPU held a VM reference, and freed its TLB. */
	kvmmu_bug_on(!list_empty(&mips->tlbs), vm);
	kvmmu_radix_destroy(vm, &mips->gpa);
	kfree(mips);
	vm->arch = NULL;
}

/*
 * The fast path (_kvm_mips_map_page_fast()): make @gfn's pte allow an
 * access of @type by itself, if it can.  Returns whether it could.
 */
static bool mips_fault_fast(struct kvmmu_vm *vm, u64 gfn,
			    enum kvmmu_access_type type)
{
	u64 *ptep = kvmmu_mips_pte(vm, gfn);
	u64 old, new;

	lockdep_assert_held(&vm->mmu_lock);
	if (!ptep || !mips_pte_present(*ptep))
		return false;
	old = *ptep;
	/* Track accesses to pages marked old. */
	new = mips_pte_mkyoung(old);
	if (type == KVMMU_WRITE) {
		/* Clean pages that may not be written take the slow path. */
		if (!(old & MIPS_PTE_WRITE))
			return false;
		/* Track dirtying of writable pages. */
		new = mips_pte_mkdirty(new);
	}
	if (new != old)
		WRITE_ONCE(*ptep, new);
	return true;
}

/**
 * mips_fault() - a guest access missed in the TLB, or was refused by it
 * @vcpu: the vCPU (mutex and SRCU held, mmu_lock not)
 * @ga: the access
 *
 * The vCPU's TLB entry of the page goes first, so that the retried access
 * refills from whatever the pte is by then.  The fast path needs no host
 * lookup and takes no page reference; it is counted in fast_faults (the
 * access's faults count it too, stats.faults does not: that counts
 * mappings installed).
 *
 * Return: as kvmmu_mmu_fault().
 */
static int mips_fault(struct kvmmu_vcpu *vcpu, struct kvmmu_guest_access *ga)
{
	u64 gfn = ga->addr >> PAGE_SHIFT;
	struct kvmmu_vm *vm = vcpu->vm;
	bool fast;

	spin_lock(&vm->mmu_lock);
	kvmmu_mips_tlb_flush_local(vcpu, gfn);
	fast = mips_fault_fast(vm, gfn, ga->type);
	spin_unlock(&vm->mmu_lock);
	if (fast) {
		atomic64_inc(&vm->stat.fast_faults);
		return 0;
	}
	return kvmmu_mmu_fault(vcpu, gfn, ga->type);
}

static int mips_access(struct kvmmu_vcpu *vcpu, struct kvmmu_guest_access *ga)
{
	return kvmmu_mips_tlb_access(vcpu, ga);
}

const struct kvmmu_arch_ops kvmmu_mips_ops = {
	.name = "mips",
	.type = KVMMU_VM_MIPS,
	.gpa_bits = 48,
	.readonly_mem = true,
	.cache_pages = KVMMU_RADIX_LEVELS - 1,
	.init_vm = mips_init_vm,
	.destroy_vm = mips_destroy_vm,
	.init_vcpu = kvmmu_mips_init_vcpu,
	.destroy_vcpu = kvmmu_mips_destroy_vcpu,
	.map = kvmmu_radix_map,
	.fault = mips_fault,
	.access = mips_access,
	.lookup = kvmmu_radix_lookup,
	.zap_gfn_range = kvmmu_radix_zap_gfn_range,
	.age_gfn_range = kvmmu_radix_age_gfn_range,
	.change_pte = kvmmu_radix_change_pte,
};
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mips_ops);
