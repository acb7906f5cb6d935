/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 shadow paging, shared between the guest page-table walker
 * (arch/x86/paging.c) and the shadow MMU (arch/x86/shadow.c).
 *
 * The guest runs with its own 4-level page tables in guest memory; the
 * "hardware" (kvmmu_vcpu_access()) walks shadow tables instead, which map
 * guest virtual addresses straight to host frames.  A shadow page shadows
 * one guest page table (or, "direct", a range of guest-physical memory:
 * for paging-off guests and for guest 2 MiB/1 GiB pages, which are mapped
 * by 4 KiB shadow entries) and is keyed by the gfn of what it shadows plus
 * its role.  Every gfn that holds a shadowed guest page table is
 * write-protected in the shadow tables, found through the rmap of that
 * gfn, so that a guest write to its own page table traps, is performed and
 * drops the shadow entries derived from it.
 */
#ifndef _KVMMU_X86_SHADOW_H
#define _KVMMU_X86_SHADOW_H

#include <linux/bits.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/types.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/mmu.h"

#define PT_LEVELS		4
#define PT_ENTRIES		512

/*
 * x86 page-table entry bits, for the guest's entries and for the shadow
 * entries alike (shadow entries are in the same format).
 */
#define PT_PRESENT		BIT_ULL(0)
#define PT_WRITABLE		BIT_ULL(1)
#define PT_USER			BIT_ULL(2)
#define PT_ACCESSED		BIT_ULL(5)
#define PT_DIRTY		BIT_ULL(6)
#define PT_PAGE_SIZE		BIT_ULL(7)
#define PT_NX			BIT_ULL(63)
#define PT_ADDR_MASK		GENMASK_ULL(51, 12)

/*
 * Shadow entries only, in bits the processor ignores:
 * MMU_WRITABLE - the guest's own tables allow the write (and its dirty bit
 *	is set) and so does the host (writable GUP, writable slot), so W is
 *	clear only because the gfn holds a guest page table: a write is
 *	emulated (or W restored once the gfn is no longer one).
 * REFCOUNTED - the frame is a normal host page whose accessed/dirty state
 *	is handed back when the entry goes (not VM_IO/VM_PFNMAP memory).
 */
#define SPTE_MMU_WRITABLE	BIT_ULL(53)
#define SPTE_REFCOUNTED		BIT_ULL(54)

/* Access rights, accumulated down a walk. */
#define ACC_EXEC		BIT(0)
#define ACC_WRITE		BIT(1)
#define ACC_USER		BIT(2)
#define ACC_ALL			(ACC_EXEC | ACC_WRITE | ACC_USER)

/**
 * union kvmmu_sp_role - what a shadow page shadows, besides its gfn
 * @level: 4 (PML4) to 1 (page table)
 * @direct: maps guest-physical memory directly (gfn is the first frame of
 *	the range), instead of shadowing the guest table at gfn
 * @access: ACC_* the guest entries above grant; the leaves' rights are
 *	the guest leaf's rights and these
 * @efer_nx: XD is honoured (EFER.NXE), else it is a reserved bit
 * @word: the fields above as one value, to compare and hash roles
 *
 * Two walks share a shadow page only if the role is the same.
 */
union kvmmu_sp_role {
	u32 word;
	struct {
		u32 level:3;
		u32 direct:1;
		u32 access:3;
		u32 efer_nx:1;
	};
};

/**
 * struct kvmmu_shadow_page - one shadow page table
 * @hash_link: in kvmmu_shadow_vm.hash, by @gfn
 * @link: in kvmmu_shadow_vm.pages, most recently created first
 * @gfn: the guest table shadowed, or the first frame mapped (@role.direct)
 * @role: see union kvmmu_sp_role
 * @spt: the 512 shadow entries
 * @gfns: level 1, not direct: the gfn each leaf maps (for its rmap)
 * @parent_ptes: rmap of the shadow entries that point to this page
 * @root_count: vCPUs using it as their root
 * @write_flooding: guest writes to the table since the guest last used
 *	it; a table written again and again without being used is probably
 *	not a page table any more and is zapped
 * @invalid: zapped while a root in use; freed when @root_count drops to 0
 */
struct kvmmu_shadow_page {
	struct hlist_node hash_link;
	struct list_head link;
	u64 gfn;
	union kvmmu_sp_role role;
	u64 *spt;
	u64 *gfns;
	unsigned long parent_ptes;
	unsigned int root_count;
	unsigned int write_flooding;
	bool invalid;
};

/**
 * struct kvmmu_shadow_vm - the VM's shadow MMU, all under mmu_lock
 * @hash: shadow pages by gfn
 * @pages: every shadow page not yet zapped, newest first
 * @nr_pages: length of @pages
 * @max_pages: above this the oldest unused ones are zapped
 */
struct kvmmu_shadow_vm {
	DECLARE_HASHTABLE(hash, 10);
	struct list_head pages;
	unsigned long nr_pages;
	unsigned long max_pages;
};

/**
 * struct kvmmu_shadow_vcpu - a vCPU's paging state
 * @regs: CR0/CR3/CR4/EFER as last set (vCPU mutex)
 * @root: the shadow root for @regs, holding a root_count (mmu_lock); NULL
 *	until the first fault loads it
 * @sp_cache: shadow-page headers for the fault path
 * @desc_cache: rmap descriptors for the fault path
 */
struct kvmmu_shadow_vcpu {
	struct kvmmu_paging regs;
	struct kvmmu_shadow_page *root;
	struct kvmmu_obj_cache sp_cache;
	struct kvmmu_obj_cache desc_cache;
};

/**
 * struct kvmmu_walker - the result of walking the guest's tables
 * @level: level of the guest leaf: 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB)
 * @table_gfn: @table_gfn[l] is the guest table read at level l
 * @pte: @pte[l] is the entry read there (after A/D were set)
 * @pte_uaddr: where @pte[l] is in the VMM's memory (for re-checking it)
 * @pt_access: @pt_access[l] is the rights the entries above level l grant
 * @pte_access: the rights of the whole walk
 * @gfn: the 4 KiB guest frame the address translates to
 * @error_code: KVMMU_PF_* of a guest page fault
 */
struct kvmmu_walker {
	int level;
	u64 table_gfn[PT_LEVELS + 1];
	u64 pte[PT_LEVELS + 1];
	unsigned long pte_uaddr[PT_LEVELS + 1];
	unsigned int pt_access[PT_LEVELS + 1];
	unsigned int pte_access;
	u64 gfn;
	u64 error_code;
};

static inline struct kvmmu_shadow_vcpu *to_shadow_vcpu(struct kvmmu_vcpu *vcpu)
{
	return vcpu->arch;
}

static inline bool kvmmu_paging(const struct kvmmu_paging *regs)
{
	return regs->cr0 & KVMMU_X86_CR0_PG;
}

/* Bits 63:47 all equal: a 48-bit canonical address. */
static inline bool is_canonical(u64 addr)
{
	return (u64)((s64)(addr << 16) >> 16) == addr;
}

/* Index of @addr's entry in a table of @level. */
static inline unsigned int pt_index(u64 addr, int level)
{
	return (addr >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

/* arch/x86/paging.c */
#if IS_ENABLED(CONFIG_KUNIT)
u64 pt_rsvd_bits(int level, bool large, bool nx);
u64 pt_leaf_gfn(u64 pte, int level, u64 addr);
#endif
int kvmmu_paging_set(struct kvmmu_vcpu *vcpu, const struct kvmmu_paging *p);
int kvmmu_walk_addr(struct kvmmu_vcpu *vcpu, struct kvmmu_walker *w,
		    const struct kvmmu_guest_access *ga);
bool kvmmu_walker_changed(struct kvmmu_vm *vm, const struct kvmmu_walker *w,
			  int level);

/* arch/x86/shadow.c */
void kvmmu_shadow_unload(struct kvmmu_vcpu *vcpu);

#endif /* _KVMMU_X86_SHADOW_H */
