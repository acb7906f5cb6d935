// SPDX-License-Identifier: GPL-2.0
/*
 * Memslots: validation, lookup and SRCU-published updates of the
 * guest-physical memory layout.
 *
 * A change is made in the inactive set, published with rcu_assign_pointer()
 * and synchronize_srcu_expedited(), then replayed in the set that was
 * active until then.  Deleting or moving a slot goes through an INVALID
 * copy: first the copy replaces the slot in what readers see, so no new
 * mapping can be made through it, then the MMU zaps what the slot mapped,
 * and only then does the final layout get published.
 */
#include <linux/interval_tree_generic.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "kvmmu/memslots.h"

#define HVA_START(node)	((node)->start)
#define HVA_LAST(node)	((node)->last)
INTERVAL_TREE_DEFINE(struct kvmmu_hva_node, rb, unsigned long, subtree_last,
		     HVA_START, HVA_LAST, static, kvmmu_hva_tree)

/* Heads a slot has at @level: one per frame of that size it touches. */
static unsigned long
kvmmu_memslot_rmap_heads(const struct kvmmu_memory_slot *slot, int level)
{
	unsigned int shift = kvmmu_level_shift(level);

	return ((slot->base_gfn + slot->npages - 1) >> shift) -
	       (slot->base_gfn >> shift) + 1;
}

/*
 * The MMU empties a slot's chains before the slot goes (flush_slot), but
 * not necessarily a VM that went bugged half way: free what is left.
 */
static void kvmmu_memslot_free_rmap(struct kvmmu_memory_slot *slot,
				    void (*destroy)(unsigned long *head))
{
	unsigned long i, n;
	int level;

	for (level = 1; level <= KVMMU_MAX_RMAP_LEVELS; level++) {
		unsigned long *heads = slot->rmap[level - 1];

		if (!heads)
			continue;
		n = kvmmu_memslot_rmap_heads(slot, level);
		for (i = 0; destroy && i < n; i++)
			if (heads[i])
				destroy(&heads[i]);
		kvfree(heads);
		slot->rmap[level - 1] = NULL;
	}
}

/* A slot and what only it owns: its rmaps. */
static void kvmmu_memslot_free(struct kvmmu_memslot_space *sp,
			       struct kvmmu_memory_slot *slot)
{
	if (slot)
		kvmmu_memslot_free_rmap(slot, sp->rmap_destroy);
	kfree(slot);
}

/*
 * One rmap head per frame, zeroed.  kvmalloc() refuses (with a WARN)
 * arrays over INT_MAX bytes, which a slot of 2^31 - 1 pages needs: those
 * come from vmalloc.  Failing is ENOMEM for the caller, not a splat.
 */
static unsigned long *kvmmu_memslot_rmap_array(unsigned long n)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;

	if (n <= INT_MAX / sizeof(unsigned long))
		return kvcalloc(n, sizeof(unsigned long), gfp);
	return __vcalloc(n, sizeof(unsigned long), gfp);
}

static int kvmmu_memslot_alloc_rmap(struct kvmmu_memslot_space *sp,
				    struct kvmmu_memory_slot *slot)
{
	int level;

	for (level = 1; level <= sp->rmap_levels; level++) {
		unsigned long n = kvmmu_memslot_rmap_heads(slot, level);

		slot->rmap[level - 1] = kvmmu_memslot_rmap_array(n);
		if (!slot->rmap[level - 1]) {
			kvmmu_memslot_free_rmap(slot, NULL);
			return -ENOMEM;
		}
	}
	return 0;
}

void kvmmu_memslot_space_init(struct kvmmu_memslot_space *sp,
			      struct srcu_struct *srcu, struct mutex *lock,
			      u16 as_id)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(sp->sets); i++) {
		struct kvmmu_memslots *slots = &sp->sets[i];

		slots->generation = 0;
		slots->nr_pages = 0;
		slots->gfn_tree = RB_ROOT;
		slots->hva_tree = RB_ROOT_CACHED;
		hash_init(slots->id_hash);
		slots->node_idx = i;
	}
	sp->srcu = srcu;
	sp->lock = lock;
	sp->as_id = as_id;
	sp->rmap_levels = 0;
	sp->rmap_destroy = NULL;
	RCU_INIT_POINTER(sp->active, &sp->sets[0]);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_memslot_space_init);

/**
 * kvmmu_memslot_space_destroy() - free every slot of @sp
 * @sp: the address space, with no reader and no change in flight
 *
 * Between changes both sets hold the same slot structures, so freeing
 * the slots of the active set frees them all.
 */
void kvmmu_memslot_space_destroy(struct kvmmu_memslot_space *sp)
{
	struct kvmmu_memslots *slots = rcu_dereference_protected(sp->active, 1);
	struct kvmmu_memory_slot *slot;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(slots->id_hash, bkt, tmp, slot,
			   id_node[slots->node_idx])
		kvmmu_memslot_free(sp, slot);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_memslot_space_destroy);

/**
 * kvmmu_check_memory_region() - the checks that need no VM state
 * @mem: the region userspace asked for
 * @readonly_ok: whether the VM's backend can honour KVMMU_MEM_READONLY
 *
 * In the order of KVM_SET_USER_MEMORY_REGION's errno table: the first
 * failing check decides.
 *
 * Return: 0 or -EINVAL.
 */
int kvmmu_check_memory_region(const struct kvmmu_userspace_memory_region *mem,
			      bool readonly_ok)
{
	u32 valid = KVMMU_MEM_LOG_DIRTY_PAGES;
	u16 as_id = mem->slot >> 16;
	u16 id = mem->slot;

	if (readonly_ok)
		valid |= KVMMU_MEM_READONLY;
	if (as_id >= KVMMU_ADDRESS_SPACE_NUM || id >= KVMMU_USER_MEM_SLOTS)
		return -EINVAL;
	if (mem->flags & ~valid)
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->memory_size) ||
	    !PAGE_ALIGNED(mem->guest_phys_addr))
		return -EINVAL;
	/* The hva range must be user memory, and must not wrap. */
	if (!PAGE_ALIGNED(mem->userspace_addr) ||
	    mem->userspace_addr != untagged_addr(mem->userspace_addr) ||
	    !access_ok(u64_to_user_ptr(mem->userspace_addr), mem->memory_size))
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > KVMMU_MEM_MAX_NR_PAGES)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_check_memory_region);

static struct kvmmu_memslots *
kvmmu_inactive_memslots(struct kvmmu_memslot_space *sp)
{
	struct kvmmu_memslots *active;

	active = rcu_dereference_protected(sp->active, lockdep_is_held(sp->lock));
	return active == &sp->sets[0] ? &sp->sets[1] : &sp->sets[0];
}

/**
 * __kvmmu_gfn_to_memslot() - the slot whose gfn range holds @gfn
 * @slots: a set obtained from kvmmu_memslots()
 * @gfn: the guest frame
 *
 * INVALID slots included: what tearing a mapping down needs (its rmap),
 * where kvmmu_gfn_to_memslot() is what making one needs.
 *
 * Return: the slot or NULL.
 */
struct kvmmu_memory_slot *__kvmmu_gfn_to_memslot(struct kvmmu_memslots *slots,
						 u64 gfn)
{
	struct rb_node *node = slots->gfn_tree.rb_node;
	int idx = slots->node_idx;

	while (node) {
		struct kvmmu_memory_slot *slot =
			container_of(node, struct kvmmu_memory_slot, gfn_node[idx]);

		if (gfn < slot->base_gfn)
			node = node->rb_left;
		else if (gfn >= slot->base_gfn + slot->npages)
			node = node->rb_right;
		else
			return slot;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(__kvmmu_gfn_to_memslot);

/**
 * kvmmu_gfn_to_memslot() - the slot new mappings of @gfn go through
 * @slots: a set obtained from kvmmu_memslots()
 * @gfn: the guest frame
 *
 * Return: the slot, or NULL if no valid slot holds @gfn.
 */
struct kvmmu_memory_slot *kvmmu_gfn_to_memslot(struct kvmmu_memslots *slots,
					       u64 gfn)
{
	struct kvmmu_memory_slot *slot = __kvmmu_gfn_to_memslot(slots, gfn);

	if (slot && (slot->flags & KVMMU_MEMSLOT_INVALID))
		return NULL;
	return slot;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_gfn_to_memslot);

struct kvmmu_memory_slot *kvmmu_id_to_memslot(struct kvmmu_memslots *slots,
					      u16 id)
{
	struct kvmmu_memory_slot *slot;
	int idx = slots->node_idx;

	hash_for_each_possible(slots->id_hash, slot, id_node[idx], id)
		if (slot->id == id)
			return slot;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_id_to_memslot);

/**
 * kvmmu_memslot_hva_first() - first slot whose hva range meets [start, last]
 * @slots: a set obtained from kvmmu_memslots()
 * @start: first hva
 * @last: last hva (inclusive)
 *
 * With kvmmu_memslot_hva_next(), visits every slot mapping part of the
 * range, INVALID ones included: several slots may alias one hva.
 *
 * Return: a slot, or NULL.
 */
struct kvmmu_memory_slot *kvmmu_memslot_hva_first(struct kvmmu_memslots *slots,
						  unsigned long start,
						  unsigned long last)
{
	int idx = slots->node_idx;
	struct kvmmu_hva_node *node;

	node = kvmmu_hva_tree_iter_first(&slots->hva_tree, start, last);
	return node ? container_of(node, struct kvmmu_memory_slot,
				   hva_node[idx]) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_memslot_hva_first);

struct kvmmu_memory_slot *kvmmu_memslot_hva_next(struct kvmmu_memslots *slots,
						 struct kvmmu_memory_slot *slot,
						 unsigned long start,
						 unsigned long last)
{
	int idx = slots->node_idx;
	struct kvmmu_hva_node *node;

	node = kvmmu_hva_tree_iter_next(&slot->hva_node[idx], start, last);
	return node ? container_of(node, struct kvmmu_memory_slot,
				   hva_node[idx]) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_memslot_hva_next);

/* Does [gfn, gfn + npages) overlap a slot other than @id? */
static bool kvmmu_memslot_overlaps(struct kvmmu_memslots *slots, u64 gfn,
				   u64 npages, u16 id)
{
	struct rb_node *node = slots->gfn_tree.rb_node, *below = NULL;
	int idx = slots->node_idx;
	u64 end = gfn + npages;

	/* Find the slot with the highest base below @end... */
	while (node) {
		struct kvmmu_memory_slot *slot =
			container_of(node, struct kvmmu_memory_slot, gfn_node[idx]);

		if (slot->base_gfn < end) {
			below = node;
			node = node->rb_right;
		} else {
			node = node->rb_left;
		}
	}
	/* ...and walk down: slots are disjoint, so their ends are ordered. */
	for (node = below; node; node = rb_prev(node)) {
		struct kvmmu_memory_slot *slot =
			container_of(node, struct kvmmu_memory_slot, gfn_node[idx]);

		if (slot->base_gfn + slot->npages <= gfn)
			return false;
		if (slot->id != id)
			return true;
	}
	return false;
}

static void kvmmu_gfn_tree_insert(struct kvmmu_memslots *slots,
				  struct kvmmu_memory_slot *new)
{
	struct rb_node **link = &slots->gfn_tree.rb_node, *parent = NULL;
	int idx = slots->node_idx;

	while (*link) {
		struct kvmmu_memory_slot *slot =
			container_of(*link, struct kvmmu_memory_slot, gfn_node[idx]);

		parent = *link;
		link = new->base_gfn < slot->base_gfn ? &parent->rb_left :
							 &parent->rb_right;
	}
	rb_link_node(&new->gfn_node[idx], parent, link);
	rb_insert_color(&new->gfn_node[idx], &slots->gfn_tree);
}

/* Replace @old by @new (either may be NULL) in the inactive set. */
static void kvmmu_replace_memslot(struct kvmmu_memslot_space *sp,
				  struct kvmmu_memory_slot *old,
				  struct kvmmu_memory_slot *new)
{
	struct kvmmu_memslots *slots = kvmmu_inactive_memslots(sp);
	int idx = slots->node_idx;

	if (old) {
		hash_del(&old->id_node[idx]);
		kvmmu_hva_tree_remove(&old->hva_node[idx], &slots->hva_tree);
		slots->nr_pages -= old->npages;
		if (!new || new->base_gfn != old->base_gfn)
			rb_erase(&old->gfn_node[idx], &slots->gfn_tree);
		else
			rb_replace_node(&old->gfn_node[idx], &new->gfn_node[idx],
					&slots->gfn_tree);
	}
	if (!new)
		return;
	hash_add(slots->id_hash, &new->id_node[idx], new->id);
	new->hva_node[idx].start = new->userspace_addr;
	new->hva_node[idx].last = new->userspace_addr +
				  (new->npages << PAGE_SHIFT) - 1;
	kvmmu_hva_tree_insert(&new->hva_node[idx], &slots->hva_tree);
	slots->nr_pages += new->npages;
	if (!old || new->base_gfn != old->base_gfn)
		kvmmu_gfn_tree_insert(slots, new);
}

/* Publish the inactive set and wait until nobody reads the other one. */
static void kvmmu_swap_active_memslots(struct kvmmu_memslot_space *sp,
				       const struct kvmmu_memslot_hooks *hooks)
{
	struct kvmmu_memslots *next = kvmmu_inactive_memslots(sp);
	struct kvmmu_memslots *cur;

	cur = rcu_dereference_protected(sp->active, lockdep_is_held(sp->lock));
	next->generation = cur->generation + 1;
	if (hooks && hooks->publish_begin)
		hooks->publish_begin(hooks->ctx);
	rcu_assign_pointer(sp->active, next);
	if (hooks && hooks->publish_end)
		hooks->publish_end(hooks->ctx);
	synchronize_srcu_expedited(sp->srcu);
}

/* Change @old into @new in both sets; one swap, readers never see a gap. */
static void kvmmu_activate_memslot(struct kvmmu_memslot_space *sp,
				   struct kvmmu_memory_slot *old,
				   struct kvmmu_memory_slot *new,
				   const struct kvmmu_memslot_hooks *hooks)
{
	kvmmu_replace_memslot(sp, old, new);
	kvmmu_swap_active_memslots(sp, hooks);
	kvmmu_replace_memslot(sp, old, new);
}

/*
 * First step of delete and move: publish @invalid in place of @old, then
 * have the MMU zap what @old mapped.  Afterwards the inactive set still
 * holds @old and the active one @invalid.
 */
static void kvmmu_invalidate_memslot(struct kvmmu_memslot_space *sp,
				     struct kvmmu_memory_slot *old,
				     struct kvmmu_memory_slot *invalid,
				     const struct kvmmu_memslot_hooks *hooks)
{
	*invalid = *old;
	invalid->flags |= KVMMU_MEMSLOT_INVALID;
	kvmmu_replace_memslot(sp, old, invalid);
	kvmmu_swap_active_memslots(sp, hooks);
	if (hooks && hooks->flush_slot)
		hooks->flush_slot(hooks->ctx, old);
}

/**
 * kvmmu_set_memory_region() - create, delete, move or re-flag a slot
 * @sp: the address space (@mem->slot's high half, already checked)
 * @mem: the region, already through kvmmu_check_memory_region()
 * @hooks: how to zap a deleted or moved slot's mappings (may be NULL)
 *
 * Caller holds @sp->lock.  On any error nothing has changed.
 *
 * Return: 0; -EINVAL to delete a slot that does not exist or to change a
 * slot's hva, size or READONLY flag; -EEXIST if the gfn range overlaps
 * another slot; -ENOMEM.
 */
int kvmmu_set_memory_region(struct kvmmu_memslot_space *sp,
			    const struct kvmmu_userspace_memory_region *mem,
			    const struct kvmmu_memslot_hooks *hooks)
{
	struct kvmmu_memory_slot *old, *new = NULL, *invalid = NULL;
	u64 npages = mem->memory_size >> PAGE_SHIFT;
	u64 base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	struct kvmmu_memslots *slots;
	u16 id = mem->slot;

	lockdep_assert_held(sp->lock);
	slots = kvmmu_memslots(sp);
	old = kvmmu_id_to_memslot(slots, id);

	if (!npages) {
		if (!old)
			return -EINVAL;
		invalid = kzalloc(sizeof(*invalid), GFP_KERNEL_ACCOUNT);
		if (!invalid)
			return -ENOMEM;
		kvmmu_invalidate_memslot(sp, old, invalid, hooks);
		kvmmu_replace_memslot(sp, old, NULL);
		kvmmu_swap_active_memslots(sp, hooks);
		kvmmu_replace_memslot(sp, invalid, NULL);
		kvmmu_memslot_free(sp, old);
		kfree(invalid);
		return 0;
	}

	if (old) {
		if (mem->userspace_addr != old->userspace_addr ||
		    npages != old->npages ||
		    (mem->flags ^ old->flags) & KVMMU_MEM_READONLY)
			return -EINVAL;
		if (base_gfn == old->base_gfn && mem->flags == old->flags)
			return 0;
	} else if (slots->nr_pages + npages < slots->nr_pages) {
		return -EINVAL;
	}
	if ((!old || base_gfn != old->base_gfn) &&
	    kvmmu_memslot_overlaps(slots, base_gfn, npages, id))
		return -EEXIST;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (old && base_gfn != old->base_gfn)
		invalid = kzalloc(sizeof(*invalid), GFP_KERNEL_ACCOUNT);
	if (!new || (old && base_gfn != old->base_gfn && !invalid)) {
		kfree(new);
		kfree(invalid);
		return -ENOMEM;
	}
	new->base_gfn = base_gfn;
	new->npages = npages;
	new->userspace_addr = mem->userspace_addr;
	new->flags = mem->flags;
	new->id = id;
	new->as_id = sp->as_id;
	if (old && base_gfn == old->base_gfn) {
		/* Flags only: the same frames, the same rmaps. */
		memcpy(new->rmap, old->rmap, sizeof(new->rmap));
	} else if (kvmmu_memslot_alloc_rmap(sp, new)) {
		kfree(new);
		kfree(invalid);
		return -ENOMEM;
	}

	if (invalid) {
		/* Move: zap through the INVALID copy, then publish @new. */
		kvmmu_invalidate_memslot(sp, old, invalid, hooks);
		kvmmu_replace_memslot(sp, old, new);
		kvmmu_swap_active_memslots(sp, hooks);
		kvmmu_replace_memslot(sp, invalid, new);
		kfree(invalid);
		kvmmu_memslot_free(sp, old);
	} else {
		/* Create, or a flags-only change: nothing to zap. */
		kvmmu_activate_memslot(sp, old, new, hooks);
		kfree(old);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_set_memory_region);
