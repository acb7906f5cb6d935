// SPDX-License-Identifier: GPL-2.0
/*
 * mmu_notifier change_pte, on kernels that still have it (it was removed
 * in 6.10; Kbuild builds this file only where the header has it).
 *
 * The host replaced the page at one address in place: KSM merged it, or a
 * COW fault gave the process a new copy.  Since 2012 the host calls this
 * only between invalidate_range_start and _end of the same address, which
 * has already removed our mapping, so the handler usually finds nothing to
 * change; where a mapping is there, it follows the new page directly.
 */
#include <linux/mm.h>
#include <linux/mmu_notifier.h>

#include "kvmmu/mmu.h"
#include "kvmmu/notifier.h"

static bool kvmmu_mn_change_spte(struct kvmmu_vm *vm,
				 const struct kvmmu_gfn_range *range)
{
	/* A read-only slot keeps read-only mappings, whatever the host has. */
	struct kvmmu_gfn_range r = *range;

	if (range->slot->flags & KVMMU_MEM_READONLY)
		r.host_writable = false;
	return vm->ops->change_pte(vm, &r);
}

void kvmmu_mn_change_pte(struct mmu_notifier *mn, struct mm_struct *mm,
			 unsigned long address, pte_t pte)
{
	struct kvmmu_vm *vm = container_of(mn, struct kvmmu_vm, mn);
	const struct kvmmu_hva_range hva_range = {
		.start = address,
		.end = address + 1,
		.handler = kvmmu_mn_change_spte,
		.flush = true,
		.pfn = pte_pfn(pte),
		/*
		 * A non-present entry (device-private migration) has no pfn
		 * to map: take the zap path.
		 */
		.host_writable = !pte_present(pte) || pte_write(pte),
	};

	atomic64_inc(&vm->stat.change_pte);
	/* Outside a start/end pair the retry protocol would not cover it. */
	if (WARN_ON_ONCE(!READ_ONCE(vm->mn_active_invalidate_count)))
		return;
	kvmmu_handle_hva_range(vm, &hva_range);
}
