// SPDX-License-Identifier: GPL-2.0
/*
 * The mmu_notifier glue: one notifier per VM, on the creating process's mm.
 *
 * A host event arrives as an hva range.  The memslots' hva interval tree
 * gives every slot that maps part of it (several may alias one hva, and an
 * INVALID slot being deleted still counts: its mappings are not gone yet);
 * each overlap becomes a gfn range handed to the backend.  mmu_lock is
 * taken only once a slot overlaps, since most host events concern memory
 * no VM maps, and TLBs are flushed once per event.
 *
 * Callbacks may be called where sleeping is not allowed (the OOM reaper's
 * non-blockable invalidations, the rmap walks of aging), so they sleep
 * only where the core says they may: a blockable invalidate_range_start
 * (mmu_notifier_range_blockable()) and release hand may_block down, and
 * their zaps then let mmu_lock go now and then (kvmmu_mmu_yield()), so
 * that a 1 GiB munmap does not keep vCPUs off the lock for its whole
 * length.  Everything else: SRCU read-side, spinlocks and the
 * non-sleeping backend handlers only.
 */
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/srcu.h>
#include <linux/wait.h>

#include "kvmmu/mmu.h"
#include "kvmmu/notifier.h"

static inline struct kvmmu_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct kvmmu_vm, mn);
}

static u64 kvmmu_hva_to_gfn(const struct kvmmu_memory_slot *slot,
			    unsigned long hva)
{
	return slot->base_gfn + ((hva - slot->userspace_addr) >> PAGE_SHIFT);
}

/* Does any slot of @slots map part of @range? */
static bool kvmmu_hva_range_hits(struct kvmmu_memslots **slots,
				 const struct kvmmu_hva_range *range)
{
	int as_id;

	for (as_id = 0; as_id < KVMMU_ADDRESS_SPACE_NUM; as_id++)
		if (kvmmu_memslot_hva_first(slots[as_id], range->start,
					    range->end - 1))
			return true;
	return false;
}

/* Run @range's handler on each overlap of a slot with it; mmu_lock held. */
static bool __kvmmu_handle_hva_range(struct kvmmu_vm *vm,
				     struct kvmmu_memslots **slots,
				     const struct kvmmu_hva_range *range)
{
	struct kvmmu_gfn_range gfn_range = {
		.may_block = range->may_block,
		.pfn = range->pfn,
		.host_writable = range->host_writable,
	};
	unsigned long last = range->end - 1;
	bool ret = false;
	int as_id;

	lockdep_assert_held(&vm->mmu_lock);
	if (!range->handler)
		return false;
	for (as_id = 0; as_id < KVMMU_ADDRESS_SPACE_NUM; as_id++) {
		struct kvmmu_memslots *set = slots[as_id];
		struct kvmmu_memory_slot *slot;

		slot = kvmmu_memslot_hva_first(set, range->start, last);
		for (; slot;
		     slot = kvmmu_memslot_hva_next(set, slot, range->start, last)) {
			unsigned long slot_end = slot->userspace_addr +
						 (slot->npages << PAGE_SHIFT);
			unsigned long hva_start, hva_end;

			hva_start = max(range->start, slot->userspace_addr);
			hva_end = min(range->end, slot_end);
			gfn_range.slot = slot;
			gfn_range.start = kvmmu_hva_to_gfn(slot, hva_start);
			gfn_range.end = kvmmu_hva_to_gfn(slot, hva_end +
							 PAGE_SIZE - 1);
			ret |= range->handler(vm, &gfn_range);
		}
	}
	return ret;
}

/**
 * kvmmu_handle_hva_range() - run a host event against every slot it hits
 * @vm: the VM
 * @range: the event
 *
 * mmu_lock is taken only if a slot overlaps the range; @range->on_lock
 * then runs first, under it.
 *
 * Return: whether any handler returned true.
 */
bool kvmmu_handle_hva_range(struct kvmmu_vm *vm,
			    const struct kvmmu_hva_range *range)
{
	struct kvmmu_memslots *slots[KVMMU_ADDRESS_SPACE_NUM];
	bool ret = false;
	int as_id, idx;

	if (WARN_ON_ONCE(range->end <= range->start))
		return false;

	idx = srcu_read_lock(&vm->srcu);
	/* One snapshot of the sets for both passes. */
	for (as_id = 0; as_id < KVMMU_ADDRESS_SPACE_NUM; as_id++)
		slots[as_id] = kvmmu_vm_memslots(vm, as_id);
	if (kvmmu_hva_range_hits(slots, range)) {
		spin_lock(&vm->mmu_lock);
		if (range->timed)
			kvmmu_mmu_hold_start(vm);
		if (range->on_lock)
			range->on_lock(vm);
		ret = __kvmmu_handle_hva_range(vm, slots, range);
		if (range->flush && ret)
			kvmmu_flush_remote_tlbs(vm);
		if (range->timed)
			kvmmu_mmu_hold_stop(vm);
		spin_unlock(&vm->mmu_lock);
	}
	srcu_read_unlock(&vm->srcu, idx);
	return ret;
}

static void kvmmu_mn_begin(struct kvmmu_vm *vm)
{
	kvmmu_mmu_invalidate_begin(vm);
	atomic64_inc(&vm->stat.invalidations_hit);
}

static bool kvmmu_mn_unmap(struct kvmmu_vm *vm,
			   const struct kvmmu_gfn_range *range)
{
	kvmmu_mmu_invalidate_range_add(vm, range->start, range->end);
	return vm->ops->zap_gfn_range(vm, range);
}

static int kvmmu_mn_invalidate_range_start(struct mmu_notifier *mn,
					   const struct mmu_notifier_range *range)
{
	struct kvmmu_vm *vm = mn_to_vm(mn);
	const struct kvmmu_hva_range hva_range = {
		.start = range->start,
		.end = range->end,
		.handler = kvmmu_mn_unmap,
		.on_lock = kvmmu_mn_begin,
		.flush = true,
		.may_block = mmu_notifier_range_blockable(range),
		.timed = true,
	};

	atomic64_inc(&vm->stat.invalidations);
	/*
	 * Counted before the memslots are looked at, so that a memslot
	 * change cannot be published between this start and its end: both
	 * must hit the same slots, or in_progress would never drop.
	 */
	spin_lock(&vm->mn_invalidate_lock);
	vm->mn_active_invalidate_count++;
	spin_unlock(&vm->mn_invalidate_lock);

	kvmmu_handle_hva_range(vm, &hva_range);
	/* Never fails: a notifier with invalidate_range_end must not. */
	return 0;
}

static void kvmmu_mn_invalidate_range_end(struct mmu_notifier *mn,
					  const struct mmu_notifier_range *range)
{
	struct kvmmu_vm *vm = mn_to_vm(mn);
	const struct kvmmu_hva_range hva_range = {
		.start = range->start,
		.end = range->end,
		.on_lock = kvmmu_mmu_invalidate_end,
		.may_block = mmu_notifier_range_blockable(range),
	};
	bool wake;

	kvmmu_handle_hva_range(vm, &hva_range);

	spin_lock(&vm->mn_invalidate_lock);
	if (!kvmmu_bug_on(!vm->mn_active_invalidate_count, vm))
		vm->mn_active_invalidate_count--;
	wake = !vm->mn_active_invalidate_count;
	spin_unlock(&vm->mn_invalidate_lock);

	/* A memslot change may be waiting for the last invalidation. */
	if (wake)
		wake_up(&vm->mn_memslots_update_wq);
}

static bool kvmmu_mn_age(struct kvmmu_vm *vm,
			 const struct kvmmu_gfn_range *range)
{
	return vm->ops->age_gfn_range(vm, range, true);
}

static bool kvmmu_mn_test_age(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range)
{
	return vm->ops->age_gfn_range(vm, range, false);
}

static kvmmu_mn_young_t kvmmu_mn_clear_flush_young(struct mmu_notifier *mn,
						   struct mm_struct *mm,
						   unsigned long start,
						   unsigned long end)
{
	const struct kvmmu_hva_range hva_range = {
		.start = start,
		.end = end,
		.handler = kvmmu_mn_age,
		.flush = true,
	};

	return kvmmu_handle_hva_range(mn_to_vm(mn), &hva_range);
}

/* As clear_flush_young, without the flush: a stale TLB entry only means a
 * missed accessed bit, which aging tolerates.
 */
static kvmmu_mn_young_t kvmmu_mn_clear_young(struct mmu_notifier *mn,
					     struct mm_struct *mm,
					     unsigned long start,
					     unsigned long end)
{
	const struct kvmmu_hva_range hva_range = {
		.start = start,
		.end = end,
		.handler = kvmmu_mn_age,
	};

	return kvmmu_handle_hva_range(mn_to_vm(mn), &hva_range);
}

static kvmmu_mn_young_t kvmmu_mn_test_young(struct mmu_notifier *mn,
					    struct mm_struct *mm,
					    unsigned long address)
{
	const struct kvmmu_hva_range hva_range = {
		.start = address,
		.end = address + 1,
		.handler = kvmmu_mn_test_age,
	};
	struct kvmmu_vm *vm = mn_to_vm(mn);

	atomic64_inc(&vm->stat.young_tested);
	return kvmmu_handle_hva_range(vm, &hva_range);
}

/*
 * The mm is going away (the process exited without closing the VM fd, or
 * the VM is being destroyed): nothing may stay mapped once its pages can be
 * freed, and nothing may be mapped again.
 */
static void kvmmu_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct kvmmu_vm *vm = mn_to_vm(mn);
	int idx;

	/* SRCU: tearing rmap-tracked mappings down looks their memslot up. */
	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	kvmmu_mmu_hold_start(vm);
	vm->released = true;
	if (kvmmu_mmu_zap_all(vm))
		kvmmu_flush_remote_tlbs(vm);
	kvmmu_mmu_hold_stop(vm);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
}

static const struct mmu_notifier_ops kvmmu_mn_ops = {
	.invalidate_range_start	= kvmmu_mn_invalidate_range_start,
	.invalidate_range_end	= kvmmu_mn_invalidate_range_end,
	.clear_flush_young	= kvmmu_mn_clear_flush_young,
	.clear_young		= kvmmu_mn_clear_young,
	.test_young		= kvmmu_mn_test_young,
	.release		= kvmmu_mn_release,
	KVMMU_MN_OPS_CHANGE_PTE
};

/**
 * kvmmu_notifier_register() - follow current->mm on behalf of @vm
 * @vm: a VM being created by the current process
 *
 * Return: 0 or mmu_notifier_register()'s error.
 */
int kvmmu_notifier_register(struct kvmmu_vm *vm)
{
	vm->mn.ops = &kvmmu_mn_ops;
	return mmu_notifier_register(&vm->mn, current->mm);
}

/*
 * Synchronous: once it returns no callback is running or will run, so the
 * VM (and the module) may go.  Calls release if the mm is still alive.
 */
void kvmmu_notifier_unregister(struct kvmmu_vm *vm)
{
	mmu_notifier_unregister(&vm->mn, vm->mm);
}
