// SPDX-License-Identifier: GPL-2.0
/*
 * MIPS: the software TLB each vCPU's guest accesses go through (see
 * arch/mips/mips.h for the entry format).
 *
 * The TLB holds copies of GPA ptes, so it is a derived mapping: whatever
 * removes or reduces a pte (zap, aging, change_pte) must flush the
 * entries of those gfns from every vCPU's TLB before mmu_lock is dropped,
 * or a vCPU would go on using a page the host has taken back.  All of it
 * runs under mmu_lock; guest accesses do too, so a flush is complete when
 * it returns.
 */
#include <linux/list.h>
#include <linux/slab.h>

#include "mips.h"

static void mips_tlb_entry_clear(struct mips_tlb_entry *e)
{
	e->vpn2 = MIPS_TLB_EMPTY;
	e->lo[0] = 0;
	e->lo[1] = 0;
}

/**
 * kvmmu_mips_init_vcpu() - give a new vCPU an empty TLB
 * @vcpu: the vCPU, not yet visible to userspace
 *
 * The TLB joins the VM's list under mmu_lock, so that flushes see it
 * before the vCPU can fill it.
 *
 * Return: 0 or -ENOMEM.
 */
int kvmmu_mips_init_vcpu(struct kvmmu_vcpu *vcpu)
{
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_mips_tlb *tlb;
	int i;

	tlb = kzalloc(sizeof(*tlb), GFP_KERNEL_ACCOUNT);
	if (!tlb)
		return -ENOMEM;
	for (i = 0; i < MIPS_TLB_ENTRIES; i++)
		mips_tlb_entry_clear(&tlb->e[i]);
	spin_lock(&vm->mmu_lock);
	list_add_tail(&tlb->node, &to_mips(vm)->tlbs);
	spin_unlock(&vm->mmu_lock);
	vcpu->arch = tlb;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mips_init_vcpu);

void kvmmu_mips_destroy_vcpu(struct kvmmu_vcpu *vcpu)
{
	struct kvmmu_mips_tlb *tlb = to_mips_tlb(vcpu);
	struct kvmmu_vm *vm = vcpu->vm;

	spin_lock(&vm->mmu_lock);
	list_del(&tlb->node);
	spin_unlock(&vm->mmu_lock);
	kfree(tlb);
	vcpu->arch = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mips_destroy_vcpu);

static struct mips_tlb_entry *mips_tlb_probe(struct kvmmu_mips_tlb *tlb,
					     u64 vpn2)
{
	int i;

	for (i = 0; i < MIPS_TLB_ENTRIES; i++)
		if (tlb->e[i].vpn2 == vpn2)
			return &tlb->e[i];
	return NULL;
}

/* The entry a refill overwrites: an empty one, else round-robin. */
static struct mips_tlb_entry *mips_tlb_victim(struct kvmmu_mips_tlb *tlb)
{
	struct mips_tlb_entry *e = mips_tlb_probe(tlb, MIPS_TLB_EMPTY);

	if (e)
		return e;
	e = &tlb->e[tlb->next];
	tlb->next = (tlb->next + 1) % MIPS_TLB_ENTRIES;
	return e;
}

/* The EntryLo of @gfn's pte, 0 (invalid) if it is not mapped and valid. */
static u64 mips_tlb_entrylo(struct kvmmu_vm *vm, u64 gfn)
{
	u64 *ptep;

	lockdep_assert_held(&vm->mmu_lock);
	ptep = kvmmu_mips_pte(vm, gfn);
	return ptep ? mips_pte_to_entrylo(READ_ONCE(*ptep)) : 0;
}

/**
 * kvmmu_mips_tlb_access() - a guest access through the vCPU's TLB
 * @vcpu: the vCPU
 * @ga: the access; @ga->addr is guest-physical
 *
 * A hit uses the entry; a miss refills an entry, both pages of the pair,
 * from the GPA table if the accessed page's pte is VALID (the refill
 * handler), and uses it.  Nothing is written to the GPA table.
 *
 * Return: 0 with @ga->gfn and @ga->pfn set; -ENOENT for a TLB miss on an
 * invalid pte or a hit on an invalid half (TLB invalid); -EACCES for a
 * write through a half without D (TLB modified).
 */
int kvmmu_mips_tlb_access(struct kvmmu_vcpu *vcpu,
			  struct kvmmu_guest_access *ga)
{
	struct kvmmu_mips_tlb *tlb = to_mips_tlb(vcpu);
	u64 lo, gfn = ga->addr >> PAGE_SHIFT;
	struct kvmmu_vm *vm = vcpu->vm;
	unsigned int odd = gfn & 1;
	struct mips_tlb_entry *e;

	lockdep_assert_held(&vm->mmu_lock);
	if (gfn >> (vm->ops->gpa_bits - PAGE_SHIFT))
		return -ENOENT;
	e = mips_tlb_probe(tlb, gfn >> 1);
	if (!e) {
		lo = mips_tlb_entrylo(vm, gfn);
		if (!(lo & MIPS_ENTRYLO_V))
			return -ENOENT;
		e = mips_tlb_victim(tlb);
		e->vpn2 = gfn >> 1;
		e->lo[odd] = lo;
		e->lo[!odd] = mips_tlb_entrylo(vm, gfn ^ 1);
		tlb->refills++;
	}
	lo = e->lo[odd];
	if (!(lo & MIPS_ENTRYLO_V))
		return -ENOENT;
	if (ga->type == KVMMU_WRITE && !(lo & MIPS_ENTRYLO_D))
		return -EACCES;
	ga->gfn = gfn;
	ga->pfn = mips_entrylo_pfn(lo);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mips_tlb_access);

/**
 * kvmmu_mips_tlb_flush_local() - drop @gfn's entry from @vcpu's TLB
 * @vcpu: the vCPU
 * @gfn: a guest frame
 *
 * What the fault path does before it changes @gfn's pte, so that the
 * access it retries refills from the new pte (as KVM/MIPS invalidates the
 * host TLB entry of the faulting address).  Only @vcpu fills its TLB, and
 * it is in the fault path, so nothing can load the entry again before the
 * retry.
 */
void kvmmu_mips_tlb_flush_local(struct kvmmu_vcpu *vcpu, u64 gfn)
{
	struct mips_tlb_entry *e;

	lockdep_assert_held(&vcpu->vm->mmu_lock);
	e = mips_tlb_probe(to_mips_tlb(vcpu), gfn >> 1);
	if (e) {
		mips_tlb_entry_clear(e);
		to_mips(vcpu->vm)->tlb_invalidated++;
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mips_tlb_flush_local);

/**
 * kvmmu_mips_tlb_flush_range() - drop [@start, @end) from every vCPU's TLB
 * @vm: the VM
 * @start: first gfn
 * @end: end gfn (exclusive)
 *
 * An entry maps a pair of pages; one that maps either page of a pair the
 * range touches goes.  Costs one pass over every TLB, however large the
 * range.
 *
 * Return: whether an entry was dropped.
 */
bool kvmmu_mips_tlb_flush_range(struct kvmmu_vm *vm, u64 start, u64 end)
{
	struct kvmmu_mips *mips = to_mips(vm);
	struct kvmmu_mips_tlb *tlb;
	bool flushed = false;
	int i;

	lockdep_assert_held(&vm->mmu_lock);
	if (start >= end)
		return false;
	list_for_each_entry(tlb, &mips->tlbs, node) {
		for (i = 0; i < MIPS_TLB_ENTRIES; i++) {
			struct mips_tlb_entry *e = &tlb->e[i];

			if (e->vpn2 == MIPS_TLB_EMPTY ||
			    e->vpn2 < start >> 1 || e->vpn2 > (end - 1) >> 1)
				continue;
			mips_tlb_entry_clear(e);
			mips->tlb_invalidated++;
			flushed = true;
		}
	}
	return flushed;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_mips_tlb_flush_range);
