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
 * vCPU's TLB while it still holds mmu_lock.  Each table page's private
 * field counts its present entries, so a zap frees a table as soon as it
 * is empty (as arch/x86/ept.c does).
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <uapi/linux/kvmmu.h>

#include "mips.h"

static inline u64 *mips_table(u64 entry)
{
	return pfn_to_kaddr(mips_pte_pfn(entry));
}

/* Index of @gfn's entry in a table of @level. */
static inline unsigned int mips_index(u64 gfn, int level)
{
	return (gfn >> ((level - 1) * MIPS_GPA_LEVEL_BITS)) &
	       (MIPS_GPA_ENTRIES - 1);
}

/* Number of gfns one entry of a table of @level covers. */
static inline u64 mips_entry_gfns(int level)
{
	return 1ULL << ((level - 1) * MIPS_GPA_LEVEL_BITS);
}

static inline bool mips_gfn_too_big(struct kvmmu_vm *vm, u64 gfn)
{
	return gfn >> (vm->ops->gpa_bits - PAGE_SHIFT);
}

static void mips_table_count(u64 *table, long delta)
{
	struct page *page = virt_to_page(table);

	set_page_private(page, page_private(page) + delta);
}

static bool mips_table_empty(u64 *table)
{
	return !page_private(virt_to_page(table));
}

static void mips_free_table(struct kvmmu_vm *vm, u64 *table)
{
	struct page *page = virt_to_page(table);

	set_page_private(page, 0);
	__free_page(page);
	atomic64_dec(&vm->stat.table_pages);
	atomic64_inc(&vm->stat.tables_freed);
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
	u64 *table = to_mips(vm)->root;
	int level;

	lockdep_assert_held(&vm->mmu_lock);
	if (mips_gfn_too_big(vm, gfn))
		return NULL;
	for (level = MIPS_GPA_LEVELS; level > 1; level--) {
		u64 entry = table[mips_index(gfn, level)];

		if (!mips_pte_present(entry))
			return NULL;
		table = mips_table(entry);
	}
	return &table[mips_index(gfn, 1)];
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mips_pte);

/* A leaf goes: its accessed and modified state goes to the host page. */
static void mips_drop_leaf(struct kvmmu_vm *vm, u64 pte)
{
	kvmmu_mmu_leaf_dropped(mips_pte_pfn(pte), pte & MIPS_PTE_REFCOUNTED,
			       pte & MIPS_PTE_ACCESSED,
			       pte & MIPS_PTE_MODIFIED);
	atomic64_dec(&vm->stat.mapped_pages);
	atomic64_inc(&vm->stat.sptes_zapped);
}

/* A present leaf, clean and old, hardware read-only; no WRITE yet. */
static u64 mips_make_leaf(unsigned long pfn, bool refcounted)
{
	u64 pte = MIPS_PTE_PRESENT |
		  (MIPS_CCA_CACHABLE_NONCOHERENT << MIPS_PTE_CCA_SHIFT) |
		  ((u64)pfn << MIPS_PTE_PFN_SHIFT);

	if (refcounted)
		pte |= MIPS_PTE_REFCOUNTED;
	return pte;
}

static int mips_init_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_mips *mips = kzalloc(sizeof(*mips), GFP_KERNEL_ACCOUNT);

	if (!mips)
		return -ENOMEM;
	mips->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!mips->root) {
		kfree(mips);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&mips->tlbs);
	vm->arch = mips;
	atomic64_inc(&vm->stat.table_pages);
	return 0;
}

/* Free the tables below @table; leaves should all be gone by now. */
static void mips_free_tables(struct kvmmu_vm *vm, u64 *table, int level)
{
	unsigned int i;

	for (i = 0; i < MIPS_GPA_ENTRIES; i++) {
		u64 entry = table[i];

		if (!mips_pte_present(entry))
			continue;
		if (level == 1) {
			/*
			 * The notifier's release zapped every leaf before the
			 * mm went away; the host page may be gone, so only
			 * complain.
			 */
			kvmmu_bug_on(1, vm);
			continue;
		}
		mips_free_tables(vm, mips_table(entry), level - 1);
		mips_free_table(vm, mips_table(entry));
	}
}

static void mips_destroy_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_mips *mips = to_mips(vm);

	if (!mips)
		return;
	/* Every vCPU held a VM reference, and freed its TLB. */
	kvmmu_bug_on(!list_empty(&mips->tlbs), vm);
	mips_free_tables(vm, mips->root, MIPS_GPA_LEVELS);
	free_page((unsigned long)mips->root);
	atomic64_dec(&vm->stat.table_pages);
	kfree(mips);
	vm->arch = NULL;
}

/**
 * mips_map() - install the leaf a fault asks for (kvm_mips_map_page())
 * @vm: the VM, mmu_lock held
 * @cache: table pages for the levels that are missing
 * @req: the request
 *
 * The page is mapped young.  WRITE only if the host page and the slot may
 * be written; MODIFIED and DIRTY only if the faulting access writes, so a
 * clean page of a writable slot is read-only to the TLB until its first
 * write, which the fast path then lets through.  Replacing a leaf of the
 * same pfn keeps its accessed and modified state.
 *
 * Return: 0, -EINVAL beyond 48 bits, -ENOMEM if @cache ran out.
 */
static int mips_map(struct kvmmu_vm *vm, struct kvmmu_page_cache *cache,
		    const struct kvmmu_map_request *req)
{
	u64 *table = to_mips(vm)->root;
	u64 new, old, *ptep;
	int level;

	lockdep_assert_held(&vm->mmu_lock);
	if (mips_gfn_too_big(vm, req->gfn))
		return -EINVAL;

	for (level = MIPS_GPA_LEVELS; level > 1; level--) {
		ptep = &table[mips_index(req->gfn, level)];
		if (!mips_pte_present(*ptep)) {
			struct page *page = kvmmu_page_cache_alloc(cache);

			if (kvmmu_bug_on(!page, vm))
				return -ENOMEM;
			WRITE_ONCE(*ptep, page_to_phys(page) | MIPS_PTE_PRESENT);
			mips_table_count(table, 1);
			atomic64_inc(&vm->stat.table_pages);
		}
		table = mips_table(*ptep);
	}

	ptep = &table[mips_index(req->gfn, 1)];
	old = *ptep;
	new = mips_pte_mkyoung(mips_make_leaf(req->pfn, req->refcounted));
	if (req->writable) {
		new |= MIPS_PTE_WRITE;
		if (req->write)
			new = mips_pte_mkdirty(new);
	}
	if (!mips_pte_present(old)) {
		mips_table_count(table, 1);
		atomic64_inc(&vm->stat.mapped_pages);
		WRITE_ONCE(*ptep, new);
		return 0;
	}
	if (mips_pte_pfn(old) == req->pfn) {
		/* What the guest did to the page stays done. */
		if (old & MIPS_PTE_MODIFIED)
			new = mips_pte_mkdirty(new);
	} else {
		/*
		 * A different page: the old one was invalidated without our
		 * hearing of it, or the retry protocol failed.  It may be
		 * freed already, so it is not touched.
		 */
		kvmmu_bug_on(1, vm);
	}
	WRITE_ONCE(*ptep, new);
	/* Nothing a TLB holds may outlive what the pte now allows. */
	if ((old & ~new & MIPS_PTE_DIRTY) ||
	    mips_pte_pfn(old) != mips_pte_pfn(new)) {
		if (kvmmu_mips_tlb_flush_range(vm, req->gfn, req->gfn + 1))
			kvmmu_flush_remote_tlbs(vm);
	}
	return 0;
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
	u64 pte, *ptep = kvmmu_mips_pte(vcpu->vm, gpa >> PAGE_SHIFT);

	memset(m, 0, sizeof(*m));
	if (!ptep || !mips_pte_present(*ptep))
		return;
	pte = *ptep;
	m->present = true;
	m->readable = true;
	/* What the TLB would let the guest do without a fault. */
	m->writable = pte & MIPS_PTE_DIRTY;
	m->executable = true;
	m->accessed = pte & MIPS_PTE_ACCESSED;
	m->dirty = pte & MIPS_PTE_MODIFIED;
	m->level = 1;
	m->memtype = mips_pte_cca(pte);
	m->pfn = mips_pte_pfn(pte);
}

/*
 * Zap the leaves of [start, end) below @table, a table of @level mapping
 * gfns from @base; free the tables this empties.  Returns whether a
 * leaf was removed.
 */
static bool mips_zap(struct kvmmu_vm *vm, u64 *table, int level, u64 base,
		     u64 start, u64 end)
{
	u64 span = mips_entry_gfns(level);
	unsigned int i = start > base ? (start - base) / span : 0;
	bool zapped = false;

	for (; i < MIPS_GPA_ENTRIES && base + i * span < end; i++) {
		u64 entry = table[i], *child;

		if (!mips_pte_present(entry))
			continue;
		if (level == 1) {
			WRITE_ONCE(table[i], 0);
			mips_table_count(table, -1);
			mips_drop_leaf(vm, entry);
			zapped = true;
			continue;
		}
		child = mips_table(entry);
		zapped |= mips_zap(vm, child, level - 1, base + i * span,
				   start, end);
		if (mips_table_empty(child)) {
			WRITE_ONCE(table[i], 0);
			mips_table_count(table, -1);
			mips_free_table(vm, child);
		}
	}
	return zapped;
}

static bool mips_zap_gfn_range(struct kvmmu_vm *vm,
			       const struct kvmmu_gfn_range *range)
{
	bool zapped;

	lockdep_assert_held(&vm->mmu_lock);
	if (range->start >= range->end)
		return false;
	zapped = mips_zap(vm, to_mips(vm)->root, MIPS_GPA_LEVELS, 0,
			  range->start, range->end);
	if (zapped)
		kvmmu_mips_tlb_flush_range(vm, range->start, range->end);
	return zapped;
}

/* Accessed bits of the leaves of [start, end) below @table. */
static bool mips_age(struct kvmmu_vm *vm, u64 *table, int level, u64 base,
		     u64 start, u64 end, bool clear)
{
	u64 span = mips_entry_gfns(level);
	unsigned int i = start > base ? (start - base) / span : 0;
	bool young = false;

	for (; i < MIPS_GPA_ENTRIES && base + i * span < end; i++) {
		u64 entry = table[i];

		if (!mips_pte_present(entry))
			continue;
		if (level > 1) {
			young |= mips_age(vm, mips_table(entry), level - 1,
					  base + i * span, start, end, clear);
			continue;
		}
		if (!(entry & MIPS_PTE_ACCESSED))
			continue;
		young = true;
		if (clear) {
			WRITE_ONCE(table[i], mips_pte_mkold(entry));
			atomic64_inc(&vm->stat.young_cleared);
		}
	}
	return young;
}

/*
 * Report whether a leaf of the range is young; with @clear, make them old
 * (kvm_mips_mkold_gpa_pt()) and flush their TLB entries, so that the next
 * access faults and the fast path makes the page young again.  The TLB is
 * flushed even for clear_young, which asks for no flush: it is what makes
 * the page's next use visible at all.
 */
static bool mips_age_gfn_range(struct kvmmu_vm *vm,
			       const struct kvmmu_gfn_range *range, bool clear)
{
	bool young;

	lockdep_assert_held(&vm->mmu_lock);
	if (range->start >= range->end)
		return false;
	young = mips_age(vm, to_mips(vm)->root, MIPS_GPA_LEVELS, 0,
			 range->start, range->end, clear);
	if (young && clear)
		kvmmu_mips_tlb_flush_range(vm, range->start, range->end);
	return young;
}

/*
 * The host replaced the page behind the (single) gfn of @range
 * (kvm_mips_set_spte_handler()).  As for every format (see
 * ept_change_pte()): if the host maps the new page writable (or not at
 * all: then there is no pfn to map), the pte goes and the next access
 * faults, so that write permission always comes from the fault path,
 * which dirties the host page; a read-only slot arrives here as read-only.
 * Otherwise (KSM, the read side of COW) the pte is pointed at the new
 * page, clean and without WRITE: the old page gets the pte's
 * accessed/modified state, and a guest page is never dirtied by the
 * host's doing.  The vCPUs' TLBs drop the old page.
 */
static bool mips_change_pte(struct kvmmu_vm *vm,
			    const struct kvmmu_gfn_range *range)
{
	u64 gfn = range->start, old, *ptep;

	lockdep_assert_held(&vm->mmu_lock);
	if (range->host_writable)
		return mips_zap_gfn_range(vm, range);
	ptep = kvmmu_mips_pte(vm, gfn);
	if (!ptep || !mips_pte_present(*ptep))
		return false;
	old = *ptep;
	kvmmu_mmu_leaf_dropped(mips_pte_pfn(old), old & MIPS_PTE_REFCOUNTED,
			       old & MIPS_PTE_ACCESSED,
			       old & MIPS_PTE_MODIFIED);
	WRITE_ONCE(*ptep, mips_make_leaf(range->pfn, pfn_valid(range->pfn)) |
			  (old & (MIPS_PTE_ACCESSED | MIPS_PTE_VALID)));
	kvmmu_mips_tlb_flush_range(vm, gfn, gfn + 1);
	return true;
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
	.cache_pages = MIPS_GPA_LEVELS - 1,
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
