// SPDX-License-Identifier: GPL-2.0
/*
 * x86 guest paging for the shadow backend: the vCPU's paging registers,
 * and the walk of the guest's own 4-level page tables in guest memory that
 * a shadow fault starts with.
 *
 * The walk reads guest memory through the VMM's mapping of it (the
 * memslot's hva), so it sees exactly what the process sees, and may sleep
 * to fault it in: it runs before mmu_lock is taken.  What it read is
 * checked again under mmu_lock before a shadow entry is derived from it
 * (kvmmu_walker_changed()).
 */
#include <linux/uaccess.h>

#include "shadow.h"

/* The bits of each register kvmmu accepts; the others are EINVAL. */
#define CR0_KNOWN	(KVMMU_X86_CR0_PE | GENMASK_ULL(5, 1) | \
			 KVMMU_X86_CR0_WP | BIT_ULL(18) | BIT_ULL(29) | \
			 BIT_ULL(30) | KVMMU_X86_CR0_PG)
/* Not LA57 (12), VMXE (13), PCIDE (17), SMEP (20), SMAP (21), PKE (22). */
#define CR4_KNOWN	(GENMASK_ULL(11, 0) | BIT_ULL(16) | BIT_ULL(18))
#define EFER_KNOWN	(BIT_ULL(0) | KVMMU_X86_EFER_LME | \
			 KVMMU_X86_EFER_LMA | KVMMU_X86_EFER_NXE)
#define CR3_RESERVED	GENMASK_ULL(63, 52)

/* The only paging mode kvmmu implements: 4-level, long mode. */
#define CR0_PAGING	(KVMMU_X86_CR0_PE | KVMMU_X86_CR0_WP | \
			 KVMMU_X86_CR0_PG)

/**
 * kvmmu_paging_set() - KVMMU_SET_PAGING
 * @vcpu: the vCPU, its mutex held
 * @p: the new registers
 *
 * Like a MOV to the control registers: the vCPU leaves its current shadow
 * root and loads the one for the new CR3 and mode at its next access.
 *
 * Return: 0, or -EINVAL (nothing changed) for reserved or unsupported
 * bits and modes.
 */
int kvmmu_paging_set(struct kvmmu_vcpu *vcpu, const struct kvmmu_paging *p)
{
	struct kvmmu_shadow_vcpu *sv = to_shadow_vcpu(vcpu);
	struct kvmmu_paging regs = *p;
	int i;

	if (p->flags || p->cr0 & ~CR0_KNOWN || p->cr4 & ~CR4_KNOWN ||
	    p->efer & ~EFER_KNOWN || p->cr3 & CR3_RESERVED)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(p->reserved); i++)
		if (p->reserved[i])
			return -EINVAL;
	/*
	 * Paging needs long mode (PAE + LME) and CR0.WP: 32-bit and PAE
	 * paging are not implemented, and without WP the supervisor could
	 * write through read-only entries, which the shadow entries here
	 * cannot express.
	 */
	if (kvmmu_paging(&regs) &&
	    ((regs.cr0 & CR0_PAGING) != CR0_PAGING ||
	     !(regs.cr4 & KVMMU_X86_CR4_PAE) ||
	     !(regs.efer & KVMMU_X86_EFER_LME)))
		return -EINVAL;

	/* LMA is the processor's to set. */
	regs.efer &= ~KVMMU_X86_EFER_LMA;
	if (kvmmu_paging(&regs))
		regs.efer |= KVMMU_X86_EFER_LMA;
	sv->regs = regs;
	kvmmu_shadow_unload(vcpu);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_paging_set);

/* Bits that must be 0 in a guest entry of @level. */
VISIBLE_IF_KUNIT u64 pt_rsvd_bits(int level, bool large, bool nx)
{
	u64 rsvd = nx ? 0 : PT_NX;

	if (level == 4)
		rsvd |= PT_PAGE_SIZE;
	else if (large && level == 3)
		rsvd |= GENMASK_ULL(29, 13);
	else if (large && level == 2)
		rsvd |= GENMASK_ULL(20, 13);
	return rsvd;
}
EXPORT_SYMBOL_IF_KUNIT(pt_rsvd_bits);

static unsigned int pt_access(u64 pte, bool nx)
{
	unsigned int access = 0;

	if (pte & PT_WRITABLE)
		access |= ACC_WRITE;
	if (pte & PT_USER)
		access |= ACC_USER;
	if (!(nx && (pte & PT_NX)))
		access |= ACC_EXEC;
	return access;
}

/*
 * The 4 KiB frame @addr is in, given the leaf @pte at @level: for a large
 * page, its first frame (the PAT bit, bit 12, masked) plus the offset.
 */
VISIBLE_IF_KUNIT u64 pt_leaf_gfn(u64 pte, int level, u64 addr)
{
	u64 mask = BIT_ULL(9 * (level - 1)) - 1;

	return (((pte & PT_ADDR_MASK) >> PAGE_SHIFT) & ~mask) |
	       ((addr >> PAGE_SHIFT) & mask);
}
EXPORT_SYMBOL_IF_KUNIT(pt_leaf_gfn);

/*
 * Set the accessed bits of the walk (and the leaf's dirty bit for a
 * write) in guest memory, as the processor does, with a locked cmpxchg
 * so that a concurrent change by the guest is not overwritten.
 *
 * Return: 0; 1 if an entry changed under us (walk again); -EFAULT.
 */
static int kvmmu_walker_set_ad(struct kvmmu_walker *w, bool write,
			       const bool *table_ro)
{
	int level;

	for (level = PT_LEVELS; level >= w->level; level--) {
		u64 __user *uptr = (u64 __user *)w->pte_uaddr[level];
		u64 old = w->pte[level], new = old | PT_ACCESSED;
		int r;

		if (level == w->level && write)
			new |= PT_DIRTY;
		/*
		 * Tables in a read-only slot (ROM) keep their bits: the
		 * guest cannot have asked for them to be writable.
		 */
		if (new == old || table_ro[level])
			continue;
		if (!access_ok(uptr, sizeof(*uptr)))
			return -EFAULT;
		/* 0, 1 (the entry changed), or -EFAULT */
		r = __try_cmpxchg_user(uptr, &old, new, efault);
		if (r)
			return r;
		w->pte[level] = new;
	}
	return 0;
}

/**
 * kvmmu_walk_addr() - translate @ga->addr through the guest's page tables
 * @vcpu: the vCPU (paging on), its mutex and the VM's SRCU held
 * @w: the result
 * @ga: the access
 *
 * Checks what the processor checks (present, reserved bits, write, user
 * and execute rights over the 4 levels), and for an access that is allowed
 * sets the accessed/dirty bits.  May sleep.
 *
 * Return: 0 with @w filled in; KVMMU_RESULT_PAGE_FAULT with
 * @w->error_code; -EINVAL for a non-canonical address; -EFAULT if the
 * host has nothing accessible behind a guest table.
 */
int kvmmu_walk_addr(struct kvmmu_vcpu *vcpu, struct kvmmu_walker *w,
		    const struct kvmmu_guest_access *ga)
{
	const struct kvmmu_paging *regs = &to_shadow_vcpu(vcpu)->regs;
	struct kvmmu_memslots *slots = kvmmu_vm_memslots(vcpu->vm, 0);
	bool nx = regs->efer & KVMMU_X86_EFER_NXE;
	bool write = ga->type == KVMMU_WRITE;
	bool table_ro[PT_LEVELS + 1] = {};
	unsigned int access;
	u64 table_gfn, pte;
	int level, r;
	u64 err;

	if (!is_canonical(ga->addr))
		return -EINVAL;
again:
	access = ACC_ALL;
	table_gfn = (regs->cr3 & PT_ADDR_MASK) >> PAGE_SHIFT;
	for (level = PT_LEVELS; ; level--) {
		struct kvmmu_memory_slot *slot;
		unsigned long uaddr;
		bool large;

		w->table_gfn[level] = table_gfn;
		w->pt_access[level] = access;
		slot = kvmmu_gfn_to_memslot(slots, table_gfn);
		if (!slot) {
			/* A table outside guest RAM reads as not present. */
			err = 0;
			goto fault;
		}
		table_ro[level] = slot->flags & KVMMU_MEM_READONLY;
		uaddr = kvmmu_memslot_gfn_to_hva(slot, table_gfn) +
			pt_index(ga->addr, level) * sizeof(u64);
		if (get_user(pte, (u64 __user *)uaddr))
			return -EFAULT;
		w->pte[level] = pte;
		w->pte_uaddr[level] = uaddr;

		if (!(pte & PT_PRESENT)) {
			err = 0;
			goto fault;
		}
		large = level > 1 && (pte & PT_PAGE_SIZE);
		if (pte & pt_rsvd_bits(level, large, nx)) {
			err = KVMMU_PF_PRESENT | KVMMU_PF_RSVD;
			goto fault;
		}
		access &= pt_access(pte, nx);
		if (level == 1 || large)
			break;
		table_gfn = (pte & PT_ADDR_MASK) >> PAGE_SHIFT;
	}

	if ((write && !(access & ACC_WRITE)) ||
	    (ga->user && !(access & ACC_USER)) ||
	    (ga->type == KVMMU_FETCH && !(access & ACC_EXEC))) {
		err = KVMMU_PF_PRESENT;
		goto fault;
	}

	w->level = level;
	w->pte_access = access;
	w->gfn = pt_leaf_gfn(pte, level, ga->addr);
	r = kvmmu_walker_set_ad(w, write, table_ro);
	if (r == 1)
		goto again;
	return r;

fault:
	if (write)
		err |= KVMMU_PF_WRITE;
	if (ga->user)
		err |= KVMMU_PF_USER;
	if (ga->type == KVMMU_FETCH && nx)
		err |= KVMMU_PF_FETCH;
	w->error_code = err;
	return KVMMU_RESULT_PAGE_FAULT;
}

/**
 * kvmmu_walker_changed() - has the guest entry read at @level changed?
 * @vm: the VM, mmu_lock held (asserted)
 * @w: a walk
 * @level: a level the walk read
 *
 * Under mmu_lock (so without sleeping: a guest page that is not resident
 * counts as changed, and the fault is retried).  Once the table holding
 * the entry is write-protected, a guest write to it is trapped under
 * mmu_lock; this closes the window between the walk and the protection.
 */
bool kvmmu_walker_changed(struct kvmmu_vm *vm, const struct kvmmu_walker *w,
			  int level)
{
	u64 pte;

	lockdep_assert_held(&vm->mmu_lock);
	if (copy_from_user_nofault(&pte, (u64 __user *)w->pte_uaddr[level],
				   sizeof(pte)))
		return true;
	return pte != w->pte[level];
}
