/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mmu_notifier that keeps a VM's secondary MMU coherent with its
 * process's page tables.
 */
#ifndef _KVMMU_NOTIFIER_H
#define _KVMMU_NOTIFIER_H

#include <linux/mmu_notifier.h>

struct kvmmu_vm;
struct kvmmu_gfn_range;

int kvmmu_notifier_register(struct kvmmu_vm *vm);
void kvmmu_notifier_unregister(struct kvmmu_vm *vm);

/*
 * The handler a host event runs for each memslot it hits, under mmu_lock;
 * returns whether a TLB flush is needed (or, for aging, whether a page was
 * young).
 */
typedef bool (*kvmmu_gfn_handler_t)(struct kvmmu_vm *vm,
				    const struct kvmmu_gfn_range *range);

/**
 * struct kvmmu_hva_range - a host event, as an hva range
 * @start: first hva
 * @end: end hva (exclusive)
 * @handler: run per overlapping slot, under mmu_lock (may be NULL)
 * @on_lock: run once, when mmu_lock is first taken (may be NULL)
 * @flush: flush TLBs if a handler returned true
 * @may_block: the caller may sleep (mmu_notifier_range_blockable())
 * @timed: an invalidation: its mmu_lock hold goes into max_lock_hold_ns
 *	(the aging callbacks, a hot path, are left untimed)
 * @pfn: change_pte only: the new pfn
 * @host_writable: change_pte only: whether the host maps it writable
 */
struct kvmmu_hva_range {
	unsigned long start;
	unsigned long end;
	kvmmu_gfn_handler_t handler;
	void (*on_lock)(struct kvmmu_vm *vm);
	bool flush;
	bool may_block;
	bool timed;
	unsigned long pfn;
	bool host_writable;
};

bool kvmmu_handle_hva_range(struct kvmmu_vm *vm,
			    const struct kvmmu_hva_range *range);

#endif /* _KVMMU_NOTIFIER_H */
