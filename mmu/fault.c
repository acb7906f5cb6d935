// SPDX-License-Identifier: GPL-2.0
/*
 * The fault path: gfn -> memslot -> hva -> host pfn -> secondary mapping.
 *
 * The host pfn is looked up without mmu_lock (fast GUP first, then GUP
 * that may sleep), after sampling mmu_invalidate_seq; the mapping is
 * installed under mmu_lock only if no invalidation raced with the lookup
 * (see mmu/mmu.c), and the page reference GUP took is dropped right after:
 * an installed mapping holds no reference, which is what lets the host
 * swap, migrate and merge guest memory.  The mmu_notifier keeps it honest.
 *
 * A KVMMU_VM_PINNED VM takes a long-term pin instead, and keeps it once the
 * page is mapped (mmu/pin.c).
 */
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include "kvmmu/mmu.h"

/* A host pfn, and the page reference that keeps it alive until mapped. */
struct kvmmu_pfn {
	unsigned long pfn;
	struct page *page;	/* NULL for VM_IO/VM_PFNMAP: no reference */
	bool writable;
};

/*
 * VM_IO/VM_PFNMAP memory: the pfn may have no struct page, or one that is
 * not refcounted, so read it from the host page table and take nothing.
 */
static int kvmmu_hva_to_pfn_remapped(struct vm_area_struct *vma,
				     unsigned long hva, bool write,
				     struct kvmmu_pfn *out)
{
	bool unlocked = false;
	int r;

	r = kvmmu_follow_pfn(vma, hva, &out->pfn, &out->writable);
	if (r) {
		/* Not populated yet: let the host fault it in, then look again. */
		r = fixup_user_fault(vma->vm_mm, hva,
				     write ? FAULT_FLAG_WRITE : 0, &unlocked);
		/* mmap_lock was dropped: @vma may be gone; start over. */
		if (unlocked)
			return -EAGAIN;
		if (r)
			return r;
		r = kvmmu_follow_pfn(vma, hva, &out->pfn, &out->writable);
		if (r)
			return r;
	}
	if (write && !out->writable)
		return -EACCES;
	out->page = NULL;
	return 0;
}

/* GUP failed: why?  Runs under mmap_read_lock. */
static int kvmmu_hva_to_pfn_slow(struct kvmmu_vm *vm, unsigned long hva,
				 bool write, struct kvmmu_pfn *out)
{
	struct vm_area_struct *vma = vma_lookup(vm->mm, hva);

	if (!vma)
		return -EFAULT;
	if (vma->vm_flags & (VM_IO | VM_PFNMAP)) {
		/*
		 * x86 keeps PROT_NONE ptes present, so the pte alone does
		 * not say whether the process may access the memory.
		 */
		if (!(vma->vm_flags & VM_READ))
			return -EFAULT;
		if (write && !(vma->vm_flags & VM_WRITE))
			return -EACCES;
		atomic64_inc(&vm->stat.pfnmap_faults);
		return kvmmu_hva_to_pfn_remapped(vma, hva, write, out);
	}
	/* A write to memory the host maps read-only is the caller's error. */
	if (write && (vma->vm_flags & VM_READ) && !(vma->vm_flags & VM_WRITE))
		return -EACCES;
	return -EFAULT;
}

/**
 * kvmmu_hva_to_pfn() - the host page behind @hva, as the process sees it
 * @vm: the VM; current->mm is @vm->mm
 * @hva: a page-aligned address in @vm->mm
 * @write: the access writes: the host must give a writable page (breaking
 *	COW, KSM sharing etc. as it would for the process)
 * @out: the pfn, whether it may be mapped writable, and the page reference
 *	to drop once it is mapped (NULL for VM_IO/VM_PFNMAP pfns); in a
 *	pinned VM a FOLL_LONGTERM pin instead of a reference
 *
 * May sleep.
 *
 * Return: 0; -EFAULT if nothing accessible is mapped there; -EACCES for a
 * write to read-only host memory; -EHWPOISON; -EINTR on a fatal signal;
 * -EAGAIN if the lookup must be redone.
 */
static int kvmmu_hva_to_pfn(struct kvmmu_vm *vm, unsigned long hva,
			    bool write, struct kvmmu_pfn *out)
{
	struct page *page;
	long n;
	int r;

	/*
	 * Writable if the host already maps it so, to spare a write fault.
	 * Not in a pinned VM: a fast-GUP reference is no long-term pin.
	 */
	if (!vm->pinned && get_user_page_fast_only(hva, FOLL_WRITE, &page)) {
		out->writable = true;
		goto got_page;
	}
	if (!vm->pinned && !write && get_user_page_fast_only(hva, 0, &page)) {
		out->writable = false;
		goto got_page;
	}

	atomic64_inc(&vm->stat.gup_slow);
	if (vm->pinned) {
		/*
		 * Pinned VM: a long-term pin.  A read pins without FOLL_WRITE
		 * and maps read-only, so that a later write faults and pins
		 * the page the write gets.  pin_user_pages_fast() falls back
		 * to the sleeping lookup itself; it is the one that takes
		 * FOLL_LONGTERM on 6.1 without mmap_lock held, but not
		 * FOLL_HWPOISON: a poisoned page is -EFAULT here.
		 */
		n = pin_user_pages_fast(hva, 1, FOLL_LONGTERM |
					(write ? FOLL_WRITE : 0), &page);
	} else {
		n = get_user_pages_unlocked(hva, 1, &page, FOLL_HWPOISON |
					    (write ? FOLL_WRITE : 0));
	}
	if (n == 1) {
		out->writable = write;
		goto got_page;
	}
	if (n == -EHWPOISON || n == -ENOMEM)
		return n;
	if (fatal_signal_pending(current))
		return -EINTR;

	mmap_read_lock(vm->mm);
	r = kvmmu_hva_to_pfn_slow(vm, hva, write, out);
	mmap_read_unlock(vm->mm);
	return r;

got_page:
	out->page = page;
	out->pfn = page_to_pfn(page);
	return 0;
}

/**
 * kvmmu_faultin_pfn() - look up the host page behind a guest frame
 * @vcpu: the faulting vCPU (its mutex held, and the VM's SRCU read lock)
 * @f: @f->gfn and @f->write in; the rest out
 *
 * Samples mmu_invalidate_seq first: whoever installs a mapping of the
 * result must check kvmmu_fault_stale() under mmu_lock (Book3S HV:
 * kvmmu_mmu_invalidate_retry_unlocked() under its rmap lock), and call
 * kvmmu_fault_release() afterwards, installed or not.  May sleep.
 *
 * Return: 0; -ENOENT when no memslot maps the frame; -EACCES for a write
 * to a read-only slot or to read-only host memory; -EFAULT, -EHWPOISON,
 * -EINTR, -ENOMEM, -EAGAIN from the host lookup.
 */
int kvmmu_faultin_pfn(struct kvmmu_vcpu *vcpu, struct kvmmu_fault *f)
{
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_memory_slot *slot;
	struct kvmmu_pfn pfn;
	int r;

	f->page = NULL;
	slot = kvmmu_gfn_to_memslot(kvmmu_vm_memslots(vm, 0), f->gfn);
	if (!slot)
		return -ENOENT;
	if (f->write && (slot->flags & KVMMU_MEM_READONLY))
		return -EACCES;
	f->slot = slot;

	/*
	 * Sample seq before looking at the host page tables: an invalidation
	 * that ends after this point bumps it, and one that has not ended is
	 * seen as in progress under mmu_lock.
	 */
	f->mmu_seq = READ_ONCE(vm->mmu_invalidate_seq);
	/* Pairs with smp_wmb() in kvmmu_mmu_invalidate_end(). */
	smp_rmb();

	r = kvmmu_hva_to_pfn(vm, kvmmu_memslot_gfn_to_hva(slot, f->gfn),
			     f->write, &pfn);
	if (r)
		return r;
	f->pfn = pfn.pfn;
	f->page = pfn.page;
	f->writable = pfn.writable && !(slot->flags & KVMMU_MEM_READONLY);
	return 0;
}

/**
 * kvmmu_fault_release() - end a fault begun by kvmmu_faultin_pfn()
 * @vm: the VM
 * @f: the fault
 * @r: how installing its mapping went: 0, -EAGAIN (lost a race) or an error
 *
 * Installed or not, the mapping holds no reference on the page.  In a
 * pinned VM the pin of an installed mapping (@r == 0) goes to the VM's pin
 * table; otherwise it is dropped.  Called with no spinlock held (may
 * sleep), inside the VM's SRCU read side.
 */
void kvmmu_fault_release(struct kvmmu_vm *vm, struct kvmmu_fault *f, int r)
{
	if (f->page && vm->pinned) {
		if (!r)
			kvmmu_pin_keep(vm, f->gfn, f->page);
		else
			unpin_user_page(f->page);
	} else if (f->page) {
		put_page(f->page);
	}
	f->page = NULL;
	if (r == -EAGAIN)
		atomic64_inc(&vm->stat.fault_retries);
	else if (!r)
		atomic64_inc(&vm->stat.faults);
}

/**
 * kvmmu_fault_stale() - may a fault still install what it looked up?
 * @vm: the VM, mmu_lock held
 * @f: the fault, its host page looked up by kvmmu_faultin_pfn()
 *
 * The check every fault path makes under mmu_lock, right before it
 * installs a mapping of @f->pfn: the mm is gone (release zapped
 * everything and nothing may be mapped again), or an invalidation raced
 * with the lookup (kvmmu_mmu_invalidate_retry()).
 *
 * Return: 0 if the mapping may be installed; -EFAULT after release;
 * -EAGAIN if the lookup must be redone.
 */
int kvmmu_fault_stale(struct kvmmu_vm *vm, const struct kvmmu_fault *f)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (vm->released)
		return -EFAULT;
	if (kvmmu_mmu_invalidate_retry(vm, f->mmu_seq, f->gfn))
		return -EAGAIN;
	return 0;
}

/**
 * kvmmu_mmu_fault() - map @gfn for an access of @type
 * @vcpu: the faulting vCPU (its mutex held, and the VM's SRCU read lock)
 * @gfn: the guest frame
 * @type: the access that missed or lacked permission
 *
 * The fault path of backends that map guest-physical addresses (->map).
 *
 * Return: 0 when a mapping was installed (the access should be retried);
 * -EAGAIN when an invalidation raced with the lookup (retry too); the
 * errors of kvmmu_faultin_pfn().
 */
int kvmmu_mmu_fault(struct kvmmu_vcpu *vcpu, u64 gfn,
		    enum kvmmu_access_type type)
{
	struct kvmmu_fault f = { .gfn = gfn, .write = type == KVMMU_WRITE };
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_map_request req;
	int r;

	r = kvmmu_page_cache_topup(&vcpu->cache, vm->ops->cache_pages);
	if (r)
		return r;
	r = kvmmu_faultin_pfn(vcpu, &f);
	if (r)
		return r;

	req.gfn = gfn;
	req.pfn = f.pfn;
	req.writable = f.writable;
	req.executable = true;
	req.write = f.write;
	req.refcounted = f.page;

	spin_lock(&vm->mmu_lock);
	r = kvmmu_fault_stale(vm, &f);
	if (!r)
		r = vm->ops->map(vm, &vcpu->cache, &req);
	spin_unlock(&vm->mmu_lock);

	kvmmu_fault_release(vm, &f, r);
	return r;
}
