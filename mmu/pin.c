// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned VMs (KVMMU_VM_PINNED): the pages the fault path maps stay pinned.
 *
 * For comparison with the default, where an installed mapping holds no
 * reference.  kvmmu_faultin_pfn() takes a FOLL_PIN | FOLL_LONGTERM pin
 * instead of a reference, and kvmmu_fault_release() hands it to the VM's
 * pin table (@vm->pins: the pinned page by gfn, address space 0, the only
 * one the fault path maps) when the mapping was installed.  One pin per
 * gfn: a gfn faulted in again to the same page keeps the pin it has, to
 * another page (the host replaced it: COW, MADV_DONTNEED...) swaps the old
 * pin for the new one.  Zapping a mapping (the mmu_notifier) leaves the
 * pin alone: the notifier keeps the guest coherent, the pin only keeps the
 * host from swapping, migrating, compacting or KSM-merging the page.  Pins
 * go when the memslot is deleted or moved (kvmmu_pin_release_range(), from
 * flush_slot) and when the VM is destroyed (kvmmu_pin_release_all()); the
 * notifier's release (the mm going away) keeps them, as KVM does.
 *
 * Locking: the xarray has its own lock; everything here runs where it may
 * sleep (no mmu_lock, no spinlock), inside the VM's SRCU read side for
 * kvmmu_pin_keep().  A memslot is flushed only after synchronize_srcu(),
 * with the slot already invalid, so no fault can add a pin to its range
 * behind kvmmu_pin_release_range().
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/xarray.h>

#include "kvmmu/mmu.h"

static void kvmmu_pin_drop(struct kvmmu_vm *vm, struct page *page)
{
	unpin_user_page(page);
	atomic64_dec(&vm->stat.pinned_pages);
}

/**
 * kvmmu_pin_keep() - keep the pin behind a mapping just installed
 * @vm: a pinned VM
 * @gfn: the guest frame mapped (address space 0)
 * @page: the page it maps, pinned by kvmmu_faultin_pfn(); the pin is
 *	consumed
 *
 * If the table cannot grow (-ENOMEM) the page is unpinned: the mapping
 * stays correct (the notifier guards it), it is only not pinned.  May
 * sleep.
 */
void kvmmu_pin_keep(struct kvmmu_vm *vm, u64 gfn, struct page *page)
{
	struct page *old;

	might_sleep();
	old = xa_store(&vm->pins, gfn, page, GFP_KERNEL_ACCOUNT);
	if (xa_is_err(old)) {
		unpin_user_page(page);
		return;
	}
	if (old == page) {
		/* Pinned already for this gfn: one pin per gfn. */
		unpin_user_page(page);
		return;
	}
	if (old)
		unpin_user_page(old);	/* replaced: count unchanged */
	else
		atomic64_inc(&vm->stat.pinned_pages);
}

/**
 * kvmmu_pin_release_range() - unpin the pages of guest frames [start, end)
 * @vm: the VM
 * @start: first gfn
 * @end: end gfn (exclusive)
 *
 * May sleep.
 */
void kvmmu_pin_release_range(struct kvmmu_vm *vm, u64 start, u64 end)
{
	unsigned long index;
	struct page *page;

	if (!vm->pinned || start >= end)
		return;
	xa_for_each_range(&vm->pins, index, page, start, end - 1) {
		/* xa_erase() says whether it was still there. */
		page = xa_erase(&vm->pins, index);
		if (page)
			kvmmu_pin_drop(vm, page);
		cond_resched();
	}
}

/**
 * kvmmu_pin_release_all() - unpin every page of a VM going away
 * @vm: the VM; no vCPU runs any more
 *
 * May sleep.
 */
void kvmmu_pin_release_all(struct kvmmu_vm *vm)
{
	kvmmu_pin_release_range(vm, 0, ULONG_MAX);
	xa_destroy(&vm->pins);
}
