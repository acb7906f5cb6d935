/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The radix-table walker: one iterator over the 4-level, 512-entry page
 * tables that x86 EPT and the MIPS GPA table share in shape, and the
 * operations built on it (map, zap, age, lookup, change_pte, teardown).
 * A format supplies only what differs between the two, its entry
 * encoding, through struct kvmmu_radix_ops.
 *
 * Tables.  A table is one 4 KiB page of 512 u64 entries.  The root is at
 * level 4; an entry of a table of level L maps 512^(L-1) gfns
 * (kvmmu_radix_span()).  A present entry of level 2 to 4 points at the
 * table of the next level down; a present entry of level 1 is a leaf (a
 * 4 KiB mapping).  Each table page's private field counts its present
 * entries, so that a walk that empties a table can free it on its way
 * back up, and teardown need not search.
 *
 * The iterator visits every entry that maps part of [start, end), present
 * or not, in pre-order (a table entry, then the entries of the table it
 * points at), stepping down into present tables until @min_level.  The
 * caller's loop body looks at iter.old, the entry's value, and may change
 * it only through the kvmmu_radix_*() setters below, which keep the
 * present counts and the stats right and update iter.old, so that the
 * iterator steps down into a table the body just linked.
 *
 * Locking.  Every walk runs under the VM's mmu_lock; tables are freed as
 * soon as they are unlinked, since no walker runs without it.  A walk
 * started with KVMMU_WALK_MAY_BLOCK may drop mmu_lock between two entries
 * (see kvmmu_radix_iter_next()): it first flushes what it changed so far,
 * and afterwards re-walks from the root, because the tables it was in may
 * have been freed meanwhile.  A loop body therefore must not keep a
 * pointer into the tables across iterations.
 */
#ifndef _KVMMU_WALK_H
#define _KVMMU_WALK_H

#include <linux/bits.h>
#include <linux/types.h>

#include "kvmmu/mmu.h"

#define KVMMU_RADIX_LEVELS	4
#define KVMMU_RADIX_LEVEL_BITS	9
#define KVMMU_RADIX_ENTRIES	BIT(KVMMU_RADIX_LEVEL_BITS)

/**
 * struct kvmmu_radix_ops - a radix format's entry encoding
 * @present_mask: an entry with any of these bits set maps something (a
 *	table or a page)
 * @pfn_mask: the frame an entry points at, in place (at PAGE_SHIFT)
 * @table_bits: a table entry is the table's physical address | these
 * @accessed_mask: a leaf with any of these set is young; aging clears
 *	them all
 * @dirty_mask: a leaf the guest wrote through (handed to the host page
 *	when the leaf goes)
 * @refcounted_mask: a leaf whose frame is a refcounted host page
 * @hw_writable_mask: a leaf a guest write may go through without a fault;
 *	a cached translation of a leaf that loses it must be flushed
 * @make_leaf: the leaf for @req.  @old is 0, or the present leaf it
 *	replaces when that maps the same frame (whose accessed/dirty state
 *	the new leaf then keeps)
 * @repoint: a read-only leaf for @pfn that keeps what the host may not
 *	see change from @old (its age, its execute permission): change_pte
 * @describe: fill @m's permission and memory-type fields from a present
 *	leaf, for TRANSLATE
 * @flush_gfns: (optional) forget cached translations of [start, end),
 *	under mmu_lock; returns whether any was cached.  A format without a
 *	cache of its own has only the generic kvmmu_flush_remote_tlbs()
 */
struct kvmmu_radix_ops {
	u64 present_mask;
	u64 pfn_mask;
	u64 table_bits;
	u64 accessed_mask;
	u64 dirty_mask;
	u64 refcounted_mask;
	u64 hw_writable_mask;
	u64 (*make_leaf)(const struct kvmmu_map_request *req, u64 old);
	u64 (*repoint)(u64 old, unsigned long pfn, bool refcounted);
	void (*describe)(u64 pte, struct kvmmu_mapping *m);
	bool (*flush_gfns)(struct kvmmu_vm *vm, u64 start, u64 end);
};

/**
 * struct kvmmu_radix - one radix table
 * @ops: its format
 * @root: the level-4 table
 */
struct kvmmu_radix {
	const struct kvmmu_radix_ops *ops;
	u64 *root;
};

/* Walk flags. */
/* The caller may sleep: the walk may drop mmu_lock now and then. */
#define KVMMU_WALK_MAY_BLOCK	BIT(0)
/* Free tables the walk leaves empty (zaps). */
#define KVMMU_WALK_FREE_EMPTY	BIT(1)

/**
 * struct kvmmu_radix_iter - a position in a walk
 * @vm: the VM, whose mmu_lock is held
 * @rt: the table walked
 * @tables: @tables[l] is the table of level l on the way to the entry
 * @ptep: the entry
 * @old: its value when visited (or as a setter left it)
 * @gfn: the first gfn the entry maps
 * @next_gfn: where the walk goes on from, and resumes after a yield: the
 *	range's start on the way down to it, else the entry's first gfn
 * @yielded_gfn: @gfn when mmu_lock was last dropped: the next yield waits
 *	until the walk has moved past it, so every yield makes progress
 * @end: end (exclusive) of the range walked
 * @level: the entry's level
 * @min_level: the walk does not step below this level
 * @flags: KVMMU_WALK_*
 * @valid: the iterator points at an entry; false once the walk is over
 * @flush_pending: a setter removed or reduced a leaf since the last flush
 * @flush_start: the first gfn such a change may concern
 * @visited: entries visited since mmu_lock was taken or last dropped
 */
struct kvmmu_radix_iter {
	struct kvmmu_vm *vm;
	struct kvmmu_radix *rt;
	u64 *tables[KVMMU_RADIX_LEVELS + 1];
	u64 *ptep;
	u64 old;
	u64 gfn;
	u64 next_gfn;
	u64 yielded_gfn;
	u64 end;
	int level;
	int min_level;
	unsigned int flags;
	bool valid;
	bool flush_pending;
	u64 flush_start;
	unsigned int visited;
};

/* The number of gfns one entry of a table of @level maps. */
static inline u64 kvmmu_radix_span(int level)
{
	return 1ULL << ((level - 1) * KVMMU_RADIX_LEVEL_BITS);
}

/* The index of @gfn's entry in a table of @level. */
static inline unsigned int kvmmu_radix_index(u64 gfn, int level)
{
	return (gfn >> ((level - 1) * KVMMU_RADIX_LEVEL_BITS)) &
	       (KVMMU_RADIX_ENTRIES - 1);
}

static inline bool kvmmu_radix_present(const struct kvmmu_radix_ops *ops,
				       u64 pte)
{
	return pte & ops->present_mask;
}

static inline unsigned long kvmmu_radix_pfn(const struct kvmmu_radix_ops *ops,
					    u64 pte)
{
	return (pte & ops->pfn_mask) >> PAGE_SHIFT;
}

/*
 * The entry at @iter is present and maps memory rather than a table.
 * Only level 1 does today; a large-page leaf would add a per-format bit
 * to test here.
 */
static inline bool kvmmu_radix_is_leaf(const struct kvmmu_radix_iter *iter)
{
	return iter->level == 1 &&
	       kvmmu_radix_present(iter->rt->ops, iter->old);
}

struct kvmmu_radix_iter *
kvmmu_radix_iter_start(struct kvmmu_radix_iter *iter, struct kvmmu_vm *vm,
		       struct kvmmu_radix *rt, u64 start, u64 end,
		       int min_level, unsigned int flags);
void kvmmu_radix_iter_next(struct kvmmu_radix_iter *iter);

/**
 * for_each_radix_pte() - visit the entries mapping [start, end) in pre-order
 * @iter: a struct kvmmu_radix_iter
 * @vm: the VM, mmu_lock held
 * @rt: the table
 * @start: first gfn
 * @end: end gfn (exclusive)
 * @min_level: do not step below tables of this level
 * @flags: KVMMU_WALK_*
 */
#define for_each_radix_pte(iter, vm, rt, start, end, min_level, flags)	\
	for (struct kvmmu_radix_iter *__iter =				\
		kvmmu_radix_iter_start(&(iter), vm, rt, start, end,	\
				       min_level, flags);		\
	     __iter->valid; kvmmu_radix_iter_next(__iter))

/* Setters for the loop body. */
void kvmmu_radix_link_table(struct kvmmu_radix_iter *iter, struct page *page);
void kvmmu_radix_set_leaf(struct kvmmu_radix_iter *iter, u64 new);
void kvmmu_radix_zap_leaf(struct kvmmu_radix_iter *iter);

/*
 * A radix backend's vm->arch begins with its struct kvmmu_radix, so that
 * the operations below serve directly as its struct kvmmu_arch_ops
 * members (->map, ->lookup, ->zap_gfn_range, ->age_gfn_range,
 * ->change_pte).
 */
static inline struct kvmmu_radix *kvmmu_vm_radix(struct kvmmu_vm *vm)
{
	return vm->arch;
}

int kvmmu_radix_init(struct kvmmu_vm *vm, struct kvmmu_radix *rt,
		     const struct kvmmu_radix_ops *ops);
void kvmmu_radix_destroy(struct kvmmu_vm *vm, struct kvmmu_radix *rt);

/* The operations, each one walk of vm's table, under mmu_lock. */
u64 *kvmmu_radix_leaf(struct kvmmu_vm *vm, u64 gfn);
int kvmmu_radix_map(struct kvmmu_vm *vm, struct kvmmu_page_cache *cache,
		    const struct kvmmu_map_request *req);
void kvmmu_radix_lookup(struct kvmmu_vcpu *vcpu, u64 gpa,
			struct kvmmu_mapping *m);
bool kvmmu_radix_zap_gfn_range(struct kvmmu_vm *vm,
			       const struct kvmmu_gfn_range *range);
bool kvmmu_radix_age_gfn_range(struct kvmmu_vm *vm,
			       const struct kvmmu_gfn_range *range, bool clear);
bool kvmmu_radix_change_pte(struct kvmmu_vm *vm,
			    const struct kvmmu_gfn_range *range);

#endif /* _KVMMU_WALK_H */
