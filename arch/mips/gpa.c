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

static bool mips_present(u64 pte)
{
	return mips_pte_present(pte);
}

static bool mips_accessed(u64 pte)
{
	return pte & MIPS_PTE_ACCESSED;
}

/* What the host page is told when the pte goes: the guest wrote it. */
static bool mips_modified(u64 pte)
{
	return pte & MIPS_PTE_MODIFIED;
}

static bool mips_refcounted(u64 pte)
{
	return pte & MIPS_PTE_REFCOUNTED;
}

/* What a TLB entry loaded from the pte lets the guest write. */
static bool mips_hw_writable(u64 pte)
{
	return pte & MIPS_PTE_DIRTY;
}

static u64 mips_make_table(phys_addr_t pa)
{
	return pa | MIPS_PTE_PRESENT;
}

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

/*
 * Old (kvm_mips_mkold_gpa_pt()): the walker then flushes the TLBs, so
 * that the next access faults and the fast path makes the page young
 * again.  That flush happens even for clear_young, which asks for none:
 * it is what makes the page's next use visible at all.
 */
static u64 mips_mkold(u64 pte)
{
	return mips_pte_mkold(pte);
}

static void mips_describe(u64 pte, struct kvmmu_mapping *m)
{
	m->readable = true;
	/* What the TLB would let the guest do without a fault. */
	m->writable = pte & MIPS_PTE_DIRTY;
	m->executable = true;
	m->memtype = mips_pte_cca(pte);
}

static const struct kvmmu_radix_ops mips_radix_ops = {
	.present = mips_present,
	.pfn = mips_pte_pfn,
	.accessed = mips_accessed,
	.dirty = mips_modified,
	.refcounted = mips_refcounted,
	.hw_writable = mips_hw_writable,
	.make_table = mips_make_table,
	.make_leaf = mips_make_leaf,
	.repoint = mips_repoint,
	.mkold = mips_mkold,
	.describe = mips_describe,
	.flush_gfns = kvmmu_mips_tlb_flush_range,
};

static inline bool mips_gfn_too_big(struct kvmmu_vm *vm, u64 gfn)
{
	return gfn >> (vm->ops->gpa_bits - PAGE_SHIFT);
}

/**
 * kvmmu_mips_pte() - the leaf entry of @gfn
 * @vm: the VM, mmu_lock held
 * @gfn: a guest frame
 *
 * Return: a pointer to the level-1 entry, or NULL if @gfn is beyond the
 * table's reach or a table on the way is missing.
 */
u64 *kvmmu_mips_pte(struct kvmmu_vm *vm, u64 gfn)
{
	if (mips_gfn_too_big(vm, gfn))
		return NULL;
	return kvmmu_radix_leaf(vm, &to_mips(vm)->gpa, gfn);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mips_pte);

static int mips_init_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_mips *mips = kzalloc(sizeof(*mips), GFP_KERNEL_ACCOUNT);
	int r;

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

static int mips_map(struct kvmmu_vm *vm, struct kvmmu_page_cache *cache,
		    const struct kvmmu_map_request *req)
{
	if (mips_gfn_too_big(vm, req->gfn))
		return -EINVAL;
	return kvmmu_radix_map(vm, &to_mips(vm)->gpa, cache, req);
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

static void mips_lookup(struct kvmmu_vcpu *vcpu, u64 gpa,
			struct kvmmu_mapping *m)
{
	struct kvmmu_vm *vm = vcpu->vm;
	u64 gfn = gpa >> PAGE_SHIFT;

	if (mips_gfn_too_big(vm, gfn)) {
		memset(m, 0, sizeof(*m));
		return;
	}
	kvmmu_radix_lookup(vm, &to_mips(vm)->gpa, gfn, m);
}

static bool mips_zap_gfn_range(struct kvmmu_vm *vm,
			       const struct kvmmu_gfn_range *range)
{
	return kvmmu_radix_zap(vm, &to_mips(vm)->gpa, range);
}

static bool mips_age_gfn_range(struct kvmmu_vm *vm,
			       const struct kvmmu_gfn_range *range, bool clear)
{
	return kvmmu_radix_age(vm, &to_mips(vm)->gpa, range, clear);
}

/*
 * The host replaced the page behind the (single) gfn of @range
 * (kvm_mips_set_spte_handler()), see kvmmu_radix_change_pte(); a
 * read-only slot arrives here as read-only.  The vCPUs' TLBs drop the
 * old page.
 */
static bool mips_change_pte(struct kvmmu_vm *vm,
			    const struct kvmmu_gfn_range *range)
{
	return kvmmu_radix_change_pte(vm, &to_mips(vm)->gpa, range);
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
	.map = mips_map,
	.fault = mips_fault,
	.access = mips_access,
	.lookup = mips_lookup,
	.zap_gfn_range = mips_zap_gfn_range,
	.age_gfn_range = mips_age_gfn_range,
	.change_pte = mips_change_pte,
};
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mips_ops);
