// SPDX-License-Identifier: GPL-2.0
/*
 * x86 EPT: 4-level extended page tables, the format Intel VT-x walks for
 * guest-physical addresses.  A table is one 4 KiB page of 512 64-bit
 * entries; levels 4 (PML4) to 2 hold tables, level 1 holds 4 KiB leaves.
 *
 * Entry format (Intel SDM vol. 3, "EPT Paging-Structure Entries"):
 *
 *   bit  0	R: readable		bits 3-5  memory type (leaves; 6 = WB)
 *   bit  1	W: writable		bit  6	  ignore PAT (leaves)
 *   bit  2	X: executable		bit  7	  large page (never set here)
 *   bit  8	A: accessed		bit  9	  D: dirty (leaves)
 *   bits 12-51	physical frame of the page or next table
 *
 * An entry is present when any of R/W/X is set.  kvmmu keeps its own
 * state in bits the hardware ignores (52-62):
 *
 *   bit 57	the pfn is a refcounted host page: its accessed/dirty state is
 *		handed back when the leaf goes (VM_PFNMAP frames never are)
 *
 * Each table page's private field counts its present entries, so a zap
 * frees a table as soon as it is empty.  All of it runs under mmu_lock; the
 * guest-access emulation walks under mmu_lock too, so a table may be freed
 * as soon as it is unlinked.
 */
#include <linux/bits.h>
#include <linux/io.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/mmu.h"

#define EPT_LEVELS		4
#define EPT_LEVEL_BITS		9
#define EPT_ENTRIES		BIT(EPT_LEVEL_BITS)

#define EPT_READ		BIT_ULL(0)
#define EPT_WRITE		BIT_ULL(1)
#define EPT_EXEC		BIT_ULL(2)
#define EPT_RWX			(EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MT_SHIFT		3
#define EPT_MT_MASK		GENMASK_ULL(5, 3)
#define EPT_MT_WB		6ULL
#define EPT_IPAT		BIT_ULL(6)
#define EPT_ACCESSED		BIT_ULL(8)
#define EPT_DIRTY		BIT_ULL(9)
#define EPT_PFN_MASK		GENMASK_ULL(51, 12)
#define EPT_SW_REFCOUNTED	BIT_ULL(57)

struct kvmmu_ept {
	u64 *root;
};

static inline bool ept_present(u64 spte)
{
	return spte & EPT_RWX;
}

static inline unsigned long ept_pfn(u64 spte)
{
	return (spte & EPT_PFN_MASK) >> PAGE_SHIFT;
}

static inline u64 *ept_table(u64 spte)
{
	return pfn_to_kaddr(ept_pfn(spte));
}

/* Index of @gfn's entry in a table of @level. */
static inline unsigned int ept_index(u64 gfn, int level)
{
	return (gfn >> ((level - 1) * EPT_LEVEL_BITS)) & (EPT_ENTRIES - 1);
}

/* Number of gfns one entry of a table of @level covers. */
static inline u64 ept_entry_gfns(int level)
{
	return 1ULL << ((level - 1) * EPT_LEVEL_BITS);
}

static inline struct kvmmu_ept *to_ept(struct kvmmu_vm *vm)
{
	return vm->arch;
}

static void ept_table_count(u64 *table, long delta)
{
	struct page *page = virt_to_page(table);

	set_page_private(page, page_private(page) + delta);
}

static bool ept_table_empty(u64 *table)
{
	return !page_private(virt_to_page(table));
}

static void ept_free_table(struct kvmmu_vm *vm, u64 *table)
{
	struct page *page = virt_to_page(table);

	set_page_private(page, 0);
	__free_page(page);
	atomic64_dec(&vm->stat.table_pages);
	atomic64_inc(&vm->stat.tables_freed);
}

/* The leaf entry for @gfn, or NULL if a table on the way is missing. */
static u64 *ept_leaf(struct kvmmu_vm *vm, u64 gfn)
{
	u64 *table = to_ept(vm)->root;
	int level;

	lockdep_assert_held(&vm->mmu_lock);
	for (level = EPT_LEVELS; level > 1; level--) {
		u64 spte = table[ept_index(gfn, level)];

		if (!ept_present(spte))
			return NULL;
		table = ept_table(spte);
	}
	return &table[ept_index(gfn, 1)];
}

static void ept_drop_leaf(struct kvmmu_vm *vm, u64 spte)
{
	kvmmu_mmu_leaf_dropped(ept_pfn(spte), spte & EPT_SW_REFCOUNTED,
			       spte & EPT_ACCESSED, spte & EPT_DIRTY);
	atomic64_dec(&vm->stat.mapped_pages);
	atomic64_inc(&vm->stat.sptes_zapped);
}

static u64 ept_make_leaf(unsigned long pfn, bool writable, bool executable,
			 bool refcounted)
{
	u64 spte = EPT_READ | (EPT_MT_WB << EPT_MT_SHIFT) | EPT_IPAT;

	if (writable)
		spte |= EPT_WRITE;
	if (executable)
		spte |= EPT_EXEC;
	if (refcounted)
		spte |= EPT_SW_REFCOUNTED;
	return spte | ((u64)pfn << PAGE_SHIFT);
}

static int ept_init_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_ept *ept = kzalloc(sizeof(*ept), GFP_KERNEL_ACCOUNT);

	if (!ept)
		return -ENOMEM;
	ept->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!ept->root) {
		kfree(ept);
		return -ENOMEM;
	}
	vm->arch = ept;
	atomic64_inc(&vm->stat.table_pages);
	return 0;
}

/* Free the tables below @table; leaves should all be gone by now. */
static void ept_free_tables(struct kvmmu_vm *vm, u64 *table, int level)
{
	unsigned int i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		u64 spte = table[i];

		if (!ept_present(spte))
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
		ept_free_tables(vm, ept_table(spte), level - 1);
		ept_free_table(vm, ept_table(spte));
	}
}

static void ept_destroy_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_ept *ept = to_ept(vm);

	if (!ept)
		return;
	ept_free_tables(vm, ept->root, EPT_LEVELS);
	free_page((unsigned long)ept->root);
	atomic64_dec(&vm->stat.table_pages);
	kfree(ept);
	vm->arch = NULL;
}

static int ept_map(struct kvmmu_vm *vm, struct kvmmu_page_cache *cache,
		   const struct kvmmu_map_request *req)
{
	u64 *table = to_ept(vm)->root;
	u64 new, old, *sptep;
	int level;

	lockdep_assert_held(&vm->mmu_lock);
	if (req->gfn >> (vm->ops->gpa_bits - PAGE_SHIFT))
		return -EINVAL;

	for (level = EPT_LEVELS; level > 1; level--) {
		sptep = &table[ept_index(req->gfn, level)];
		if (!ept_present(*sptep)) {
			struct page *page = kvmmu_page_cache_alloc(cache);

			if (kvmmu_bug_on(!page, vm))
				return -ENOMEM;
			WRITE_ONCE(*sptep, page_to_phys(page) | EPT_RWX);
			ept_table_count(table, 1);
			atomic64_inc(&vm->stat.table_pages);
		}
		table = ept_table(*sptep);
	}

	sptep = &table[ept_index(req->gfn, 1)];
	old = *sptep;
	new = ept_make_leaf(req->pfn, req->writable, req->executable,
			    req->refcounted);
	if (!ept_present(old)) {
		ept_table_count(table, 1);
		atomic64_inc(&vm->stat.mapped_pages);
	} else if (ept_pfn(old) == req->pfn) {
		/* A permission upgrade: what was accessed or dirty stays so. */
		new |= old & (EPT_ACCESSED | EPT_DIRTY);
	} else {
		/*
		 * A different page: the old one was invalidated without our
		 * hearing of it, or the retry protocol failed.  It may be
		 * freed already, so it is not touched.
		 */
		kvmmu_bug_on(1, vm);
		kvmmu_flush_remote_tlbs(vm);
	}
	WRITE_ONCE(*sptep, new);
	return 0;
}

static int ept_access(struct kvmmu_vcpu *vcpu, struct kvmmu_guest_access *ga)
{
	u64 need, set = EPT_ACCESSED, spte, *sptep, gfn = ga->addr >> PAGE_SHIFT;
	struct kvmmu_vm *vm = vcpu->vm;

	if (gfn >> (vm->ops->gpa_bits - PAGE_SHIFT))
		return -ENOENT;
	sptep = ept_leaf(vm, gfn);
	if (!sptep || !ept_present(*sptep))
		return -ENOENT;
	switch (ga->type) {
	case KVMMU_WRITE:
		need = EPT_WRITE;
		set |= EPT_DIRTY;
		break;
	case KVMMU_FETCH:
		need = EPT_EXEC;
		break;
	default:
		need = EPT_READ;
		break;
	}
	spte = *sptep;
	if (!(spte & need))
		return -EACCES;
	if ((spte & set) != set)
		WRITE_ONCE(*sptep, spte | set);
	ga->gfn = gfn;
	ga->pfn = ept_pfn(spte);
	return 0;
}

static void ept_lookup(struct kvmmu_vcpu *vcpu, u64 gpa,
		       struct kvmmu_mapping *m)
{
	struct kvmmu_vm *vm = vcpu->vm;
	u64 spte, *sptep, gfn = gpa >> PAGE_SHIFT;

	memset(m, 0, sizeof(*m));
	if (gfn >> (vm->ops->gpa_bits - PAGE_SHIFT))
		return;
	sptep = ept_leaf(vm, gfn);
	if (!sptep || !ept_present(*sptep))
		return;
	spte = *sptep;
	m->present = true;
	m->readable = spte & EPT_READ;
	m->writable = spte & EPT_WRITE;
	m->executable = spte & EPT_EXEC;
	m->accessed = spte & EPT_ACCESSED;
	m->dirty = spte & EPT_DIRTY;
	m->level = 1;
	m->memtype = (spte & EPT_MT_MASK) >> EPT_MT_SHIFT;
	m->pfn = ept_pfn(spte);
}

/*
 * Zap the leaves of [start, end) below @table, a table of @level mapping
 * gfns from @base; free the tables this empties.  Returns whether a
 * leaf was removed.
 */
static bool ept_zap(struct kvmmu_vm *vm, u64 *table, int level, u64 base,
		    u64 start, u64 end)
{
	u64 span = ept_entry_gfns(level);
	unsigned int i = start > base ? (start - base) / span : 0;
	bool zapped = false;

	for (; i < EPT_ENTRIES && base + i * span < end; i++) {
		u64 spte = table[i], *child;

		if (!ept_present(spte))
			continue;
		if (level == 1) {
			WRITE_ONCE(table[i], 0);
			ept_table_count(table, -1);
			ept_drop_leaf(vm, spte);
			zapped = true;
			continue;
		}
		child = ept_table(spte);
		zapped |= ept_zap(vm, child, level - 1, base + i * span,
				  start, end);
		if (ept_table_empty(child)) {
			WRITE_ONCE(table[i], 0);
			ept_table_count(table, -1);
			ept_free_table(vm, child);
		}
	}
	return zapped;
}

static bool ept_zap_gfn_range(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (range->start >= range->end)
		return false;
	return ept_zap(vm, to_ept(vm)->root, EPT_LEVELS, 0, range->start,
		       range->end);
}

/* Accessed bits of the leaves of [start, end) below @table. */
static bool ept_age(struct kvmmu_vm *vm, u64 *table, int level, u64 base,
		    u64 start, u64 end, bool clear)
{
	u64 span = ept_entry_gfns(level);
	unsigned int i = start > base ? (start - base) / span : 0;
	bool young = false;

	for (; i < EPT_ENTRIES && base + i * span < end; i++) {
		u64 spte = table[i];

		if (!ept_present(spte))
			continue;
		if (level > 1) {
			young |= ept_age(vm, ept_table(spte), level - 1,
					 base + i * span, start, end, clear);
			continue;
		}
		if (!(spte & EPT_ACCESSED))
			continue;
		young = true;
		if (clear) {
			WRITE_ONCE(table[i], spte & ~EPT_ACCESSED);
			atomic64_inc(&vm->stat.young_cleared);
		}
	}
	return young;
}

static bool ept_age_gfn_range(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range, bool clear)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (range->start >= range->end)
		return false;
	return ept_age(vm, to_ept(vm)->root, EPT_LEVELS, 0, range->start,
		       range->end, clear);
}

/*
 * The host replaced the page behind the (single) gfn of @range.  A leaf
 * that still maps the old page is pointed at the new one if the host maps
 * it read-only (KSM, the read side of COW); if the host maps it writable
 * the leaf is dropped and the next access faults, so that write access is
 * always obtained through the fault path, which dirties the host page.
 */
static bool ept_change_pte(struct kvmmu_vm *vm,
			   const struct kvmmu_gfn_range *range)
{
	u64 gfn = range->start, old, *sptep;

	lockdep_assert_held(&vm->mmu_lock);
	sptep = ept_leaf(vm, gfn);
	if (!sptep || !ept_present(*sptep))
		return false;
	old = *sptep;
	if (range->host_writable) {
		u64 *table = sptep - ept_index(gfn, 1);

		WRITE_ONCE(*sptep, 0);
		ept_table_count(table, -1);
		ept_drop_leaf(vm, old);
		return true;
	}
	kvmmu_mmu_leaf_dropped(ept_pfn(old), old & EPT_SW_REFCOUNTED,
			       old & EPT_ACCESSED, old & EPT_DIRTY);
	WRITE_ONCE(*sptep, ept_make_leaf(range->pfn, false, old & EPT_EXEC,
					 pfn_valid(range->pfn)));
	return true;
}

const struct kvmmu_arch_ops kvmmu_x86_ept_ops = {
	.name = "x86-ept",
	.type = KVMMU_VM_X86_EPT,
	.gpa_bits = 48,
	.readonly_mem = true,
	.cache_pages = EPT_LEVELS - 1,
	.init_vm = ept_init_vm,
	.destroy_vm = ept_destroy_vm,
	.map = ept_map,
	.access = ept_access,
	.lookup = ept_lookup,
	.zap_gfn_range = ept_zap_gfn_range,
	.age_gfn_range = ept_age_gfn_range,
	.change_pte = ept_change_pte,
};
EXPORT_SYMBOL_IF_KUNIT(kvmmu_x86_ept_ops);
