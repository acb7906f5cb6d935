/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MIPS: a GPA page table in the MIPS Linux PTE format, and the software
 * TLB (R4000-style JTLB) that guest accesses go through.
 *
 * GPA page table: 4 levels of 512 64-bit entries (48-bit guest-physical
 * addresses, 4 KiB pages), as arch/mips/kvm/mmu.c keeps beside the host's
 * own tables, walked by the radix walker (include/kvmmu/walk.h).
 * Entries of levels 4 to 2 hold the physical address of the next table
 * with MIPS_PTE_PRESENT set; level 1 holds leaves:
 *
 *   bit  0	PRESENT		software: a page is mapped
 *   bit  1	WRITE		software: the host page and the slot may be
 *				written (the guest may be given DIRTY)
 *   bit  2	ACCESSED	software: young
 *   bit  3	MODIFIED	software: the guest wrote the page; handed to
 *				the host page (set_page_dirty) when the pte
 *				goes
 *   bit  4	REFCOUNTED	kvmmu: the pfn is a refcounted host page (see
 *				EPT_SW_REFCOUNTED); MIPS Linux has _PAGE_HUGE
 *				here, which kvmmu never needs (4 KiB only)
 *   bit  5	(zero)
 *   bit  6	GLOBAL		hardware (EntryLo.G): never set, a GPA
 *				mapping belongs to no ASID
 *   bit  7	VALID		hardware (EntryLo.V): the TLB may map it
 *   bit  8	DIRTY		hardware (EntryLo.D): the TLB may write it
 *   bits 9-11	CCA		hardware (EntryLo.C): cache coherency
 *				attribute, always 3 (cacheable noncoherent)
 *   bits 12-51	PFN		hardware (EntryLo.PFN)
 *
 * The hardware bits are laid out as MIPS Linux lays them out: a pte
 * shifted right by MIPS_PTE_GLOBAL_SHIFT is the EntryLo value a TLB refill
 * loads (G 0, V 1, D 2, C 3-5, PFN from bit 6).
 *
 * Invariants, kept by the mk* helpers below as by pte_mkyoung() & co. in
 * arch/mips/include/asm/pgtable.h:
 *  - VALID implies ACCESSED: mkyoung sets both, mkold clears both;
 *  - DIRTY implies MODIFIED and WRITE: mkdirty sets MODIFIED, and DIRTY
 *    only if WRITE; mkclean clears both; wrprotect clears WRITE and DIRTY.
 *
 * A guest access sets no pte bit (the hardware does not): it goes through
 * the vCPU's TLB, and a TLB miss refills from VALID ptes only.  Accessed
 * and dirty tracking happen in the fault path: an old page (VALID clear)
 * faults and is made young, a clean page (DIRTY clear) faults on a write
 * and is made dirty if WRITE says it may be.
 */
#ifndef _KVMMU_ARCH_MIPS_H
#define _KVMMU_ARCH_MIPS_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

#include "kvmmu/walk.h"

#define MIPS_PTE_PRESENT	BIT_ULL(0)
#define MIPS_PTE_WRITE		BIT_ULL(1)
#define MIPS_PTE_ACCESSED	BIT_ULL(2)
#define MIPS_PTE_MODIFIED	BIT_ULL(3)
#define MIPS_PTE_REFCOUNTED	BIT_ULL(4)
#define MIPS_PTE_GLOBAL_SHIFT	6
#define MIPS_PTE_GLOBAL		BIT_ULL(6)
#define MIPS_PTE_VALID		BIT_ULL(7)
#define MIPS_PTE_DIRTY		BIT_ULL(8)
#define MIPS_PTE_CCA_SHIFT	9
#define MIPS_PTE_CCA_MASK	GENMASK_ULL(11, 9)
#define MIPS_PTE_PFN_SHIFT	12
#define MIPS_PTE_PFN_MASK	GENMASK_ULL(51, 12)

/* Cache coherency attribute 3: cacheable, noncoherent, write-back. */
#define MIPS_CCA_CACHABLE_NONCOHERENT	3ULL

/* EntryLo: a pte's hardware bits, as a TLB entry holds them. */
#define MIPS_ENTRYLO_G		BIT_ULL(0)
#define MIPS_ENTRYLO_V		BIT_ULL(1)
#define MIPS_ENTRYLO_D		BIT_ULL(2)
#define MIPS_ENTRYLO_C_SHIFT	3
#define MIPS_ENTRYLO_C_MASK	GENMASK_ULL(5, 3)
#define MIPS_ENTRYLO_PFN_SHIFT	6

static inline bool mips_pte_present(u64 pte)
{
	return pte & MIPS_PTE_PRESENT;
}

static inline unsigned long mips_pte_pfn(u64 pte)
{
	return (pte & MIPS_PTE_PFN_MASK) >> MIPS_PTE_PFN_SHIFT;
}

static inline unsigned int mips_pte_cca(u64 pte)
{
	return (pte & MIPS_PTE_CCA_MASK) >> MIPS_PTE_CCA_SHIFT;
}

/* Young: accessed, and valid to the TLB. */
static inline u64 mips_pte_mkyoung(u64 pte)
{
	return pte | MIPS_PTE_ACCESSED | MIPS_PTE_VALID;
}

/* Old: the next access through the TLB faults and makes it young. */
static inline u64 mips_pte_mkold(u64 pte)
{
	return pte & ~(MIPS_PTE_ACCESSED | MIPS_PTE_VALID);
}

/* Modified; hardware-writable only where the page may be written. */
static inline u64 mips_pte_mkdirty(u64 pte)
{
	pte |= MIPS_PTE_MODIFIED;
	if (pte & MIPS_PTE_WRITE)
		pte |= MIPS_PTE_DIRTY;
	return pte;
}

/* Clean: the next write through the TLB faults and makes it dirty. */
static inline u64 mips_pte_mkclean(u64 pte)
{
	return pte & ~(MIPS_PTE_MODIFIED | MIPS_PTE_DIRTY);
}

static inline u64 mips_pte_wrprotect(u64 pte)
{
	return pte & ~(MIPS_PTE_WRITE | MIPS_PTE_DIRTY);
}

/* The EntryLo a TLB refill loads for @pte: zero (invalid) unless VALID. */
static inline u64 mips_pte_to_entrylo(u64 pte)
{
	if (!mips_pte_present(pte) || !(pte & MIPS_PTE_VALID))
		return 0;
	return (pte & (MIPS_PTE_GLOBAL | MIPS_PTE_VALID | MIPS_PTE_DIRTY |
		       MIPS_PTE_CCA_MASK | MIPS_PTE_PFN_MASK)) >>
	       MIPS_PTE_GLOBAL_SHIFT;
}

static inline unsigned long mips_entrylo_pfn(u64 lo)
{
	return lo >> MIPS_ENTRYLO_PFN_SHIFT;
}

/*
 * The software TLB of one vCPU: a fully associative JTLB of
 * MIPS_TLB_ENTRIES entries, each mapping an even/odd pair of guest pages
 * (VPN2 = gfn >> 1) through EntryLo0 (even) and EntryLo1 (odd).  No ASIDs:
 * every entry is a guest-physical translation.  A refill takes an empty
 * entry if there is one, else the next one round-robin (as tlbwr with the
 * Random register, but deterministic).
 */
#define MIPS_TLB_ENTRIES	32
/* EntryHi of an empty entry: no VPN2 of a 48-bit gpa is that large. */
#define MIPS_TLB_EMPTY		(~0ULL)

struct mips_tlb_entry {
	u64 vpn2;
	u64 lo[2];
};

/**
 * struct kvmmu_mips_tlb - a vCPU's software TLB (vcpu->arch)
 * @node: in the VM's list of TLBs, under mmu_lock
 * @next: the round-robin victim when no entry is empty
 * @refills: entries loaded from the GPA table (for the KUnit suite)
 * @e: the entries
 *
 * Filled only by its own vCPU's accesses, under mmu_lock; emptied by any
 * path that reduces a pte, under mmu_lock.
 */
struct kvmmu_mips_tlb {
	struct list_head node;
	unsigned int next;
	u64 refills;
	struct mips_tlb_entry e[MIPS_TLB_ENTRIES];
};

/**
 * struct kvmmu_mips - a MIPS VM's backend state (vm->arch)
 * @gpa: the GPA page table
 * @tlbs: every vCPU's struct kvmmu_mips_tlb, under mmu_lock
 * @tlb_invalidated: TLB entries emptied by flushes (for the KUnit suite)
 */
struct kvmmu_mips {
	struct kvmmu_radix gpa;
	struct list_head tlbs;
	u64 tlb_invalidated;
};

static inline struct kvmmu_mips *to_mips(struct kvmmu_vm *vm)
{
	return vm->arch;
}

static inline struct kvmmu_mips_tlb *to_mips_tlb(struct kvmmu_vcpu *vcpu)
{
	return vcpu->arch;
}

/*
 * The leaf entry of @gfn (mmu_lock held), or NULL if @gfn is beyond the
 * table's reach or a table on the way is missing.
 */
static inline u64 *kvmmu_mips_pte(struct kvmmu_vm *vm, u64 gfn)
{
	return kvmmu_radix_leaf(vm, gfn);
}

/* tlb.c */
int kvmmu_mips_init_vcpu(struct kvmmu_vcpu *vcpu);
void kvmmu_mips_destroy_vcpu(struct kvmmu_vcpu *vcpu);
int kvmmu_mips_tlb_access(struct kvmmu_vcpu *vcpu,
			  struct kvmmu_guest_access *ga);
void kvmmu_mips_tlb_flush_local(struct kvmmu_vcpu *vcpu, u64 gfn);
bool kvmmu_mips_tlb_flush_range(struct kvmmu_vm *vm, u64 start, u64 end);

#endif /* _KVMMU_ARCH_MIPS_H */
