/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PowerPC Book3S HV (KVMMU_VM_PPC_HV): the hashed page table (HPT), its
 * reverse maps, and what arch/ppc/{hpt,hv,hcall}.c share.
 *
 * The HPT is 2^order bytes of HPTEs, two 64-bit words each (v, r), in
 * groups (PTEGs) of 8.  Bits are numbered from the least significant (0),
 * the Power ISA 2.07 layout:
 *
 *   v:	bit  0		V: valid (the hardware uses it)
 *	bit  1		H: found through the secondary hash
 *	bit  2		L: large page (never: 4 KiB pages only)
 *	bit  4		BOLTED (software, the guest's)
 *	bit  5		ABSENT (software): V clear, but the HPTE is there: the
 *			guest entered it, or the host invalidated its page;
 *			the next access faults and the handler instantiates it
 *	bit  6		HVLOCK (software): the HPTE lock, see LOCKING
 *	bits 7-61	AVPN: VA >> 23, the VA being VSID << 40 | segment offset
 *	bits 62-63	B: segment size, always 1 (1 TiB)
 *
 *   r:	bits 0-1, 63	pp, pp0: page protection (below)
 *	bit  2		N: no-execute
 *	bits 3-6	WIMG; the hypervisor's HPTEs have M only (memtype 2)
 *	bit  7		C: changed, set by a write through the HPTE
 *	bit  8		R: referenced, set by any access through it
 *	bits 12-55	RPN: the host pfn in the hypervisor's HPTE; the guest
 *			frame in the guest's view of it (revmap guest_rpte)
 *
 * pp0||pp for the supervisor (key 0) and problem state (key 1): 000 RW/
 * none, 001 RW/RO, 010 RW/RW, 011 RO/RO, 110 RO/none; 100, 101 and 111 are
 * reserved (no access; H_ENTER refuses them).  Fetches need read access
 * and N clear.
 *
 * The hash of a 4 KiB page in a 1 TiB segment: vsid ^ (vsid << 25) ^
 * (offset >> 12); the primary PTEG is hash & mask, the secondary ~hash &
 * mask (mask = number of PTEGs - 1).  An access searches the primary PTEG
 * for a valid HPTE with H clear and its AVPN, then the secondary with H set,
 * as the hardware does.
 *
 * Address spaces.  Effective addresses (the vCPU with MSR DR, IR for
 * fetches): segment n (EA >> 40) has VSID n, 24 bits; the guest enters
 * the HPTEs (H_ENTER), with VSIDs below 2^24 only.  Guest real addresses
 * (MSR DR/IR clear) go through the VRMA: segment n (real address bits
 * 47:40) has VSID KVMMU_PPC_VRMA_VSID + n, above every guest VSID; the
 * hypervisor enters those HPTEs itself on the first access, and may evict
 * them from a full group (hpte_evictions) to make room.  Guest HPTEs are
 * never evicted.
 *
 * revmap: one struct ppc_rev per HPTE.  @guest_rpte is the guest's view of
 * r (guest RPN, pp, N, WIMG, and R/C as the guest sees them: what the
 * hypervisor harvested from the HPTE, or-ed in); @forw/@back link the valid
 * HPTEs that map the same guest page into a ring.
 *
 * rmap word (one unsigned long per guest page, the memslot's level-1 rmap):
 *	bit 63		lock (bit_spin_lock)
 *	bit 40		R summary: the page was referenced through an HPTE
 *			since it was last aged
 *	bit 39		C summary: the page was changed through an HPTE
 *	bit 32		PRESENT: the ring is not empty
 *	bits 0-31	index of the first HPTE of the ring
 * The summary bits are r's R and C shifted by 32, as upstream.
 *
 * LOCKING.  Three locks, always taken in this order:
 *
 *	vm->mmu_lock -> HPTE lock (HVLOCK) -> rmap lock
 *
 * and an rmap lock holder only ever trylocks an HPTE: on failure it drops
 * the rmap lock, waits for the HPTE lock to clear and starts over, so there
 * is no inversion.  The HPTE and rmap locks are bit locks taken with
 * preemption off; nothing sleeps under any of them.  ppc_hv.vrma_lock,
 * taken by real-mode faults only, nests outside mmu_lock: it serialises the
 * entering of VRMA HPTEs, so that no VA gets two.
 *
 *  - HPTE lock: an HPTE's words and its revmap entry's @guest_rpte, @rmap
 *    and @flags.  rmap lock: the word and the @forw/@back of the ring.
 *  - mmu_lock is held by every valid -> not-valid transition (notifier
 *    zap, H_REMOVE, eviction, permission upgrade, HTAB reallocation) and
 *    every change to r of a valid HPTE (aging, H_CLEAR_REF/MOD), because
 *    guest accesses (->access) run under mmu_lock without the HPTE lock:
 *    they find the HPTE, set R/C in it and copy the page, all under
 *    mmu_lock, which is what makes the access safe without a page
 *    reference, and R/C exact.
 *  - not-valid -> valid (instantiation) runs in ->fault without mmu_lock,
 *    as upstream: kvmmu_faultin_pfn() (may sleep, nothing held), HPTE
 *    lock, rmap lock of the page, the retry check under it (seq, and the
 *    range of the invalidations in progress:
 *    kvmmu_mmu_invalidate_retry_unlocked()), link
 *    into the ring, write r, then v with release semantics, unlock rmap,
 *    unlock HPTE, kvmmu_fault_release().  An invalidation counts itself in
 *    progress and adds its range (under mmu_lock) before it takes the rmap
 *    lock of any page it zaps, so the check under that lock sees it, or
 *    the zap finds the new HPTE in the ring.
 *  - Readers that hold mmu_lock but not the HPTE lock read v with acquire
 *    semantics before r.
 *  - The table itself is replaced (KVMMU_PPC_ALLOCATE_HTAB) only while the
 *    VM has no vCPU (vm->lock held), so faults and hcalls, which run
 *    without mmu_lock, always see the same table; everyone else reads the
 *    pointer under mmu_lock.
 */
#ifndef _KVMMU_PPC_HPT_H
#define _KVMMU_PPC_HPT_H

#include <linux/bits.h>
#include <linux/types.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/mmu.h"

#define HPTE_V_VALID		BIT_ULL(0)
#define HPTE_V_SECONDARY	BIT_ULL(1)
#define HPTE_V_LARGE		BIT_ULL(2)
#define HPTE_V_BOLTED		BIT_ULL(4)
#define HPTE_V_ABSENT		BIT_ULL(5)
#define HPTE_V_HVLOCK_BIT	6
#define HPTE_V_HVLOCK		BIT_ULL(HPTE_V_HVLOCK_BIT)
#define HPTE_V_AVPN_SHIFT	7
#define HPTE_V_AVPN		GENMASK_ULL(61, 7)
#define HPTE_V_B_SHIFT		62
#define HPTE_V_B		GENMASK_ULL(63, 62)
#define HPTE_V_B_1T		BIT_ULL(HPTE_V_B_SHIFT)	/* B = 1: 1 TiB */

#define HPTE_R_PP		GENMASK_ULL(1, 0)
#define HPTE_R_N		BIT_ULL(2)
#define HPTE_R_WIMG		GENMASK_ULL(6, 3)
#define HPTE_R_WIMG_SHIFT	3
#define HPTE_R_M		BIT_ULL(4)
#define HPTE_R_C		BIT_ULL(7)
#define HPTE_R_R		BIT_ULL(8)
#define HPTE_R_RPN		GENMASK_ULL(55, 12)
#define HPTE_R_RPN_SHIFT	12
#define HPTE_R_PP0		BIT_ULL(63)

/* pp0||pp values */
#define PP_RW_NONE		0	/* supervisor RW, user none */
#define PP_RW_RO		1
#define PP_RW_RW		2
#define PP_RO_RO		3
#define PP_RO_NONE		6	/* pp0 set */

/* The r bits a guest may set in H_ENTER. */
#define HPTE_R_GUEST		(HPTE_R_PP | HPTE_R_N | HPTE_R_WIMG | \
				 HPTE_R_C | HPTE_R_R | HPTE_R_RPN | HPTE_R_PP0)

/* 1 TiB segments of 4 KiB pages */
#define PPC_SEG_SHIFT		40
#define PPC_SEG_OFFSET		GENMASK_ULL(39, 0)
/* EA >> 40: effective-address VSIDs are below this */
#define PPC_GUEST_VSID_LIMIT	BIT_ULL(64 - PPC_SEG_SHIFT)

#define HPTES_PER_GROUP		8

/* The rmap word */
#define PPC_RMAP_LOCK_BIT	63
#define PPC_RMAP_RC_SHIFT	32
#define PPC_RMAP_R		(HPTE_R_R << PPC_RMAP_RC_SHIFT)
#define PPC_RMAP_C		(HPTE_R_C << PPC_RMAP_RC_SHIFT)
#define PPC_RMAP_PRESENT	BIT_ULL(32)
#define PPC_RMAP_INDEX		GENMASK_ULL(31, 0)

/* DSISR bits of a guest storage interrupt (kvmmu_access.data) */
#define PPC_DSISR_NOHPTE	0x40000000ULL
#define PPC_DSISR_PROTFAULT	0x08000000ULL
#define PPC_DSISR_ISSTORE	0x02000000ULL

/* PAPR hcall flags */
#define PPC_H_EXACT		BIT_ULL(63 - 56)
#define PPC_H_AVPN		BIT_ULL(63 - 32)
#define PPC_H_ANDCOND		BIT_ULL(63 - 33)

/* struct ppc_rev.flags */
#define PPC_REV_VRMA		BIT(0)	/* the hypervisor's (VRMA) HPTE */
#define PPC_REV_REFCOUNTED	BIT(1)	/* maps a refcounted host page */

/**
 * struct ppc_rev - the revmap entry of one HPTE
 * @guest_rpte: the guest's view of r; see the top of this file
 * @rmap: the rmap word of the page a valid HPTE maps, else NULL
 * @forw: next HPTE of the ring of that page
 * @back: previous one
 * @flags: PPC_REV_*
 */
struct ppc_rev {
	u64 guest_rpte;
	unsigned long *rmap;
	u32 forw;
	u32 back;
	u32 flags;
};

/**
 * struct ppc_hpt - one hashed page table
 * @virt: the HPTEs, v at [2 * i], r at [2 * i + 1]
 * @rev: one revmap entry per HPTE
 * @order: log2 of its size in bytes
 * @npte: number of HPTEs
 * @mask: number of PTEGs - 1
 */
struct ppc_hpt {
	u64 *virt;
	struct ppc_rev *rev;
	u32 order;
	u32 npte;
	u32 mask;
};

/**
 * struct ppc_hv - a Book3S HV VM's MMU state (vm->arch)
 * @hpt: the table; replaced only while the VM has no vCPU
 * @vrma_lock: serialises entering VRMA HPTEs
 * @evict_next: where the next eviction starts looking in a group
 */
struct ppc_hv {
	struct ppc_hpt *hpt;
	spinlock_t vrma_lock;	/* VRMA entering; see above */
	u32 evict_next;
};

/* A vCPU's state (vcpu->arch): the MSR bits kvmmu models. */
struct ppc_vcpu {
	u64 msr;
};

static inline struct ppc_hv *to_ppc(struct kvmmu_vm *vm)
{
	return vm->arch;
}

static inline u64 *ppc_hptep(struct ppc_hpt *hpt, u32 i)
{
	return &hpt->virt[2 * (size_t)i];
}

static inline unsigned long ppc_rpn(u64 r)
{
	return (r & HPTE_R_RPN) >> HPTE_R_RPN_SHIFT;
}

static inline unsigned int ppc_pp(u64 r)
{
	return (r & HPTE_R_PP) | ((r & HPTE_R_PP0) ? 4 : 0);
}

/* The v bits that name a VA: AVPN and segment size. */
static inline u64 ppc_hpte_va_bits(u64 vsid, u64 off)
{
	return (((vsid << 17) | (off >> 23)) << HPTE_V_AVPN_SHIFT) |
	       HPTE_V_B_1T;
}

/* arch/ppc/hpt.c */
struct ppc_hpt *kvmmu_ppc_hpt_alloc(u32 order);
void kvmmu_ppc_hpt_free(struct ppc_hpt *hpt);
u64 kvmmu_ppc_hpt_hash(u64 vsid, u64 off);
long kvmmu_ppc_hpt_search(struct ppc_hpt *hpt, u64 vsid, u64 off, u64 valid);
bool kvmmu_ppc_pp_allows(u64 r, bool user, enum kvmmu_access_type type);
bool kvmmu_ppc_hpte_trylock(u64 *hptep);
void kvmmu_ppc_hpte_lock(u64 *hptep);
void kvmmu_ppc_hpte_unlock(u64 *hptep);
void kvmmu_ppc_hpte_set_v(u64 *hptep, u64 v);
void kvmmu_ppc_rmap_lock(unsigned long *rmapp);
void kvmmu_ppc_rmap_unlock(unsigned long *rmapp);
void kvmmu_ppc_rmap_link(struct ppc_hpt *hpt, unsigned long *rmapp, u32 i);
bool kvmmu_ppc_rmap_unlink(struct ppc_hpt *hpt, unsigned long *rmapp, u32 i);
void kvmmu_ppc_hpte_unmap(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i,
			  bool free);
void kvmmu_ppc_hpte_zap_locked(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i,
			       bool free);
int kvmmu_ppc_hpte_install(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i,
			   unsigned long *rmapp, unsigned long pfn,
			   bool writable, bool refcounted,
			   unsigned long mmu_seq);
bool kvmmu_ppc_zap_rmap(struct kvmmu_vm *vm, struct ppc_hpt *hpt,
			unsigned long *rmapp);
bool kvmmu_ppc_age_rmap(struct kvmmu_vm *vm, struct ppc_hpt *hpt,
			unsigned long *rmapp, bool clear);
bool kvmmu_ppc_hpt_zap_all(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u64 start,
			   u64 end);
long kvmmu_ppc_hpt_claim(struct kvmmu_vm *vm, struct ppc_hpt *hpt,
			 const u32 *groups, int ngroups);
int kvmmu_ppc_hpt_claim_exact(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i);

/* arch/ppc/hcall.c */
long kvmmu_ppc_h_enter(struct kvmmu_vm *vm, u64 flags, u64 pte_index, u64 pteh,
		       u64 ptel, u64 *index_out);
long kvmmu_ppc_h_remove(struct kvmmu_vm *vm, u64 flags, u64 pte_index, u64 avpn,
			u64 *rets);
long kvmmu_ppc_h_read(struct kvmmu_vm *vm, u64 flags, u64 pte_index, u64 *rets);
long kvmmu_ppc_h_clear_rc(struct kvmmu_vm *vm, u64 flags, u64 pte_index,
			  u64 bit,
			  u64 *rets);
int kvmmu_ppc_init_vcpu(struct kvmmu_vcpu *vcpu);
void kvmmu_ppc_destroy_vcpu(struct kvmmu_vcpu *vcpu);
long kvmmu_ppc_vcpu_ioctl(struct kvmmu_vcpu *vcpu, unsigned int ioctl,
			  void __user *argp);
long kvmmu_ppc_vm_ioctl(struct kvmmu_vm *vm, unsigned int ioctl,
			void __user *argp);

#endif /* _KVMMU_PPC_HPT_H */
