// SPDX-License-Identifier: GPL-2.0
/*
 * The generic half of the secondary MMU: the invalidation/fault retry
 * protocol, TLB-flush requests, and handing a dropped mapping's
 * accessed/dirty state back to the host page.
 *
 * The retry protocol.  The host tells us about a change to its page tables
 * twice: invalidate_range_start before the change and invalidate_range_end
 * after.  Between the two, the host may still hand out the old page (GUP
 * can race with the change), so a fault must not install anything it
 * looked up while an invalidation of its gfn was in flight, nor anything it
 * looked up before an invalidation that has since ended.  Hence:
 *
 *  - start, under mmu_lock: in_progress++, widen [range_start, range_end)
 *    to cover the invalidated gfns, zap them;
 *  - end, under mmu_lock: seq++, then in_progress--;
 *  - a fault samples seq before its (lockless, possibly sleeping) pfn
 *    lookup and, under mmu_lock, gives up and retries if seq moved or if an
 *    invalidation in progress covers its gfn.
 *
 * Faults on other gfns proceed while an invalidation is in flight.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/swap.h>
#include <linux/timekeeping.h>

#include "kvmmu/mmu.h"

/*
 * The range of an in-progress invalidation before the first slot it hits
 * adds itself: retry everything rather than nothing.
 */
#define KVMMU_INVALID_GFN	(~0ULL)

/**
 * kvmmu_mmu_invalidate_begin() - an invalidation that hits memslots starts
 * @vm: the VM, mmu_lock held
 *
 * Followed by kvmmu_mmu_invalidate_range_add() for each slot it hits.
 */
void kvmmu_mmu_invalidate_begin(struct kvmmu_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	/* Read without mmu_lock by kvmmu_mmu_invalidate_retry_unlocked(). */
	WRITE_ONCE(vm->mmu_invalidate_in_progress,
		   vm->mmu_invalidate_in_progress + 1);
	if (vm->mmu_invalidate_in_progress == 1) {
		WRITE_ONCE(vm->mmu_invalidate_range_start, KVMMU_INVALID_GFN);
		WRITE_ONCE(vm->mmu_invalidate_range_end, KVMMU_INVALID_GFN);
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mmu_invalidate_begin);

/*
 * One range for all invalidations in flight: overlapping invalidations are
 * rare, and a wider range only costs retries elsewhere.
 */
void kvmmu_mmu_invalidate_range_add(struct kvmmu_vm *vm, u64 start, u64 end)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (kvmmu_bug_on(!vm->mmu_invalidate_in_progress, vm))
		return;
	/* WRITE_ONCE: see kvmmu_mmu_invalidate_retry_unlocked(). */
	if (vm->mmu_invalidate_range_start == KVMMU_INVALID_GFN) {
		WRITE_ONCE(vm->mmu_invalidate_range_start, start);
		WRITE_ONCE(vm->mmu_invalidate_range_end, end);
	} else {
		WRITE_ONCE(vm->mmu_invalidate_range_start,
			   min(vm->mmu_invalidate_range_start, start));
		WRITE_ONCE(vm->mmu_invalidate_range_end,
			   max(vm->mmu_invalidate_range_end, end));
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mmu_invalidate_range_add);

void kvmmu_mmu_invalidate_end(struct kvmmu_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	/*
	 * seq moves before in_progress drops: a fault that finds no
	 * invalidation in progress is sure to see the new seq.
	 */
	WRITE_ONCE(vm->mmu_invalidate_seq, vm->mmu_invalidate_seq + 1);
	/*
	 * Pairs with smp_rmb() in kvmmu_faultin_pfn() and
	 * kvmmu_mmu_invalidate_retry_unlocked().
	 */
	smp_wmb();
	if (kvmmu_bug_on(!vm->mmu_invalidate_in_progress, vm))
		return;
	WRITE_ONCE(vm->mmu_invalidate_in_progress,
		   vm->mmu_invalidate_in_progress - 1);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mmu_invalidate_end);

/**
 * kvmmu_mmu_invalidate_retry() - must a fault throw away what it looked up?
 * @vm: the VM, mmu_lock held
 * @mmu_seq: mmu_invalidate_seq as sampled before the pfn lookup
 * @gfn: the faulting gfn
 *
 * Return: true if an invalidation covering @gfn is in progress, or if any
 * invalidation ended since @mmu_seq was sampled.
 */
bool kvmmu_mmu_invalidate_retry(struct kvmmu_vm *vm, unsigned long mmu_seq,
				u64 gfn)
{
	lockdep_assert_held(&vm->mmu_lock);
	/* Under mmu_lock nothing moves: the lockless reads cost nothing. */
	return kvmmu_mmu_invalidate_retry_unlocked(vm, mmu_seq, gfn);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mmu_invalidate_retry);

/**
 * kvmmu_mmu_invalidate_retry_unlocked() - the retry check without mmu_lock
 * @vm: the VM
 * @mmu_seq: mmu_invalidate_seq as sampled before the pfn lookup
 * @gfn: the faulting gfn
 *
 * For a backend whose fault path installs a mapping under a lock of its
 * own that every invalidation of @gfn takes before it removes @gfn's
 * mappings: Book3S HV's per-page rmap lock.  The caller holds that lock.
 *
 * Only an invalidation that covers @gfn and already went through that
 * lock matters (a later one finds the new mapping and removes it).  Such
 * an invalidation counted itself in progress and added its range under
 * mmu_lock before it took the lock, so both are visible here.  While any
 * invalidation is in progress the range only grows, so whatever mix of
 * old and new bounds is read still covers @gfn; it is reset only once
 * every invalidation in progress has ended, after their seq++, which the
 * smp_rmb() then makes visible: a range read across a reset is caught by
 * the seq check.  Checking the range matters: without it every fault
 * retries while the host invalidates anything at all, each retry a new
 * host page lookup.
 *
 * Return: true if an invalidation covering @gfn is in progress, or if any
 * invalidation ended since @mmu_seq was sampled.
 */
bool kvmmu_mmu_invalidate_retry_unlocked(struct kvmmu_vm *vm,
					 unsigned long mmu_seq, u64 gfn)
{
	if (unlikely(READ_ONCE(vm->mmu_invalidate_in_progress))) {
		u64 start = READ_ONCE(vm->mmu_invalidate_range_start);
		u64 end = READ_ONCE(vm->mmu_invalidate_range_end);

		if (start == KVMMU_INVALID_GFN || (gfn >= start && gfn < end))
			return true;
	}
	/* Pairs with smp_wmb() in kvmmu_mmu_invalidate_end(). */
	smp_rmb();
	return READ_ONCE(vm->mmu_invalidate_seq) != mmu_seq;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mmu_invalidate_retry_unlocked);

/*
 * Guest accesses are performed under mmu_lock against the tables
 * themselves, so there is no cached translation to shoot down; the request
 * is counted so that flush batching stays visible (and testable).
 */
void kvmmu_flush_remote_tlbs(struct kvmmu_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	atomic64_inc(&vm->stat.tlb_flushes);
}

/**
 * kvmmu_mmu_leaf_dropped() - hand a removed mapping's state to the host
 * @pfn: the frame it mapped
 * @refcounted: the frame is a normal host page (not VM_IO/VM_PFNMAP)
 * @accessed: the guest accessed it since it was mapped or last aged
 * @dirty: the guest wrote to it through this mapping
 *
 * The guest writes through the secondary mapping, which the host's page
 * tables know nothing about, so the page's dirty state must reach the
 * host before it decides the page is clean (swap-out writes back only
 * dirty pages).  Called under mmu_lock while the host still maps the page:
 * every path that frees a host page runs invalidate_range_start first,
 * which removes our mapping, so no reference is needed here.
 */
void kvmmu_mmu_leaf_dropped(unsigned long pfn, bool refcounted, bool accessed,
			    bool dirty)
{
	struct page *page;

	if (!refcounted || !pfn_valid(pfn) || is_zero_pfn(pfn))
		return;
	page = pfn_to_page(pfn);
	/* As kvm_is_ad_tracked_page(): not the zero page, nor device pages. */
	if (PageReserved(page) || is_zone_device_page(page))
		return;
	if (dirty)
		set_page_dirty(page);
	if (accessed)
		mark_page_accessed(page);
}

/**
 * kvmmu_mmu_zap_all() - remove every mapping of @vm
 * @vm: the VM, mmu_lock held, in a context that may sleep (the notifier's
 *	release): the zap may let mmu_lock go on the way
 *
 * Return: whether a TLB flush is needed.
 */
bool kvmmu_mmu_zap_all(struct kvmmu_vm *vm)
{
	struct kvmmu_gfn_range range = {
		.start = 0,
		.end = 1ULL << (vm->ops->gpa_bits - PAGE_SHIFT),
		.may_block = true,
	};

	lockdep_assert_held(&vm->mmu_lock);
	return vm->ops->zap_gfn_range(vm, &range);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mmu_zap_all);

/*
 * A long walk that may block lets mmu_lock go after this many entries even
 * when nobody seems to want it: on a kernel without preemption
 * spin_needbreak() never reports a waiter, and a vCPU spinning for the
 * lock on another CPU does not set need_resched() here.
 */
#define KVMMU_YIELD_BATCH	1024

/**
 * kvmmu_mmu_should_yield() - should a long walk let mmu_lock go now?
 * @vm: the VM, mmu_lock held
 * @done: entries (or gfns) the walk handled since it took the lock
 *
 * Only for walks whose caller may block, between two entries, with what
 * they changed so far flushed before kvmmu_mmu_yield().
 *
 * Return: true if another task wants this CPU or the lock, or the walk
 * has held the lock for a batch.
 */
bool kvmmu_mmu_should_yield(struct kvmmu_vm *vm, unsigned int done)
{
	lockdep_assert_held(&vm->mmu_lock);
	return need_resched() || spin_needbreak(&vm->mmu_lock) ||
	       done >= KVMMU_YIELD_BATCH;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mmu_should_yield);

/**
 * kvmmu_mmu_zap_cond_yield() - a yield point of a gfn-by-gfn zap
 * @vm: the VM, mmu_lock held
 * @range: the range being zapped; nothing happens unless it may block
 * @done: gfns handled since the lock was taken or last let go; counts
 *	this one
 * @flush: the zap's pending flush: done, and cleared, before a yield
 *
 * For the backends that zap through reverse maps a gfn at a time (x86
 * shadow, Book3S HV): called between two gfns, with nothing of the
 * tables held across it.
 *
 * Return: whether mmu_lock was let go.
 */
bool kvmmu_mmu_zap_cond_yield(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range,
			      unsigned int *done, bool *flush)
{
	if (!range->may_block || !kvmmu_mmu_should_yield(vm, ++*done))
		return false;
	if (*flush)
		kvmmu_flush_remote_tlbs(vm);
	*flush = false;
	kvmmu_mmu_yield(vm);
	*done = 0;
	return true;
}

/* The end of a timed stretch of holding mmu_lock: keep the longest. */
static void kvmmu_mmu_hold_end(struct kvmmu_vm *vm)
{
	u64 held;

	if (!vm->mmu_lock_since)
		return;
	held = ktime_get_ns() - vm->mmu_lock_since;
	if (held > atomic64_read(&vm->stat.max_lock_hold_ns))
		atomic64_set(&vm->stat.max_lock_hold_ns, held);
}

/**
 * kvmmu_mmu_yield() - drop mmu_lock, let others run, take it again
 * @vm: the VM, mmu_lock held, in a context that may sleep
 *
 * The caller flushed what it changed, and revalidates whatever it knew of
 * the tables afterwards: anything may have happened to them meanwhile.
 * cond_resched() checks, with the lock dropped, that sleeping is allowed.
 */
void kvmmu_mmu_yield(struct kvmmu_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	kvmmu_mmu_hold_end(vm);
	atomic64_inc(&vm->stat.lock_yields);
	spin_unlock(&vm->mmu_lock);
	cond_resched();
	spin_lock(&vm->mmu_lock);
	if (vm->mmu_lock_since)
		vm->mmu_lock_since = ktime_get_ns() ?: 1;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mmu_yield);

/**
 * kvmmu_mmu_hold_start() - time this mmu_lock section (an invalidation)
 * @vm: the VM, mmu_lock just taken by a host invalidation, memslot zap or
 *	release
 *
 * The stretches such a section holds the lock without yielding are
 * measured, the longest kept in the max_lock_hold_ns stat: what a vCPU
 * may have to wait behind a host event.  Ended by kvmmu_mmu_hold_stop()
 * before the lock is dropped.
 */
void kvmmu_mmu_hold_start(struct kvmmu_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	/* 0 means untimed. */
	vm->mmu_lock_since = ktime_get_ns() ?: 1;
}

void kvmmu_mmu_hold_stop(struct kvmmu_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	kvmmu_mmu_hold_end(vm);
	vm->mmu_lock_since = 0;
}
