// SPDX-License-Identifier: GPL-2.0
/*
 * Reverse-map chains: the set of sptes that map one gfn at one level, in
 * the head-word encoding include/kvmmu/rmap.h describes.
 *
 * Entries are numbered logically: the oldest descriptor (the last of the
 * chain, @tail_count 0) holds 0..13, the next one 14..27, and the first
 * descriptor [@tail_count, @tail_count + @spte_count).  Adding appends at
 * the logical end, removal moves the logical last entry into the hole, so
 * the numbering stays dense, and a walk from the logical end down to 0
 * survives the removal of the entry it is at: the entry moved into the
 * hole has already been visited.
 */
#include <linux/bug.h>
#include <linux/lockdep.h>
#include <linux/slab.h>

#include "kvmmu/mmu.h"
#include "kvmmu/rmap.h"
#include "kvmmu/rmap_internal.h"
#include "kvmmu/vm.h"

/* Bit 0 of a head word: the rest points to a descriptor, not to an spte. */
#define RMAP_DESC_BIT	1UL

static struct kmem_cache *rmap_desc_cache;

int kvmmu_rmap_init(void)
{
	rmap_desc_cache = kmem_cache_create("kvmmu_rmap_desc",
					    sizeof(struct kvmmu_rmap_desc),
					    __alignof__(struct kvmmu_rmap_desc),
					    SLAB_ACCOUNT, NULL);
	return rmap_desc_cache ? 0 : -ENOMEM;
}

void kvmmu_rmap_exit(void)
{
	kmem_cache_destroy(rmap_desc_cache);
	rmap_desc_cache = NULL;
}

/* Where vCPUs' object caches get descriptors from (their ->kc). */
struct kmem_cache *kvmmu_rmap_desc_cache(void)
{
	return rmap_desc_cache;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_rmap_desc_cache);

static bool rmap_is_desc(unsigned long val)
{
	return val & RMAP_DESC_BIT;
}

static struct kvmmu_rmap_desc *rmap_desc(unsigned long val)
{
	return (struct kvmmu_rmap_desc *)(val & ~RMAP_DESC_BIT);
}

static unsigned long rmap_desc_val(struct kvmmu_rmap_desc *desc)
{
	return (unsigned long)desc | RMAP_DESC_BIT;
}

static void rmap_desc_free(struct kvmmu_rmap_desc *desc)
{
	kmem_cache_free(rmap_desc_cache, desc);
}

/**
 * kvmmu_rmap_add() - add an spte to a gfn's chain
 * @vm: the VM, mmu_lock held (asserted); reported bugged on a misaligned
 *	@sptep
 * @head: the gfn's head word
 * @sptep: the spte; 8-byte aligned, not already in the chain
 * @cache: where a descriptor comes from if one is needed; topped up
 *
 * O(1): the second entry turns the single pointer into a descriptor, and
 * a full first descriptor gets a new one prepended, so only the first can
 * have room.
 *
 * Return: the chain's new length, -ENOMEM if a descriptor was needed and
 * @cache had none, -EINVAL if @sptep cannot be encoded; on error nothing
 * changed.
 */
int kvmmu_rmap_add(struct kvmmu_vm *vm, unsigned long *head, u64 *sptep,
		   struct kvmmu_obj_cache *cache)
{
	unsigned long val;
	struct kvmmu_rmap_desc *desc, *new;

	lockdep_assert_held(&vm->mmu_lock);
	val = *head;
	/* Bit 0 tells a descriptor from an spte; 0 is the empty chain. */
	if (kvmmu_bug_on(!sptep || !IS_ALIGNED((unsigned long)sptep,
					       sizeof(u64)), vm))
		return -EINVAL;

	if (!val) {
		*head = (unsigned long)sptep;
		return 1;
	}

	if (!rmap_is_desc(val)) {
		new = kvmmu_obj_cache_alloc(cache);
		if (!new)
			return -ENOMEM;
		/* The older entry keeps logical index 0. */
		new->sptes[0] = (u64 *)val;
		new->sptes[1] = sptep;
		new->spte_count = 2;
		new->tail_count = 0;
		new->more = NULL;
		*head = rmap_desc_val(new);
		return 2;
	}

	desc = rmap_desc(val);
	if (desc->spte_count == KVMMU_RMAP_DESC_SPTES) {
		new = kvmmu_obj_cache_alloc(cache);
		if (!new)
			return -ENOMEM;
		new->spte_count = 0;
		new->tail_count = desc->tail_count + desc->spte_count;
		new->more = desc;
		*head = rmap_desc_val(new);
		desc = new;
	}
	desc->sptes[desc->spte_count++] = sptep;
	return desc->tail_count + desc->spte_count;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_rmap_add);

/*
 * Remove the entry at @desc->sptes[@i] from the chain whose first
 * descriptor is @first: fill the hole with the logical last entry, free
 * @first if that emptied it, and go back to the single-pointer form if one
 * entry is left.
 */
static void rmap_remove_at(unsigned long *head, struct kvmmu_rmap_desc *first,
			   struct kvmmu_rmap_desc *desc, unsigned int i)
{
	u32 last = --first->spte_count;

	desc->sptes[i] = first->sptes[last];
	first->sptes[last] = NULL;

	if (!first->spte_count) {
		/*
		 * The next descriptor is full: at least 14 entries stay.
		 * No next one would mean a one-entry chain that was not
		 * collapsed; it is empty now either way.
		 */
		*head = first->more ? rmap_desc_val(first->more) : 0;
		rmap_desc_free(first);
	} else if (first->spte_count == 1 && !first->more) {
		*head = (unsigned long)first->sptes[0];
		rmap_desc_free(first);
	}
}

/**
 * __kvmmu_rmap_remove() - kvmmu_rmap_remove() without the report or the
 *	lock assertion
 * @head: the gfn's head word, under mmu_lock
 * @sptep: the spte to remove
 *
 * The search starts at the newest entries: the sptes a gfn gained last
 * are the likeliest to go first (a zap of the page table just built).
 *
 * Return: true if @sptep was in the chain and is no longer; false, and
 * nothing changed, if it was not.
 */
VISIBLE_IF_KUNIT bool __kvmmu_rmap_remove(unsigned long *head, u64 *sptep)
{
	unsigned long val = *head;
	struct kvmmu_rmap_desc *first, *desc;
	unsigned int i;

	if (!val || !sptep)
		return false;

	if (!rmap_is_desc(val)) {
		if ((u64 *)val != sptep)
			return false;
		*head = 0;
		return true;
	}

	first = rmap_desc(val);
	for (desc = first; desc; desc = desc->more) {
		for (i = 0; i < desc->spte_count; i++) {
			if (desc->sptes[i] == sptep) {
				rmap_remove_at(head, first, desc, i);
				return true;
			}
		}
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(__kvmmu_rmap_remove);

/**
 * kvmmu_rmap_remove() - remove an spte from a gfn's chain
 * @vm: the VM, mmu_lock held (asserted); reported bugged if @sptep is not
 *	in the chain
 * @head: the gfn's head word
 * @sptep: the spte to remove
 *
 * An spte missing from its gfn's chain means the rmap and the page tables
 * disagree: the VM is bugged, but the chain is left as it was rather than
 * guessed at.
 *
 * Return: true if @sptep was removed, false if it was not in the chain.
 */
bool kvmmu_rmap_remove(struct kvmmu_vm *vm, unsigned long *head, u64 *sptep)
{
	lockdep_assert_held(&vm->mmu_lock);
	return !kvmmu_bug_on(!__kvmmu_rmap_remove(head, sptep), vm);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_rmap_remove);

/* The length of the chain at @head, in O(1). */
unsigned int kvmmu_rmap_count(const unsigned long *head)
{
	unsigned long val = *head;
	struct kvmmu_rmap_desc *desc;

	if (!rmap_is_desc(val))
		return val ? 1 : 0;
	desc = rmap_desc(val);
	return desc->tail_count + desc->spte_count;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_rmap_count);

/*
 * Free every descriptor of the chain at @head and empty it, without
 * looking at the sptes: for tearing down a VM, bugged ones included.
 */
void kvmmu_rmap_destroy(unsigned long *head)
{
	unsigned long val = *head;
	struct kvmmu_rmap_desc *desc, *next;

	*head = 0;
	if (!rmap_is_desc(val))
		return;
	for (desc = rmap_desc(val); desc; desc = next) {
		next = desc->more;
		rmap_desc_free(desc);
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_rmap_destroy);

/*
 * Point @iter at logical entry @idx (< the chain's length) of the chain
 * whose head word is @val, walking from the first descriptor: needed when
 * the first descriptor changed under the walk (freed, or the chain
 * collapsed to a single pointer).
 */
static u64 *rmap_iter_seek(struct kvmmu_rmap_iter *iter, unsigned long val,
			   u32 idx)
{
	struct kvmmu_rmap_desc *desc;

	iter->head_val = val;
	if (!rmap_is_desc(val)) {
		iter->desc = NULL;
		iter->pos = 0;
		return (u64 *)val;
	}
	desc = rmap_desc(val);
	while (idx < desc->tail_count)
		desc = desc->more;
	iter->desc = desc;
	iter->pos = idx - desc->tail_count;
	return desc->sptes[iter->pos];
}

/**
 * kvmmu_rmap_iter_first() - start a walk over a chain
 * @vm: the VM, mmu_lock held (asserted) for the whole walk
 * @iter: the walk's state
 * @head: the gfn's head word
 *
 * Return: the newest spte of the chain, or NULL if it is empty.
 */
u64 *kvmmu_rmap_iter_first(struct kvmmu_vm *vm, struct kvmmu_rmap_iter *iter,
			   unsigned long *head)
{
	unsigned long val;

	lockdep_assert_held(&vm->mmu_lock);
	val = *head;
	iter->head = head;
	iter->count = kvmmu_rmap_count(head);
	iter->left = iter->count;
	if (!val) {
		iter->head_val = 0;
		iter->desc = NULL;
		iter->pos = 0;
		return NULL;
	}
	return rmap_iter_seek(iter, val, iter->count - 1);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_rmap_iter_first);

/**
 * __kvmmu_rmap_iter_next() - kvmmu_rmap_iter_next() without the report or
 *	the lock assertion
 * @iter: the walk's state
 * @misuse: set if the chain changed by more than the removal of the
 *	current entry; the walk then ends
 *
 * The current entry has logical index @iter->left - 1; the next one is
 * the index below.  Entries below the current one do not move when it is
 * removed (only the logical last one does, into the hole), so the walk
 * steps down within the descriptors it was in, unless the first
 * descriptor was freed or the chain collapsed, which change the head
 * word: then it seeks the index again from the head.
 *
 * Return: the next spte, or NULL at the end of the walk.
 */
VISIBLE_IF_KUNIT u64 *__kvmmu_rmap_iter_next(struct kvmmu_rmap_iter *iter,
					     bool *misuse)
{
	u32 now = kvmmu_rmap_count(iter->head);
	unsigned long val;

	*misuse = false;
	if (!iter->left)
		return NULL;

	/* Only "current entry removed" or "nothing" keep the numbering. */
	if (now != iter->count && now + 1 != iter->count) {
		*misuse = true;
		iter->left = 0;
		return NULL;
	}
	iter->count = now;
	if (!--iter->left)
		return NULL;

	val = *iter->head;
	if (val != iter->head_val)
		return rmap_iter_seek(iter, val, iter->left - 1);

	/* Same first descriptor: @iter->desc is still live, older ones full. */
	if (--iter->pos < 0) {
		iter->desc = iter->desc->more;
		iter->pos = KVMMU_RMAP_DESC_SPTES - 1;
	}
	return iter->desc->sptes[iter->pos];
}
EXPORT_SYMBOL_IF_KUNIT(__kvmmu_rmap_iter_next);

/**
 * kvmmu_rmap_iter_next() - the next entry of a walk
 * @vm: the VM, mmu_lock held (asserted); reported bugged if the walk's body
 *	broke its contract
 * @iter: the walk's state
 *
 * The body of the walk may remove the entry it was given, and no other:
 * anything else could make the walk skip or repeat entries.  The part of
 * that a count can tell is checked; the walk ends early then.
 *
 * Return: the next spte, or NULL at the end of the walk.
 */
u64 *kvmmu_rmap_iter_next(struct kvmmu_vm *vm, struct kvmmu_rmap_iter *iter)
{
	bool misuse;
	u64 *sptep;

	lockdep_assert_held(&vm->mmu_lock);
	sptep = __kvmmu_rmap_iter_next(iter, &misuse);
	kvmmu_bug_on(misuse, vm);
	return sptep;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_rmap_iter_next);
