// SPDX-License-Identifier: GPL-2.0
/*
 * Book3S HV (KVMMU_VM_PPC_HV): the backend callbacks.  Guest accesses walk
 * the HPT as the hardware does; a miss, or an HPTE the guest allows but
 * the hypervisor made read-only, comes to ppc_fault(), which either
 * delivers a storage interrupt to the guest (DSISR in the access's data)
 * or instantiates the HPTE from the host page, without mmu_lock.  The
 * notifier's zap and age go through the rmap rings of the guest pages.
 * Formats and locking: arch/ppc/hpt.h.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "hpt.h"

/* Where a guest access lands: its segment's VSID and offset. */
struct ppc_xlate {
	u64 vsid;
	u64 off;
	bool virt;	/* relocation on: an effective address */
	bool user;	/* problem state: MSR PR, or KVMMU_ACCESS_USER */
};

static u64 ppc_msr(struct kvmmu_vcpu *vcpu)
{
	struct ppc_vcpu *pv = vcpu->arch;

	return pv ? pv->msr : 0;
}

/*
 * The segment of @addr for an access of @type.  Return: false if a real
 * address is beyond what guest memory can be (no slot: -ENOENT).
 */
static bool ppc_xlate(struct kvmmu_vcpu *vcpu, u64 addr,
		      enum kvmmu_access_type type, bool user,
		      struct ppc_xlate *x)
{
	u64 msr = ppc_msr(vcpu);

	x->virt = msr & (type == KVMMU_FETCH ? KVMMU_PPC_MSR_IR :
					       KVMMU_PPC_MSR_DR);
	x->off = addr & PPC_SEG_OFFSET;
	if (x->virt) {
		x->vsid = addr >> PPC_SEG_SHIFT;
		x->user = user || (msr & KVMMU_PPC_MSR_PR);
		return true;
	}
	/* Real mode: the hypervisor's protection applies (supervisor). */
	x->user = false;
	x->vsid = KVMMU_PPC_VRMA_VSID + (addr >> PPC_SEG_SHIFT);
	return !(addr >> vcpu->vm->ops->gpa_bits);
}

static int ppc_access(struct kvmmu_vcpu *vcpu, struct kvmmu_guest_access *ga)
{
	struct kvmmu_vm *vm = vcpu->vm;
	struct ppc_hpt *hpt = to_ppc(vm)->hpt;
	struct ppc_xlate x;
	u64 *hptep, r, set = HPTE_R_R;
	long i;

	lockdep_assert_held(&vm->mmu_lock);
	if (!ppc_xlate(vcpu, ga->addr, ga->type, ga->user, &x))
		return -ENOENT;
	i = kvmmu_ppc_hpt_search(hpt, x.vsid, x.off, HPTE_V_VALID);
	if (i < 0)
		return -ENOENT;
	hptep = ppc_hptep(hpt, i);
	r = READ_ONCE(hptep[1]);
	if (!kvmmu_ppc_pp_allows(r, x.user, ga->type))
		return -EACCES;
	if (ga->type == KVMMU_WRITE)
		set |= HPTE_R_C;
	if ((r & set) != set)
		WRITE_ONCE(hptep[1], r | set);
	ga->gfn = ppc_rpn(hpt->rev[i].guest_rpte);
	ga->pfn = ppc_rpn(r);
	return 0;
}

static void ppc_lookup(struct kvmmu_vcpu *vcpu, u64 addr,
		       struct kvmmu_mapping *m)
{
	struct ppc_hpt *hpt = to_ppc(vcpu->vm)->hpt;
	struct ppc_xlate x;
	u64 r;
	long i;

	lockdep_assert_held(&vcpu->vm->mmu_lock);
	memset(m, 0, sizeof(*m));
	if (!ppc_xlate(vcpu, addr, KVMMU_READ, false, &x))
		return;
	i = kvmmu_ppc_hpt_search(hpt, x.vsid, x.off, HPTE_V_VALID);
	if (i < 0)
		return;
	r = READ_ONCE(ppc_hptep(hpt, i)[1]);
	m->present = true;
	m->readable = kvmmu_ppc_pp_allows(r, x.user, KVMMU_READ);
	m->writable = kvmmu_ppc_pp_allows(r, x.user, KVMMU_WRITE);
	m->executable = kvmmu_ppc_pp_allows(r, x.user, KVMMU_FETCH);
	m->accessed = r & HPTE_R_R;
	m->dirty = r & HPTE_R_C;
	m->level = 1;
	m->memtype = (r & HPTE_R_WIMG) >> HPTE_R_WIMG_SHIFT;
	m->pfn = ppc_rpn(r);
}

/* What the fault handler saw of an HPTE, to find it unchanged later. */
struct ppc_snap {
	u64 v;
	u64 gr;
};

static void ppc_snapshot(struct ppc_hpt *hpt, u32 i, struct ppc_snap *s)
{
	u64 *hptep = ppc_hptep(hpt, i);

	kvmmu_ppc_hpte_lock(hptep);
	s->v = READ_ONCE(hptep[0]) & ~HPTE_V_HVLOCK;
	s->gr = hpt->rev[i].guest_rpte;
	kvmmu_ppc_hpte_unlock(hptep);
}

/* Same HPTE (valid, absent or being made so), same guest view? */
static bool ppc_snap_same(struct ppc_hpt *hpt, u32 i, const struct ppc_snap *s)
{
	const u64 state = HPTE_V_VALID | HPTE_V_ABSENT | HPTE_V_HVLOCK;
	u64 v = READ_ONCE(*ppc_hptep(hpt, i));

	return (v & (HPTE_V_VALID | HPTE_V_ABSENT)) &&
	       !((v ^ s->v) & ~state) &&
	       !((hpt->rev[i].guest_rpte ^ s->gr) & ~(HPTE_R_R | HPTE_R_C));
}

/*
 * ppc_prepare() with mmu_lock held if @may_zap, which a valid HPTE needs
 * to be made absent.
 */
static int __ppc_prepare(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i,
			 const struct ppc_snap *s, enum kvmmu_access_type type,
			 bool user, bool may_zap)
{
	u64 *hptep = ppc_hptep(hpt, i);
	int r = 0;

	if (may_zap)
		lockdep_assert_held(&vm->mmu_lock);
	kvmmu_ppc_hpte_lock(hptep);
	if (!ppc_snap_same(hpt, i, s)) {
		r = -EAGAIN;
	} else if (READ_ONCE(hptep[0]) & HPTE_V_VALID) {
		if (kvmmu_ppc_pp_allows(READ_ONCE(hptep[1]), user, type))
			r = 1;
		else if (!may_zap)
			r = -EAGAIN;
		else
			kvmmu_ppc_hpte_zap_locked(vm, hpt, i, false);
	}
	if (r)
		kvmmu_ppc_hpte_unlock(hptep);
	return r;
}

/**
 * ppc_prepare() - lock HPTE @i for instantiation
 * @vm: the VM; no lock held
 * @hpt: its table
 * @i: the HPTE
 * @s: what the fault found there
 * @type: the access
 * @user: a problem-state access
 *
 * A valid HPTE (the hypervisor made it read-only and the guest writes) is
 * first made absent, under mmu_lock, as every valid -> not-valid change.
 *
 * Return: 0 with @i locked and absent; 1 (unlocked) when a valid HPTE
 * permits the access already; -EAGAIN (unlocked) when it changed.
 */
static int ppc_prepare(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i,
		       const struct ppc_snap *s, enum kvmmu_access_type type,
		       bool user)
{
	int r;

	if (!(s->v & HPTE_V_VALID))
		return __ppc_prepare(vm, hpt, i, s, type, user, false);
	spin_lock(&vm->mmu_lock);
	r = __ppc_prepare(vm, hpt, i, s, type, user, true);
	spin_unlock(&vm->mmu_lock);
	return r;
}

/*
 * Instantiate HPTE @i, locked and absent, from @f; unlocks it and ends the
 * fault.  Return: 0 or -EAGAIN (retry).
 */
static int ppc_install(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i,
		       struct kvmmu_fault *f)
{
	int r;

	r = kvmmu_ppc_hpte_install(vm, hpt, i, kvmmu_memslot_rmap(f->slot,
								  f->gfn, 1),
				   f->pfn, f->writable, f->page, f->mmu_seq);
	kvmmu_ppc_hpte_unlock(ppc_hptep(hpt, i));
	return r;
}

/*
 * End a fault: @r is 0 (installed), 1 (an HPTE permitting the access was
 * there already: nothing installed, nothing lost), or an error.
 */
static int ppc_fault_end(struct kvmmu_vm *vm, struct kvmmu_fault *f, int r)
{
	kvmmu_fault_release(vm, f, r > 0 ? -EEXIST : r);
	return r > 0 ? 0 : r;
}

/* A storage interrupt for the guest. */
static int ppc_guest_fault(struct kvmmu_guest_access *ga, u64 dsisr)
{
	if (ga->type == KVMMU_WRITE)
		dsisr |= PPC_DSISR_ISSTORE;
	ga->error_code = dsisr;
	return KVMMU_RESULT_PAGE_FAULT;
}

/* Relocation on: the guest's HPTE, or a storage interrupt. */
static int ppc_fault_virt(struct kvmmu_vcpu *vcpu,
			  struct kvmmu_guest_access *ga,
			  const struct ppc_xlate *x)
{
	struct kvmmu_fault f = { .write = ga->type == KVMMU_WRITE };
	struct kvmmu_vm *vm = vcpu->vm;
	struct ppc_hpt *hpt = to_ppc(vm)->hpt;
	struct ppc_snap s;
	long i;
	int r;

	i = kvmmu_ppc_hpt_search(hpt, x->vsid, x->off,
				 HPTE_V_VALID | HPTE_V_ABSENT);
	if (i < 0)
		return ppc_guest_fault(ga, PPC_DSISR_NOHPTE);
	ppc_snapshot(hpt, i, &s);
	if (!(s.v & (HPTE_V_VALID | HPTE_V_ABSENT)))
		return -EAGAIN;	/* removed meanwhile: search again */
	if (!kvmmu_ppc_pp_allows(s.gr, x->user, ga->type))
		return ppc_guest_fault(ga, PPC_DSISR_PROTFAULT);

	/* No memslot (MMIO): -ENOENT, as KVM would exit to userspace. */
	f.gfn = ppc_rpn(s.gr);
	r = kvmmu_faultin_pfn(vcpu, &f);
	if (r)
		return r;
	r = ppc_prepare(vm, hpt, i, &s, ga->type, x->user);
	if (!r)
		r = ppc_install(vm, hpt, i, &f);
	return ppc_fault_end(vm, &f, r);
}

/*
 * Relocation off: the VRMA HPTE of the guest real address, entered here
 * if there is none (vrma_lock keeps two vCPUs from entering one each).
 */
static int ppc_fault_real(struct kvmmu_vcpu *vcpu,
			  struct kvmmu_guest_access *ga,
			  const struct ppc_xlate *x)
{
	struct kvmmu_fault f = {
		.gfn = ga->addr >> PAGE_SHIFT,
		.write = ga->type == KVMMU_WRITE,
	};
	struct kvmmu_vm *vm = vcpu->vm;
	struct ppc_hv *ppc = to_ppc(vm);
	struct ppc_hpt *hpt = ppc->hpt;
	struct ppc_snap s;
	long i;
	int r;

	r = kvmmu_faultin_pfn(vcpu, &f);
	if (r)
		return r;

	spin_lock(&ppc->vrma_lock);
	i = kvmmu_ppc_hpt_search(hpt, x->vsid, x->off,
				 HPTE_V_VALID | HPTE_V_ABSENT);
	if (i >= 0) {
		ppc_snapshot(hpt, i, &s);
		r = ppc_prepare(vm, hpt, i, &s, ga->type, false);
	} else {
		u64 hash = kvmmu_ppc_hpt_hash(x->vsid, x->off);
		u32 groups[2] = { hash & hpt->mask, ~hash & hpt->mask };
		u64 v = ppc_hpte_va_bits(x->vsid, x->off) | HPTE_V_ABSENT;

		i = kvmmu_ppc_hpt_claim(vm, hpt, groups, 2);
		if (i < 0) {
			/* Both groups are full of the guest's own HPTEs. */
			r = -EFAULT;
		} else {
			if (i / HPTES_PER_GROUP != groups[0])
				v |= HPTE_V_SECONDARY;
			hpt->rev[i].guest_rpte = (f.gfn << HPTE_R_RPN_SHIFT) |
						 HPTE_R_M | PP_RW_RW;
			hpt->rev[i].flags = PPC_REV_VRMA;
			kvmmu_ppc_hpte_set_v(ppc_hptep(hpt, i), v);
		}
	}
	if (!r)
		r = ppc_install(vm, hpt, i, &f);
	spin_unlock(&ppc->vrma_lock);
	return ppc_fault_end(vm, &f, r);
}

static int ppc_fault(struct kvmmu_vcpu *vcpu, struct kvmmu_guest_access *ga)
{
	struct ppc_xlate x;

	if (!ppc_xlate(vcpu, ga->addr, ga->type, ga->user, &x))
		return -ENOENT;
	if (x.virt)
		return ppc_fault_virt(vcpu, ga, &x);
	return ppc_fault_real(vcpu, ga, &x);
}

static bool ppc_zap_gfn_range(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range)
{
	struct ppc_hpt *hpt = to_ppc(vm)->hpt;
	unsigned int done = 0;
	bool zapped = false;
	u64 gfn;

	lockdep_assert_held(&vm->mmu_lock);
	if (!range->slot)
		return kvmmu_ppc_hpt_zap_all(vm, hpt, range->start, range->end);
	for (gfn = range->start; gfn < range->end; gfn++) {
		zapped |= kvmmu_ppc_zap_rmap(vm, hpt,
					     kvmmu_memslot_rmap(range->slot,
								gfn, 1));
		/* Each gfn's ring is done with its rmap lock released. */
		kvmmu_mmu_zap_cond_yield(vm, range, &done, &zapped);
	}
	return zapped;
}

static bool ppc_age_gfn_range(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range, bool clear)
{
	struct ppc_hpt *hpt = to_ppc(vm)->hpt;
	bool young = false;
	u64 gfn;

	lockdep_assert_held(&vm->mmu_lock);
	for (gfn = range->start; gfn < range->end; gfn++)
		young |= kvmmu_ppc_age_rmap(vm, hpt,
					    kvmmu_memslot_rmap(range->slot, gfn,
							       1),
					    clear);
	return young;
}

/*
 * The host replaced the page: the HPTEs that map the old one become
 * absent, and the next access instantiates them from the new one (through
 * the fault path, which is where write access and dirtying are decided).
 */
static bool ppc_change_pte(struct kvmmu_vm *vm,
			   const struct kvmmu_gfn_range *range)
{
	lockdep_assert_held(&vm->mmu_lock);
	return ppc_zap_gfn_range(vm, range);
}

static int ppc_init_vm(struct kvmmu_vm *vm)
{
	struct ppc_hv *ppc = kzalloc(sizeof(*ppc), GFP_KERNEL_ACCOUNT);

	if (!ppc)
		return -ENOMEM;
	ppc->hpt = kvmmu_ppc_hpt_alloc(KVMMU_PPC_HPT_ORDER_DEFAULT);
	if (!ppc->hpt) {
		kfree(ppc);
		return -ENOMEM;
	}
	spin_lock_init(&ppc->vrma_lock);
	vm->arch = ppc;
	atomic64_add(BIT(ppc->hpt->order - PAGE_SHIFT), &vm->stat.table_pages);
	return 0;
}

static void ppc_destroy_vm(struct kvmmu_vm *vm)
{
	struct ppc_hv *ppc = to_ppc(vm);
	u32 i;

	if (!ppc)
		return;
	/* The notifier's release made every HPTE absent. */
	for (i = 0; i < ppc->hpt->npte; i++)
		if (kvmmu_bug_on(*ppc_hptep(ppc->hpt, i) & HPTE_V_VALID, vm))
			break;
	atomic64_sub(BIT(ppc->hpt->order - PAGE_SHIFT), &vm->stat.table_pages);
	kvmmu_ppc_hpt_free(ppc->hpt);
	kfree(ppc);
	vm->arch = NULL;
}

const struct kvmmu_arch_ops kvmmu_ppc_hv_ops = {
	.name = "ppc-hv",
	.type = KVMMU_VM_PPC_HV,
	.gpa_bits = 48,
	.readonly_mem = true,
	.rmap_levels = 1,
	.rmap_destroy = NULL,
	.cache_pages = 0,
	.init_vm = ppc_init_vm,
	.destroy_vm = ppc_destroy_vm,
	.init_vcpu = kvmmu_ppc_init_vcpu,
	.destroy_vcpu = kvmmu_ppc_destroy_vcpu,
	.vm_ioctl = kvmmu_ppc_vm_ioctl,
	.vcpu_ioctl = kvmmu_ppc_vcpu_ioctl,
	.fault = ppc_fault,
	.access = ppc_access,
	.lookup = ppc_lookup,
	.zap_gfn_range = ppc_zap_gfn_range,
	.age_gfn_range = ppc_age_gfn_range,
	.change_pte = ppc_change_pte,
};
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hv_ops);
