// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory as a vCPU sees it: accesses performed through the secondary
 * page tables the way hardware performs them (walk, check permissions, set
 * accessed/dirty, fault and retry on a miss) and the translate query.  The
 * in-kernel workload built from these accesses is in dev/run.c.
 *
 * An access reads or writes the host page under mmu_lock.  That is what
 * makes it safe without a page reference: the host cannot free or replace
 * the page without first running invalidate_range_start, which needs
 * mmu_lock to remove the mapping.
 */
#include <linux/highmem.h>
#include <linux/sched/signal.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/mmu.h"

/*
 * A naturally aligned access is single-copy atomic, as the processor
 * makes it: a guest reading a qword that another vCPU or the host is
 * writing sees the old value or the new one, never a mix of their bytes.
 * memcpy() and copy_mc_to_kernel() may copy a byte at a time (rep movsb),
 * so they only serve unaligned accesses, which hardware does not make
 * atomic either.
 */
static u64 kvmmu_load(const void *va, unsigned int size)
{
	switch (size) {
	case 1:
		return READ_ONCE(*(const u8 *)va);
	case 2:
		return READ_ONCE(*(const u16 *)va);
	case 4:
		return READ_ONCE(*(const u32 *)va);
	default:
		return READ_ONCE(*(const u64 *)va);
	}
}

static void kvmmu_store(void *va, unsigned int size, u64 data)
{
	switch (size) {
	case 1:
		WRITE_ONCE(*(u8 *)va, data);
		break;
	case 2:
		WRITE_ONCE(*(u16 *)va, data);
		break;
	case 4:
		WRITE_ONCE(*(u32 *)va, data);
		break;
	default:
		WRITE_ONCE(*(u64 *)va, data);
		break;
	}
}

/* Copy between the access and the host page; mmu_lock held. */
static int kvmmu_access_copy(unsigned long pfn, unsigned int offset,
			     bool write, struct kvmmu_access *a)
{
	struct page *page;
	u64 data = 0;
	void *va;
	int r = 0;

	/* A VM_PFNMAP frame may have no struct page and no kernel mapping. */
	if (!pfn_valid(pfn))
		return -EFAULT;
	page = pfn_to_page(pfn);
	va = kmap_local_page(page) + offset;
	if (PageReserved(page)) {
		/*
		 * Firmware or driver memory behind VM_PFNMAP: it may have no
		 * kernel mapping (read it fault-safe), and the kernel's
		 * mapping of it is not the user's, so it is not written.
		 */
		if (write)
			r = -EACCES;
		else if (copy_from_kernel_nofault(&data, va, a->size))
			r = -EFAULT;
	} else if (IS_ALIGNED(offset, a->size)) {
		if (write)
			kvmmu_store(va, a->size, a->data);
		else
			data = kvmmu_load(va, a->size);
	} else if (write) {
		memcpy(va, &a->data, a->size);
	} else if (copy_mc_to_kernel(&data, va, a->size)) {
		/* A machine check: the host will poison and unmap the page. */
		r = -EHWPOISON;
	}
	kunmap_local(va);
	if (!r && !write)
		a->data = data;
	return r;
}

static int kvmmu_access_type(u8 type, enum kvmmu_access_type *t)
{
	switch (type & ~KVMMU_ACCESS_USER) {
	case KVMMU_ACCESS_READ:
		*t = KVMMU_READ;
		return 0;
	case KVMMU_ACCESS_WRITE:
		*t = KVMMU_WRITE;
		return 0;
	case KVMMU_ACCESS_FETCH:
		*t = KVMMU_FETCH;
		return 0;
	}
	return -EINVAL;
}

/**
 * kvmmu_vcpu_access() - perform one guest access
 * @vcpu: the vCPU, its mutex held
 * @a: the access; ->data, ->faults and ->result are filled in
 *
 * Walks the secondary tables under mmu_lock; a missing or insufficient
 * mapping runs the fault path and the walk is tried again.
 *
 * Return: the access's result (also stored in ->result), or -EINTR if a
 * signal arrived while it was faulting.
 */
int kvmmu_vcpu_access(struct kvmmu_vcpu *vcpu, struct kvmmu_access *a)
{
	struct kvmmu_guest_access ga = {
		.addr = a->gpa,
		.user = a->type & KVMMU_ACCESS_USER,
	};
	unsigned int offset = a->gpa & ~PAGE_MASK;
	const struct kvmmu_arch_ops *ops = vcpu->vm->ops;
	struct kvmmu_vm *vm = vcpu->vm;
	int r, idx;

	a->faults = 0;
	r = kvmmu_access_type(a->type, &ga.type);
	if (r || !a->size || a->size > 8 || !is_power_of_2(a->size) ||
	    offset + a->size > PAGE_SIZE) {
		a->result = -EINVAL;
		return a->result;
	}

	idx = srcu_read_lock(&vm->srcu);
	for (;;) {
		spin_lock(&vm->mmu_lock);
		ga.track_write = false;
		r = ops->access(vcpu, &ga);
		if (!r) {
			r = kvmmu_access_copy(ga.pfn, offset,
					      ga.type == KVMMU_WRITE, a);
			/* Still under mmu_lock: no access sees the old state. */
			if (!r && ga.track_write)
				ops->track_write(vcpu, ga.gfn, offset, a->size);
		} else {
			r = -EAGAIN;
		}
		spin_unlock(&vm->mmu_lock);
		if (r != -EAGAIN)
			break;

		if (a->faults < U16_MAX)
			a->faults++;
		if (ops->fault)
			r = ops->fault(vcpu, &ga);
		else
			r = kvmmu_mmu_fault(vcpu, ga.addr >> PAGE_SHIFT,
					    ga.type);
		if (r == KVMMU_RESULT_PAGE_FAULT) {
			/* The guest's own fault: delivered, not retried. */
			a->data = ga.error_code;
			atomic64_inc(&vm->stat.guest_faults);
			break;
		}
		if (r && r != -EAGAIN)
			break;
		/*
		 * Lost races are retried for as long as the host keeps
		 * invalidating (a long munmap, the OOM reaper): an access
		 * only fails for a reason of its own.  A signal ends the
		 * wait, as it would end KVM_RUN.
		 */
		if (signal_pending(current)) {
			r = -EINTR;
			break;
		}
		cond_resched();
	}
	srcu_read_unlock(&vm->srcu, idx);
	a->result = r;
	return r;
}

/**
 * kvmmu_vcpu_translate() - how @tr->gpa is mapped right now
 * @vcpu: the vCPU
 * @tr: in: the gpa; out: the rest
 * @show_pfn: report the host pfn (CAP_SYS_ADMIN), else 0
 */
void kvmmu_vcpu_translate(struct kvmmu_vcpu *vcpu, struct kvmmu_translation *tr,
			  bool show_pfn)
{
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_mapping m = {};
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	vm->ops->lookup(vcpu, tr->gpa, &m);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);

	tr->flags = 0;
	tr->pfn = 0;
	tr->level = 0;
	tr->memtype = 0;
	tr->pad = 0;
	if (!m.present)
		return;
	tr->flags = KVMMU_TR_PRESENT |
		    (m.readable ? KVMMU_TR_READABLE : 0) |
		    (m.writable ? KVMMU_TR_WRITABLE : 0) |
		    (m.executable ? KVMMU_TR_EXECUTABLE : 0) |
		    (m.accessed ? KVMMU_TR_ACCESSED : 0) |
		    (m.dirty ? KVMMU_TR_DIRTY : 0);
	tr->level = m.level;
	tr->memtype = m.memtype;
	if (show_pfn)
		tr->pfn = m.pfn;
}
