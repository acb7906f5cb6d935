/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reverse maps: for one gfn at one page-size level, the set of sptes that
 * map it, so that a host invalidation, an aging pass or write protection
 * can reach every spte of a gfn without walking any page table.
 *
 * The head is one word per gfn (an array of them per memslot and level,
 * see struct kvmmu_memory_slot):
 *
 *   0			no spte maps the gfn
 *   bit 0 clear	the word is the only spte pointer (u64 *)
 *   bit 0 set		the word (bit 0 cleared) points to the first
 *			struct kvmmu_rmap_desc of a chain
 *
 * A chain's descriptors after the first are always full, and new ones are
 * prepended: the first descriptor's @spte_count plus its @tail_count is the
 * length of the chain, so adding and counting are O(1), and removal moves
 * the first descriptor's last entry into the hole, so the chain stays
 * compact.  A chain that shrinks back to one entry goes back to the single
 * pointer form.
 *
 * Everything here runs under the VM's mmu_lock and never sleeps; adding,
 * removing and walking assert the lock (lockdep_assert_held()), which is
 * why they take the VM.  kvmmu_rmap_destroy() is for teardown, when no one
 * else can reach the chain.  Descriptors come from a struct
 * kvmmu_obj_cache topped up beforehand.
 */
#ifndef _KVMMU_RMAP_H
#define _KVMMU_RMAP_H

#include <linux/types.h>

struct kvmmu_vm;
struct kvmmu_obj_cache;

#define KVMMU_RMAP_DESC_SPTES	14

/*
 * A chain longer than this is zapped instead of grown: a walk of it
 * (every invalidation of the gfn) would cost more than refaulting.
 */
#define KVMMU_RMAP_RECYCLE_THRESHOLD	1000

/**
 * struct kvmmu_rmap_desc - one link of a chain
 * @sptes: the spte pointers; [0, @spte_count) are valid
 * @spte_count: entries used in this descriptor
 * @tail_count: entries in all the descriptors after this one, all full
 * @more: the next descriptor, or NULL
 *
 * 14 entries make the descriptor 128 bytes.
 */
struct kvmmu_rmap_desc {
	u64 *sptes[KVMMU_RMAP_DESC_SPTES];
	u32 spte_count;
	u32 tail_count;
	struct kvmmu_rmap_desc *more;
};

/**
 * struct kvmmu_rmap_iter - a walk over one chain
 * @head: the chain's head word
 * @head_val: *@head when @desc and @pos were derived
 * @desc: the descriptor of the current entry (NULL: single-pointer form)
 * @pos: the current entry's index in @desc
 * @left: entries not yet visited, the current one included
 * @count: the chain's length when the current entry was reached
 *
 *	for (sptep = kvmmu_rmap_iter_first(vm, &iter, head); sptep;
 *	     sptep = kvmmu_rmap_iter_next(vm, &iter))
 *
 * The walk visits every entry exactly once even if the loop body removes
 * the entry being visited (kvmmu_rmap_remove()); it must remove no other
 * entry of the same chain.  Entries are visited last-added first.
 */
struct kvmmu_rmap_iter {
	unsigned long *head;
	unsigned long head_val;
	struct kvmmu_rmap_desc *desc;
	int pos;
	u32 left;
	u32 count;
};

int kvmmu_rmap_init(void);
void kvmmu_rmap_exit(void);
struct kmem_cache *kvmmu_rmap_desc_cache(void);

int kvmmu_rmap_add(struct kvmmu_vm *vm, unsigned long *head, u64 *sptep,
		   struct kvmmu_obj_cache *cache);
bool kvmmu_rmap_remove(struct kvmmu_vm *vm, unsigned long *head, u64 *sptep);
unsigned int kvmmu_rmap_count(const unsigned long *head);
void kvmmu_rmap_destroy(unsigned long *head);

u64 *kvmmu_rmap_iter_first(struct kvmmu_vm *vm, struct kvmmu_rmap_iter *iter,
			   unsigned long *head);
u64 *kvmmu_rmap_iter_next(struct kvmmu_vm *vm, struct kvmmu_rmap_iter *iter);

#endif /* _KVMMU_RMAP_H */
