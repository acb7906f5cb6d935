// SPDX-License-Identifier: GPL-2.0
/*
 * Book3S HV: the guest's hypervisor calls on the HPT (PAPR H_ENTER,
 * H_REMOVE, H_READ, H_CLEAR_REF, H_CLEAR_MOD), the vCPU's MSR, and
 * KVMMU_PPC_ALLOCATE_HTAB.
 *
 * H_ENTER never maps anything: it stores the guest's view of the HPTE in
 * the revmap and leaves the HPTE absent, so the guest's first access
 * faults and the fault handler instantiates it from the host page, the
 * one place where host pages are looked up.  An HPTE whose guest real
 * page no memslot holds is entered all the same (KVM enters emulated MMIO
 * HPTEs absent too); an access through it is -ENOENT, KVM's MMIO exit.
 *
 * The hcalls that read or change an HPTE hold mmu_lock (guest accesses set
 * R and C under it) and the HPTE lock; see arch/ppc/hpt.h.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hpt.h"

/* H_ENTER's checks of the guest's HPTE; see the encodings in hpt.h. */
static bool ppc_h_enter_valid(u64 pteh, u64 ptel)
{
	u64 avpn = (pteh & HPTE_V_AVPN) >> HPTE_V_AVPN_SHIFT;

	/* 1 TiB segments of 4 KiB pages only */
	if ((pteh & HPTE_V_B) != HPTE_V_B_1T || (pteh & HPTE_V_LARGE))
		return false;
	/* A VSID no effective address has (the VRMA's among them) */
	if ((avpn >> 17) >= PPC_GUEST_VSID_LIMIT)
		return false;
	if (ptel & ~HPTE_R_GUEST)
		return false;
	switch (ppc_pp(ptel)) {
	case PP_RW_NONE:
	case PP_RW_RO:
	case PP_RW_RW:
	case PP_RO_RO:
	case PP_RO_NONE:
		return true;
	default:
		return false;
	}
}

/**
 * kvmmu_ppc_h_enter() - H_ENTER
 * @vm: the VM
 * @flags: H_EXACT: use @pte_index itself; else any free HPTE of its PTEG
 * @pte_index: the HPTE (or PTEG) index
 * @pteh: v; V, ABSENT and HVLOCK are ignored
 * @ptel: r, with the guest real page number
 * @index_out: the HPTE used
 *
 * A VRMA HPTE is evicted to make room if need be; the guest's are not.
 *
 * Return: H_SUCCESS, H_PARAMETER, or H_PTEG_FULL.
 */
long kvmmu_ppc_h_enter(struct kvmmu_vm *vm, u64 flags, u64 pte_index, u64 pteh,
		       u64 ptel, u64 *index_out)
{
	struct ppc_hpt *hpt = to_ppc(vm)->hpt;
	u64 *hptep;
	long i;

	if (pte_index >= hpt->npte || !ppc_h_enter_valid(pteh, ptel))
		return KVMMU_PPC_H_PARAMETER;
	pteh &= ~(HPTE_V_VALID | HPTE_V_ABSENT | HPTE_V_HVLOCK);

	if (flags & PPC_H_EXACT) {
		i = pte_index;
		if (kvmmu_ppc_hpt_claim_exact(vm, hpt, i))
			return KVMMU_PPC_H_PTEG_FULL;
	} else {
		u32 group = pte_index / HPTES_PER_GROUP;

		i = kvmmu_ppc_hpt_claim(vm, hpt, &group, 1);
		if (i < 0)
			return KVMMU_PPC_H_PTEG_FULL;
	}
	hptep = ppc_hptep(hpt, i);
	hpt->rev[i].guest_rpte = ptel;
	hpt->rev[i].flags = 0;
	WRITE_ONCE(hptep[1], 0);
	kvmmu_ppc_hpte_set_v(hptep, pteh | HPTE_V_ABSENT);
	kvmmu_ppc_hpte_unlock(hptep);
	*index_out = i;
	return KVMMU_PPC_H_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_h_enter);

/* The guest's view of a locked HPTE: absent ones look valid. */
static void ppc_guest_view(struct ppc_hpt *hpt, u32 i, u64 *v, u64 *r)
{
	u64 *hptep = ppc_hptep(hpt, i);
	u64 hv = READ_ONCE(hptep[0]) & ~HPTE_V_HVLOCK;

	*r = hpt->rev[i].guest_rpte;
	if (hv & HPTE_V_VALID)
		*r |= READ_ONCE(hptep[1]) & (HPTE_R_R | HPTE_R_C);
	if (hv & HPTE_V_ABSENT)
		hv = (hv & ~HPTE_V_ABSENT) | HPTE_V_VALID;
	*v = hv;
}

/**
 * kvmmu_ppc_h_remove() - H_REMOVE
 * @vm: the VM
 * @flags: H_AVPN: v (bits 63:7) must equal @avpn; H_ANDCOND: v & @avpn
 *	must be 0
 * @pte_index: the HPTE
 * @avpn: see @flags
 * @rets: the old HPTE (guest view)
 *
 * Return: H_SUCCESS, H_PARAMETER or H_NOT_FOUND.
 */
long kvmmu_ppc_h_remove(struct kvmmu_vm *vm, u64 flags, u64 pte_index, u64 avpn,
			u64 *rets)
{
	struct ppc_hpt *hpt = to_ppc(vm)->hpt;
	long ret = KVMMU_PPC_H_SUCCESS;
	u64 *hptep, v, hv;

	if (pte_index >= hpt->npte)
		return KVMMU_PPC_H_PARAMETER;
	hptep = ppc_hptep(hpt, pte_index);
	spin_lock(&vm->mmu_lock);
	kvmmu_ppc_hpte_lock(hptep);
	hv = READ_ONCE(hptep[0]) & ~HPTE_V_HVLOCK;
	if (!(hv & (HPTE_V_VALID | HPTE_V_ABSENT)) ||
	    ((flags & PPC_H_AVPN) && (hv & ~0x7fULL) != avpn) ||
	    ((flags & PPC_H_ANDCOND) && (hv & avpn))) {
		ret = KVMMU_PPC_H_NOT_FOUND;
	} else {
		ppc_guest_view(hpt, pte_index, &v, &rets[1]);
		rets[0] = v;
		kvmmu_ppc_hpte_zap_locked(vm, hpt, pte_index, true);
	}
	kvmmu_ppc_hpte_unlock(hptep);
	spin_unlock(&vm->mmu_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_h_remove);

/**
 * kvmmu_ppc_h_read() - H_READ
 * @vm: the VM
 * @flags: ignored (one HPTE is read)
 * @pte_index: the HPTE
 * @rets: v and r as the guest sees them (0 for a free HPTE)
 *
 * Return: H_SUCCESS or H_PARAMETER.
 */
long kvmmu_ppc_h_read(struct kvmmu_vm *vm, u64 flags, u64 pte_index, u64 *rets)
{
	struct ppc_hpt *hpt = to_ppc(vm)->hpt;
	u64 *hptep;

	if (pte_index >= hpt->npte)
		return KVMMU_PPC_H_PARAMETER;
	hptep = ppc_hptep(hpt, pte_index);
	spin_lock(&vm->mmu_lock);
	kvmmu_ppc_hpte_lock(hptep);
	ppc_guest_view(hpt, pte_index, &rets[0], &rets[1]);
	kvmmu_ppc_hpte_unlock(hptep);
	spin_unlock(&vm->mmu_lock);
	return KVMMU_PPC_H_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_h_read);

/**
 * kvmmu_ppc_h_clear_rc() - H_CLEAR_REF (@bit HPTE_R_R), H_CLEAR_MOD (HPTE_R_C)
 * @vm: the VM
 * @flags: ignored
 * @pte_index: the HPTE
 * @bit: R or C
 * @rets: r as the guest saw it before
 *
 * The bit is cleared in the guest's view and in the HPTE; what the HPTE
 * had goes to the host first (page dirty or accessed) and into the page's
 * rmap summary, so the host's dirty tracking and aging lose nothing.
 *
 * Return: H_SUCCESS, H_PARAMETER or H_NOT_FOUND.
 */
long kvmmu_ppc_h_clear_rc(struct kvmmu_vm *vm, u64 flags, u64 pte_index,
			  u64 bit,
			  u64 *rets)
{
	struct ppc_hpt *hpt = to_ppc(vm)->hpt;
	long ret = KVMMU_PPC_H_SUCCESS;
	struct ppc_rev *rev;
	u64 *hptep, v, r;

	if (pte_index >= hpt->npte)
		return KVMMU_PPC_H_PARAMETER;
	hptep = ppc_hptep(hpt, pte_index);
	rev = &hpt->rev[pte_index];
	spin_lock(&vm->mmu_lock);
	kvmmu_ppc_hpte_lock(hptep);
	ppc_guest_view(hpt, pte_index, &v, &rets[0]);
	r = READ_ONCE(hptep[1]);
	if (!(v & HPTE_V_VALID)) {
		ret = KVMMU_PPC_H_NOT_FOUND;
	} else {
		if ((READ_ONCE(hptep[0]) & HPTE_V_VALID) && (r & bit) &&
		    !kvmmu_bug_on(!rev->rmap, vm)) {
			WRITE_ONCE(hptep[1], r & ~bit);
			kvmmu_mmu_leaf_dropped(ppc_rpn(r),
					       rev->flags & PPC_REV_REFCOUNTED,
					       bit == HPTE_R_R, bit == HPTE_R_C);
			kvmmu_ppc_rmap_lock(rev->rmap);
			WRITE_ONCE(*rev->rmap,
				   *rev->rmap | (bit << PPC_RMAP_RC_SHIFT));
			kvmmu_ppc_rmap_unlock(rev->rmap);
		}
		rev->guest_rpte = rets[0] & ~bit;
	}
	kvmmu_ppc_hpte_unlock(hptep);
	spin_unlock(&vm->mmu_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_h_clear_rc);

static void ppc_hcall(struct kvmmu_vcpu *vcpu, struct kvmmu_ppc_hcall *h)
{
	struct kvmmu_vm *vm = vcpu->vm;
	const u64 *a = h->args;

	h->rets[0] = 0;
	h->rets[1] = 0;
	switch (h->nr) {
	case KVMMU_PPC_H_ENTER:
		h->ret = kvmmu_ppc_h_enter(vm, a[0], a[1], a[2], a[3],
					   &h->rets[0]);
		break;
	case KVMMU_PPC_H_REMOVE:
		h->ret = kvmmu_ppc_h_remove(vm, a[0], a[1], a[2], h->rets);
		break;
	case KVMMU_PPC_H_READ:
		h->ret = kvmmu_ppc_h_read(vm, a[0], a[1], h->rets);
		break;
	case KVMMU_PPC_H_CLEAR_REF:
		h->ret = kvmmu_ppc_h_clear_rc(vm, a[0], a[1], HPTE_R_R,
					      h->rets);
		break;
	case KVMMU_PPC_H_CLEAR_MOD:
		h->ret = kvmmu_ppc_h_clear_rc(vm, a[0], a[1], HPTE_R_C,
					      h->rets);
		break;
	default:
		h->ret = KVMMU_PPC_H_FUNCTION;
		break;
	}
}

#define PPC_MSR_BITS	(KVMMU_PPC_MSR_DR | KVMMU_PPC_MSR_IR | KVMMU_PPC_MSR_PR)

long kvmmu_ppc_vcpu_ioctl(struct kvmmu_vcpu *vcpu, unsigned int ioctl,
			  void __user *argp)
{
	struct ppc_vcpu *pv = vcpu->arch;
	struct kvmmu_ppc_hcall h;
	u64 msr;

	switch (ioctl) {
	case KVMMU_PPC_GET_MSR:
		return put_user(pv->msr, (u64 __user *)argp);
	case KVMMU_PPC_SET_MSR:
		if (get_user(msr, (u64 __user *)argp))
			return -EFAULT;
		if (msr & ~PPC_MSR_BITS)
			return -EINVAL;
		pv->msr = msr;
		return 0;
	case KVMMU_PPC_HCALL:
		if (copy_from_user(&h, argp, sizeof(h)))
			return -EFAULT;
		if (h.reserved[0] || h.reserved[1])
			return -EINVAL;
		ppc_hcall(vcpu, &h);
		return copy_to_user(argp, &h, sizeof(h)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

int kvmmu_ppc_init_vcpu(struct kvmmu_vcpu *vcpu)
{
	struct ppc_vcpu *pv = kzalloc(sizeof(*pv), GFP_KERNEL_ACCOUNT);

	vcpu->arch = pv;
	return pv ? 0 : -ENOMEM;
}

void kvmmu_ppc_destroy_vcpu(struct kvmmu_vcpu *vcpu)
{
	kfree(vcpu->arch);
	vcpu->arch = NULL;
}

/*
 * KVMMU_PPC_ALLOCATE_HTAB: a new, empty table.  Only while the VM has no
 * vCPU (vm->lock keeps one from being added meanwhile): faults and hcalls
 * use the table without mmu_lock.
 */
static long ppc_allocate_htab(struct kvmmu_vm *vm, u32 __user *argp)
{
	struct ppc_hv *ppc = to_ppc(vm);
	struct ppc_hpt *new, *old;
	u32 order;
	long r = 0;

	if (get_user(order, argp))
		return -EFAULT;
	if (!order)
		order = KVMMU_PPC_HPT_ORDER_DEFAULT;
	if (order < KVMMU_PPC_HPT_ORDER_MIN || order > KVMMU_PPC_HPT_ORDER_MAX)
		return -EINVAL;
	new = kvmmu_ppc_hpt_alloc(order);
	if (!new)
		return -ENOMEM;

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus) {
		mutex_unlock(&vm->lock);
		kvmmu_ppc_hpt_free(new);
		return -EBUSY;
	}
	spin_lock(&vm->mmu_lock);
	old = ppc->hpt;
	if (kvmmu_ppc_hpt_zap_all(vm, old, 0, U64_MAX))
		kvmmu_flush_remote_tlbs(vm);
	WRITE_ONCE(ppc->hpt, new);
	spin_unlock(&vm->mmu_lock);
	atomic64_add(BIT(new->order - PAGE_SHIFT), &vm->stat.table_pages);
	atomic64_sub(BIT(old->order - PAGE_SHIFT), &vm->stat.table_pages);
	mutex_unlock(&vm->lock);
	kvmmu_ppc_hpt_free(old);

	if (put_user(order, argp))
		r = -EFAULT;
	return r;
}

long kvmmu_ppc_vm_ioctl(struct kvmmu_vm *vm, unsigned int ioctl,
			void __user *argp)
{
	switch (ioctl) {
	case KVMMU_PPC_ALLOCATE_HTAB:
		return ppc_allocate_htab(vm, argp);
	default:
		return -ENOTTY;
	}
}
