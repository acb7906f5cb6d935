/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memslots: the guest-physical memory layout of one address space.
 *
 * Two sets of the same slots are kept; one is active (published to readers
 * through an __rcu pointer, read under SRCU), the other is where a change
 * is built.  Every slot carries one tree/hash node per set, so a change
 * touches O(log n) nodes in the inactive set, publishes it, waits for
 * readers of the old one (synchronize_srcu_expedited) and then replays the
 * change in the old set, which becomes the inactive one.  See
 * Documentation/locking.rst.
 */
#ifndef _KVMMU_MEMSLOTS_H
#define _KVMMU_MEMSLOTS_H

#include <linux/bits.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/srcu.h>
#include <linux/types.h>

#include <uapi/linux/kvmmu.h>

#define KVMMU_ADDRESS_SPACE_NUM		1
#define KVMMU_USER_MEM_SLOTS		32767
#define KVMMU_MEM_MAX_NR_PAGES		((1UL << 31) - 1)

/*
 * Internal slot flag, above the uapi ones: the slot is being deleted or
 * moved.  It is published in place of the old slot before the old range is
 * zapped; lookups for new mappings do not see it.
 */
#define KVMMU_MEMSLOT_INVALID		BIT(16)

/* An interval-tree node over a slot's hva range [start, last]. */
struct kvmmu_hva_node {
	struct rb_node rb;
	unsigned long start;
	unsigned long last;
	unsigned long subtree_last;
};

/* Page-size levels a slot can carry reverse maps for: 4 KiB, 2 MiB, 1 GiB. */
#define KVMMU_MAX_RMAP_LEVELS		3

/*
 * @rmap[level - 1]: one rmap head per 4 KiB/2 MiB/1 GiB frame of the slot
 * (see kvmmu/rmap.h), for the first kvmmu_memslot_space.rmap_levels levels
 * (none for backends that walk by gfn, like EPT).  Allocated with the slot,
 * shared with its INVALID copy and with the slot that replaces it on a
 * flags-only change, freed with the slot otherwise; by then the MMU has
 * zapped every spte they referred to (the flush_slot hook).
 */
struct kvmmu_memory_slot {
	u64 base_gfn;
	unsigned long npages;
	unsigned long userspace_addr;
	u32 flags;
	u16 id;
	u16 as_id;
	unsigned long *rmap[KVMMU_MAX_RMAP_LEVELS];
	/* One node per set: index kvmmu_memslots.node_idx. */
	struct rb_node gfn_node[2];
	struct kvmmu_hva_node hva_node[2];
	struct hlist_node id_node[2];
};

struct kvmmu_memslots {
	u64 generation;
	u64 nr_pages;
	struct rb_root gfn_tree;	/* by base_gfn; slots never overlap */
	struct rb_root_cached hva_tree;	/* by hva range; slots may alias */
	DECLARE_HASHTABLE(id_hash, 7);
	int node_idx;
};

/**
 * struct kvmmu_memslot_space - the memslots of one address space
 * @active: the set readers see; read under @srcu
 * @sets: the two sets; the one that is not @active is modified under @lock
 * @srcu: the VM's SRCU, which readers of @active hold
 * @lock: the VM's slots_lock, serialising changes
 * @as_id: the address-space id
 * @rmap_levels: page-size levels each slot gets reverse maps for (0-3)
 * @rmap_destroy: frees what a non-zero rmap word still owns when its slot
 *	goes (a VM that went bugged may leave some behind); NULL if rmap
 *	words own nothing (the format keeps plain words, e.g. Book3S HV)
 */
struct kvmmu_memslot_space {
	struct kvmmu_memslots __rcu *active;
	struct kvmmu_memslots sets[2];
	struct srcu_struct *srcu;
	struct mutex *lock;	/* the VM's slots_lock */
	u16 as_id;
	u8 rmap_levels;
	void (*rmap_destroy)(unsigned long *head);
};

/**
 * struct kvmmu_memslot_hooks - what a memslot change asks of the MMU
 * @flush_slot: called with @lock held once @slot's range has been replaced
 *	by an INVALID slot and no reader can see @slot any more; must remove
 *	every mapping made through @slot.
 * @ctx: passed back to the hooks
 * @publish_begin: called with @lock held just before a new set is
 *	published; the VM waits here until no mmu_notifier invalidation is
 *	between its start and end, and holds that off until @publish_end, so
 *	that start and end always see the same slots.
 * @publish_end: called right after the new set is published.
 */
struct kvmmu_memslot_hooks {
	void (*flush_slot)(void *ctx, const struct kvmmu_memory_slot *slot);
	void *ctx;
	void (*publish_begin)(void *ctx);
	void (*publish_end)(void *ctx);
};

void kvmmu_memslot_space_init(struct kvmmu_memslot_space *sp,
			      struct srcu_struct *srcu, struct mutex *lock,
			      u16 as_id);
void kvmmu_memslot_space_destroy(struct kvmmu_memslot_space *sp);

int kvmmu_check_memory_region(const struct kvmmu_userspace_memory_region *mem,
			      bool readonly_ok);
int kvmmu_set_memory_region(struct kvmmu_memslot_space *sp,
			    const struct kvmmu_userspace_memory_region *mem,
			    const struct kvmmu_memslot_hooks *hooks);

struct kvmmu_memory_slot *kvmmu_gfn_to_memslot(struct kvmmu_memslots *slots,
					       u64 gfn);
struct kvmmu_memory_slot *__kvmmu_gfn_to_memslot(struct kvmmu_memslots *slots,
						 u64 gfn);
struct kvmmu_memory_slot *kvmmu_id_to_memslot(struct kvmmu_memslots *slots,
					      u16 id);
struct kvmmu_memory_slot *kvmmu_memslot_hva_first(struct kvmmu_memslots *slots,
						  unsigned long start,
						  unsigned long last);
struct kvmmu_memory_slot *kvmmu_memslot_hva_next(struct kvmmu_memslots *slots,
						 struct kvmmu_memory_slot *slot,
						 unsigned long start,
						 unsigned long last);

/**
 * kvmmu_memslots() - the active set of @sp
 * @sp: the address space
 *
 * Callers hold @sp->srcu for reading, or @sp->lock.
 */
static inline struct kvmmu_memslots *
kvmmu_memslots(struct kvmmu_memslot_space *sp)
{
	return srcu_dereference_check(sp->active, sp->srcu,
				      lockdep_is_held(sp->lock));
}

static inline unsigned long
kvmmu_memslot_gfn_to_hva(const struct kvmmu_memory_slot *slot, u64 gfn)
{
	return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

/* Frames of 4 KiB << (9 * (@level - 1)) per level: 1 for 4 KiB. */
static inline unsigned int kvmmu_level_shift(int level)
{
	return (level - 1) * 9;
}

/**
 * kvmmu_memslot_rmap() - the rmap head of @gfn at @level in @slot
 * @slot: a slot holding @gfn with reverse maps at @level
 * @gfn: the guest frame
 * @level: 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB)
 */
static inline unsigned long *
kvmmu_memslot_rmap(const struct kvmmu_memory_slot *slot, u64 gfn, int level)
{
	unsigned int shift = kvmmu_level_shift(level);

	return &slot->rmap[level - 1][(gfn >> shift) -
				      (slot->base_gfn >> shift)];
}

#endif /* _KVMMU_MEMSLOTS_H */
