// SPDX-License-Identifier: GPL-2.0
/*
 * The radix-table walker (include/kvmmu/walk.h): the iterator, the
 * setters that keep per-table present counts, and the table operations of
 * the radix formats built on them.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>

#include "kvmmu/walk.h"

static void radix_table_count(u64 *table, long delta)
{
	struct page *page = virt_to_page(table);

	set_page_private(page, page_private(page) + delta);
}

static bool radix_table_empty(u64 *table)
{
	return !page_private(virt_to_page(table));
}

/*
 * Only walks under mmu_lock exist, so nobody can be inside a table once
 * it is unlinked.  A read-locked walk would free it after a grace period
 * instead (call_rcu() on the page), see Documentation/design.rst.
 */
static void radix_free_table(struct kvmmu_vm *vm, u64 *table)
{
	struct page *page = virt_to_page(table);

	set_page_private(page, 0);
	__free_page(page);
	atomic64_dec(&vm->stat.table_pages);
	atomic64_inc(&vm->stat.tables_freed);
}

static u64 *radix_table(const struct kvmmu_radix_iter *iter, u64 entry)
{
	return pfn_to_kaddr(kvmmu_radix_pfn(iter->rt->ops, entry));
}

/* Point at the entry of the current level that maps @iter->next_gfn. */
static void radix_iter_refresh(struct kvmmu_radix_iter *iter)
{
	iter->gfn = round_down(iter->next_gfn, kvmmu_radix_span(iter->level));
	iter->ptep = &iter->tables[iter->level]
				[kvmmu_radix_index(iter->gfn, iter->level)];
	iter->old = READ_ONCE(*iter->ptep);
}

static void radix_iter_restart(struct kvmmu_radix_iter *iter)
{
	iter->level = KVMMU_RADIX_LEVELS;
	iter->tables[iter->level] = iter->rt->root;
	radix_iter_refresh(iter);
}

static bool radix_try_step_down(struct kvmmu_radix_iter *iter)
{
	if (iter->level <= iter->min_level ||
	    !kvmmu_radix_present(iter->rt->ops, iter->old))
		return false;
	iter->tables[iter->level - 1] = radix_table(iter, iter->old);
	iter->level--;
	radix_iter_refresh(iter);
	return true;
}

static bool radix_try_step_side(struct kvmmu_radix_iter *iter)
{
	if (kvmmu_radix_index(iter->gfn, iter->level) ==
	    KVMMU_RADIX_ENTRIES - 1)
		return false;
	iter->gfn += kvmmu_radix_span(iter->level);
	iter->next_gfn = iter->gfn;
	iter->ptep++;
	iter->old = READ_ONCE(*iter->ptep);
	return true;
}

/*
 * Leave the current table for the entry that points at it.  This is
 * where a zap frees a table it emptied: every entry the walk meant to
 * visit in it has been visited.
 */
static bool radix_try_step_up(struct kvmmu_radix_iter *iter)
{
	u64 *table = iter->tables[iter->level];

	if (iter->level == KVMMU_RADIX_LEVELS)
		return false;
	iter->level++;
	iter->gfn = round_down(iter->gfn, kvmmu_radix_span(iter->level));
	iter->ptep = &iter->tables[iter->level]
				[kvmmu_radix_index(iter->gfn, iter->level)];
	if ((iter->flags & KVMMU_WALK_FREE_EMPTY) && radix_table_empty(table)) {
		WRITE_ONCE(*iter->ptep, 0);
		radix_table_count(iter->tables[iter->level], -1);
		radix_free_table(iter->vm, table);
	}
	iter->old = READ_ONCE(*iter->ptep);
	return true;
}

/*
 * Flush what the walk changed so far, before mmu_lock is let go.  The
 * walk resumes at @iter->next_gfn, so whatever it changes later lies at
 * or after it.
 */
static void radix_iter_flush(struct kvmmu_radix_iter *iter)
{
	const struct kvmmu_radix_ops *ops = iter->rt->ops;

	if (!iter->flush_pending)
		return;
	if (ops->flush_gfns)
		ops->flush_gfns(iter->vm, iter->flush_start,
				iter->gfn + kvmmu_radix_span(iter->level));
	kvmmu_flush_remote_tlbs(iter->vm);
	iter->flush_pending = false;
	iter->flush_start = iter->next_gfn;
}

/*
 * The walk may drop mmu_lock here, between two entries, when its caller
 * allows it, someone else wants the lock or the CPU, or it has held the
 * lock for a batch of entries; and only once it has moved past the place
 * it last dropped it, so that it always makes progress.
 */
static bool radix_iter_cond_resched(struct kvmmu_radix_iter *iter)
{
	if (!(iter->flags & KVMMU_WALK_MAY_BLOCK) ||
	    iter->gfn <= iter->yielded_gfn ||
	    !kvmmu_mmu_should_yield(iter->vm, iter->visited))
		return false;
	radix_iter_flush(iter);
	kvmmu_mmu_yield(iter->vm);
	iter->yielded_gfn = iter->gfn;
	iter->visited = 0;
	/*
	 * The tables on the way may be gone: walk down again from the root,
	 * to @next_gfn, which lies in the current entry and in the range
	 * (the entry's first gfn may not be, on the way down to the start).
	 */
	radix_iter_restart(iter);
	return true;
}

/**
 * kvmmu_radix_iter_start() - begin a walk (see for_each_radix_pte())
 * @iter: the iterator
 * @vm: the VM, mmu_lock held
 * @rt: the table
 * @start: first gfn
 * @end: end gfn, exclusive
 * @min_level: the walk does not step below tables of this level
 * @flags: KVMMU_WALK_*
 *
 * Return: @iter.
 */
struct kvmmu_radix_iter *
kvmmu_radix_iter_start(struct kvmmu_radix_iter *iter, struct kvmmu_vm *vm,
		       struct kvmmu_radix *rt, u64 start, u64 end,
		       int min_level, unsigned int flags)
{
	lockdep_assert_held(&vm->mmu_lock);
	*iter = (struct kvmmu_radix_iter) {
		.vm = vm,
		.rt = rt,
		.next_gfn = start,
		.end = end,
		.min_level = min_level,
		.flags = flags,
		.flush_start = start,
	};
	if (kvmmu_bug_on(min_level < 1 || min_level > KVMMU_RADIX_LEVELS, vm))
		return iter;
	radix_iter_restart(iter);
	iter->yielded_gfn = iter->gfn;
	iter->valid = start < end;
	return iter;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_radix_iter_start);

/**
 * kvmmu_radix_iter_next() - the next entry of the walk, in pre-order
 * @iter: the iterator
 *
 * Steps down into a present table above @iter->min_level, else to the
 * next entry of the same table, else up (freeing the table left behind
 * if the walk frees empty tables and it is empty) and on.  A walk that
 * may block can drop mmu_lock first; it then resumes at the entry of the
 * root that maps where it was, and visits the way down again.  At the end
 * of the range the walk still steps all the way up, so that the tables
 * it emptied on its last path are freed too.
 */
void kvmmu_radix_iter_next(struct kvmmu_radix_iter *iter)
{
	iter->visited++;
	if (radix_iter_cond_resched(iter))
		return;
	if (radix_try_step_down(iter))
		return;
	do {
		if (radix_try_step_side(iter)) {
			if (iter->gfn < iter->end)
				return;
			break;
		}
	} while (radix_try_step_up(iter));
	while (radix_try_step_up(iter))
		;
	iter->valid = false;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_radix_iter_next);

/**
 * kvmmu_radix_link_table() - make the (absent) entry point at a new table
 * @iter: at a non-present entry above level 1
 * @page: a zeroed page for the table (from a struct kvmmu_page_cache)
 *
 * The walk then steps down into it.
 */
void kvmmu_radix_link_table(struct kvmmu_radix_iter *iter, struct page *page)
{
	const struct kvmmu_radix_ops *ops = iter->rt->ops;

	if (kvmmu_bug_on(iter->level == 1 || kvmmu_radix_present(ops, iter->old),
			 iter->vm))
		return;
	set_page_private(page, 0);
	iter->old = page_to_phys(page) | ops->table_bits;
	WRITE_ONCE(*iter->ptep, iter->old);
	radix_table_count(iter->tables[iter->level], 1);
	atomic64_inc(&iter->vm->stat.table_pages);
}

/**
 * kvmmu_radix_set_leaf() - install or change the leaf at @iter
 * @iter: at a level-1 entry
 * @new: a present leaf
 *
 * Counts a new mapping; a change that takes away hardware write access
 * from a present leaf is noted for the walk's flush.
 */
void kvmmu_radix_set_leaf(struct kvmmu_radix_iter *iter, u64 new)
{
	const struct kvmmu_radix_ops *ops = iter->rt->ops;
	u64 old = iter->old;

	if (!kvmmu_radix_present(ops, old)) {
		radix_table_count(iter->tables[iter->level], 1);
		atomic64_inc(&iter->vm->stat.mapped_pages);
	} else if (old & ~new & ops->hw_writable_mask) {
		iter->flush_pending = true;
	}
	iter->old = new;
	WRITE_ONCE(*iter->ptep, new);
}

/*
 * A removed leaf's accessed and dirty state goes to its host page; the
 * host still maps the page (see kvmmu_mmu_leaf_dropped()).
 */
static void radix_leaf_dropped(const struct kvmmu_radix_ops *ops, u64 pte)
{
	kvmmu_mmu_leaf_dropped(kvmmu_radix_pfn(ops, pte),
			       pte & ops->refcounted_mask,
			       pte & ops->accessed_mask,
			       pte & ops->dirty_mask);
}

/**
 * kvmmu_radix_zap_leaf() - remove the present leaf at @iter
 * @iter: at a present level-1 entry
 */
void kvmmu_radix_zap_leaf(struct kvmmu_radix_iter *iter)
{
	const struct kvmmu_radix_ops *ops = iter->rt->ops;
	u64 old = iter->old;

	WRITE_ONCE(*iter->ptep, 0);
	iter->old = 0;
	radix_table_count(iter->tables[iter->level], -1);
	radix_leaf_dropped(ops, old);
	atomic64_dec(&iter->vm->stat.mapped_pages);
	atomic64_inc(&iter->vm->stat.sptes_zapped);
	iter->flush_pending = true;
}

/**
 * kvmmu_radix_init() - allocate the root of a VM's table
 * @vm: the VM being created
 * @rt: the table
 * @ops: its format
 *
 * Return: 0 or -ENOMEM.
 */
int kvmmu_radix_init(struct kvmmu_vm *vm, struct kvmmu_radix *rt,
		     const struct kvmmu_radix_ops *ops)
{
	rt->ops = ops;
	rt->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!rt->root)
		return -ENOMEM;
	atomic64_inc(&vm->stat.table_pages);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_radix_init);

/**
 * kvmmu_radix_destroy() - free every table of a dying VM
 * @vm: the VM; nothing else can reach it any more
 * @rt: the table
 *
 * The notifier's release zapped every leaf before the mm went away.  A
 * leaf found now is a bug; its host page may be gone, so it is dropped
 * without touching the page.
 */
void kvmmu_radix_destroy(struct kvmmu_vm *vm, struct kvmmu_radix *rt)
{
	struct kvmmu_radix_iter iter;

	if (!rt->root)
		return;
	/* Uncontended; taken because every walk runs under it. */
	spin_lock(&vm->mmu_lock);
	for_each_radix_pte(iter, vm, rt, 0, kvmmu_radix_span(KVMMU_RADIX_LEVELS + 1),
			   1, KVMMU_WALK_FREE_EMPTY) {
		if (!kvmmu_radix_is_leaf(&iter))
			continue;
		kvmmu_bug_on(1, vm);
		WRITE_ONCE(*iter.ptep, 0);
		iter.old = 0;
		radix_table_count(iter.tables[1], -1);
		atomic64_dec(&vm->stat.mapped_pages);
	}
	spin_unlock(&vm->mmu_lock);
	free_page((unsigned long)rt->root);
	rt->root = NULL;
	atomic64_dec(&vm->stat.table_pages);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_radix_destroy);

/* Beyond the guest-physical width the VM type's tables can map? */
static bool radix_gfn_too_big(struct kvmmu_vm *vm, u64 gfn)
{
	return gfn >> (vm->ops->gpa_bits - PAGE_SHIFT);
}

/**
 * kvmmu_radix_leaf() - the level-1 entry of @gfn
 * @vm: the VM, mmu_lock held
 * @gfn: a guest frame
 *
 * Return: a pointer to the entry (present or not), or NULL if @gfn is
 * beyond the table's reach or a table on the way is missing.  Valid until
 * mmu_lock is dropped.
 */
u64 *kvmmu_radix_leaf(struct kvmmu_vm *vm, u64 gfn)
{
	struct kvmmu_radix *rt = kvmmu_vm_radix(vm);
	struct kvmmu_radix_iter iter;

	if (radix_gfn_too_big(vm, gfn))
		return NULL;
	for_each_radix_pte(iter, vm, rt, gfn, gfn + 1, 1, 0) {
		if (iter.level == 1)
			return iter.ptep;
		if (!kvmmu_radix_present(rt->ops, iter.old))
			return NULL;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_radix_leaf);

/**
 * kvmmu_radix_map() - install the leaf a fault asks for (->map)
 * @vm: the VM, mmu_lock held
 * @cache: pages for the tables that are missing on the way
 * @req: the request
 *
 * A present leaf of the same frame is replaced keeping what the guest did
 * to it (the format's make_leaf); one of another frame means an
 * invalidation was missed, which marks the VM bugged (the old page may be
 * freed already, so it is left alone).  A cached translation the new leaf
 * does not allow any more is flushed.
 *
 * Return: 0, -EINVAL beyond the table's reach, -ENOMEM if @cache ran out.
 */
int kvmmu_radix_map(struct kvmmu_vm *vm, struct kvmmu_page_cache *cache,
		    const struct kvmmu_map_request *req)
{
	struct kvmmu_radix *rt = kvmmu_vm_radix(vm);
	const struct kvmmu_radix_ops *ops = rt->ops;
	struct kvmmu_radix_iter iter;
	bool other_page;
	u64 old;

	if (radix_gfn_too_big(vm, req->gfn))
		return -EINVAL;
	for_each_radix_pte(iter, vm, rt, req->gfn, req->gfn + 1, 1, 0) {
		struct page *page;

		if (iter.level == 1)
			break;
		if (kvmmu_radix_present(ops, iter.old))
			continue;
		page = kvmmu_page_cache_alloc(cache);
		if (kvmmu_bug_on(!page, vm))
			return -ENOMEM;
		kvmmu_radix_link_table(&iter, page);
	}
	if (kvmmu_bug_on(!iter.valid || iter.level != 1, vm))
		return -EINVAL;

	old = iter.old;
	other_page = kvmmu_radix_present(ops, old) &&
		     kvmmu_radix_pfn(ops, old) != req->pfn;
	kvmmu_bug_on(other_page, vm);
	if (other_page || !kvmmu_radix_present(ops, old))
		old = 0;
	kvmmu_radix_set_leaf(&iter, ops->make_leaf(req, old));
	if ((other_page || iter.flush_pending) &&
	    (!ops->flush_gfns ||
	     ops->flush_gfns(vm, req->gfn, req->gfn + 1)))
		kvmmu_flush_remote_tlbs(vm);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_radix_map);

/**
 * kvmmu_radix_zap_gfn_range() - remove every leaf of a range, and the
 *	tables emptied (->zap_gfn_range)
 * @vm: the VM, mmu_lock held
 * @range: the range; with @range->may_block the walk may drop mmu_lock
 *	(after flushing what it removed so far)
 *
 * The format's cached translations of the range are flushed here; the
 * caller still owes the remote TLB flush when this returns true.
 *
 * Return: whether a leaf was removed since the walk last flushed.
 */
bool kvmmu_radix_zap_gfn_range(struct kvmmu_vm *vm,
			       const struct kvmmu_gfn_range *range)
{
	struct kvmmu_radix *rt = kvmmu_vm_radix(vm);
	unsigned int flags = KVMMU_WALK_FREE_EMPTY;
	struct kvmmu_radix_iter iter;

	if (range->may_block)
		flags |= KVMMU_WALK_MAY_BLOCK;
	for_each_radix_pte(iter, vm, rt, range->start, range->end, 1, flags) {
		if (kvmmu_radix_is_leaf(&iter))
			kvmmu_radix_zap_leaf(&iter);
	}
	if (iter.flush_pending && rt->ops->flush_gfns)
		rt->ops->flush_gfns(vm, iter.flush_start, range->end);
	return iter.flush_pending;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_radix_zap_gfn_range);

/**
 * kvmmu_radix_age_gfn_range() - test, and optionally clear, the leaves'
 *	accessed state (->age_gfn_range)
 * @vm: the VM, mmu_lock held
 * @range: the range (aging never blocks)
 * @clear: make the young leaves old; their cached translations are
 *	flushed, so that the next access is seen
 *
 * Return: whether any leaf of the range was young.
 */
bool kvmmu_radix_age_gfn_range(struct kvmmu_vm *vm,
			       const struct kvmmu_gfn_range *range, bool clear)
{
	struct kvmmu_radix *rt = kvmmu_vm_radix(vm);
	const struct kvmmu_radix_ops *ops = rt->ops;
	struct kvmmu_radix_iter iter;
	bool young = false;

	for_each_radix_pte(iter, vm, rt, range->start, range->end, 1, 0) {
		if (!kvmmu_radix_is_leaf(&iter) ||
		    !(iter.old & ops->accessed_mask))
			continue;
		young = true;
		if (!clear)
			continue;
		kvmmu_radix_set_leaf(&iter, iter.old & ~ops->accessed_mask);
		atomic64_inc(&vm->stat.young_cleared);
	}
	if (young && clear && ops->flush_gfns)
		ops->flush_gfns(vm, range->start, range->end);
	return young;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_radix_age_gfn_range);

/**
 * kvmmu_radix_change_pte() - the host replaced the page behind a gfn
 *	(->change_pte)
 * @vm: the VM, mmu_lock held
 * @range: one gfn; @range->pfn and @range->host_writable say what the
 *	host maps there now
 *
 * If the host maps the new page writable, the leaf goes and the next
 * access faults, so that write access is always obtained through the
 * fault path, which dirties the host page.  Otherwise (KSM, the read
 * side of COW) a leaf that still maps the old page is pointed read-only
 * at the new one; the old page gets the leaf's accessed/dirty state.
 *
 * Return: whether a leaf changed.
 */
bool kvmmu_radix_change_pte(struct kvmmu_vm *vm,
			    const struct kvmmu_gfn_range *range)
{
	struct kvmmu_radix *rt = kvmmu_vm_radix(vm);
	const struct kvmmu_radix_ops *ops = rt->ops;
	struct kvmmu_radix_iter iter;
	u64 gfn = range->start;

	for_each_radix_pte(iter, vm, rt, gfn, gfn + 1, 1, 0) {
		if (!kvmmu_radix_is_leaf(&iter))
			continue;
		if (range->host_writable) {
			kvmmu_radix_zap_leaf(&iter);
		} else {
			radix_leaf_dropped(ops, iter.old);
			/* Another frame: whatever was cached of it goes. */
			iter.flush_pending = true;
			kvmmu_radix_set_leaf(&iter,
					     ops->repoint(iter.old, range->pfn,
							  pfn_valid(range->pfn)));
		}
	}
	if (iter.flush_pending && ops->flush_gfns)
		ops->flush_gfns(vm, gfn, gfn + 1);
	return iter.flush_pending;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_radix_change_pte);

/**
 * kvmmu_radix_lookup() - describe the mapping of a gpa, changing nothing
 *	(->lookup)
 * @vcpu: a vCPU of the VM, whose mmu_lock is held
 * @gpa: the guest-physical address
 * @m: filled in; all zero if nothing maps @gpa
 */
void kvmmu_radix_lookup(struct kvmmu_vcpu *vcpu, u64 gpa,
			struct kvmmu_mapping *m)
{
	struct kvmmu_radix *rt = kvmmu_vm_radix(vcpu->vm);
	const struct kvmmu_radix_ops *ops = rt->ops;
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_radix_iter iter;
	u64 gfn = gpa >> PAGE_SHIFT;

	memset(m, 0, sizeof(*m));
	if (radix_gfn_too_big(vm, gfn))
		return;
	for_each_radix_pte(iter, vm, rt, gfn, gfn + 1, 1, 0) {
		if (!kvmmu_radix_is_leaf(&iter))
			continue;
		m->present = true;
		m->level = iter.level;
		m->pfn = kvmmu_radix_pfn(ops, iter.old);
		m->accessed = iter.old & ops->accessed_mask;
		m->dirty = iter.old & ops->dirty_mask;
		ops->describe(iter.old, m);
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_radix_lookup);
