// SPDX-License-Identifier: GPL-2.0
/*
 * x86 EPT: 4-level extended page tables, the format Intel VT-x walks for
 * guest-physical addresses.  A table is one 4 KiB page of 512 64-bit
 * entries; levels 4 (PML4) to 2 hold tables, level 1 holds 4 KiB leaves.
 *
 * Entry format (Intel SDM vol. 3, "EPT Paging-Structure Entries"):
 *
 *   bit  0	R: readable		bits 3-5  memory type (leaves; 6 = WB)
 *   bit  1	W: writable		bit  6	  ignore PAT (leaves)
 *   bit  2	X: executable		bit  7	  large page (never set here)
 *   bit  8	A: accessed		bit  9	  D: dirty (leaves)
 *   bits 12-51	physical frame of the page or next table
 *
 * An entry is present when any of R/W/X is set.  kvmmu keeps its own
 * state in bits the hardware ignores (52-62):
 *
 *   bit 57	the pfn is a refcounted host page: its accessed/dirty state is
 *		handed back when the leaf goes (VM_PFNMAP frames never are)
 *
 * The tables are walked by the radix walker (include/kvmmu/walk.h), which
 * keeps their present counts and frees emptied tables; this file supplies
 * the entry encoding.  The guest-access emulation walks under mmu_lock
 * too, so there is no hardware TLB to model: a remote flush is only
 * counted.
 */
#include <linux/bits.h>
#include <linux/io.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/walk.h"

#define EPT_READ		BIT_ULL(0)
#define EPT_WRITE		BIT_ULL(1)
#define EPT_EXEC		BIT_ULL(2)
#define EPT_RWX			(EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MT_SHIFT		3
#define EPT_MT_MASK		GENMASK_ULL(5, 3)
#define EPT_MT_WB		6ULL
#define EPT_IPAT		BIT_ULL(6)
#define EPT_ACCESSED		BIT_ULL(8)
#define EPT_DIRTY		BIT_ULL(9)
#define EPT_PFN_MASK		GENMASK_ULL(51, 12)
#define EPT_SW_REFCOUNTED	BIT_ULL(57)

static u64 __ept_make_leaf(unsigned long pfn, bool writable, bool executable,
			   bool refcounted)
{
	u64 spte = EPT_READ | (EPT_MT_WB << EPT_MT_SHIFT) | EPT_IPAT;

	if (writable)
		spte |= EPT_WRITE;
	if (executable)
		spte |= EPT_EXEC;
	if (refcounted)
		spte |= EPT_SW_REFCOUNTED;
	return spte | ((u64)pfn << PAGE_SHIFT);
}

/* A permission upgrade keeps what was accessed or dirty. */
static u64 ept_make_leaf(const struct kvmmu_map_request *req, u64 old)
{
	return __ept_make_leaf(req->pfn, req->writable, req->executable,
			       req->refcounted) |
	       (old & (EPT_ACCESSED | EPT_DIRTY));
}

static u64 ept_repoint(u64 old, unsigned long pfn, bool refcounted)
{
	return __ept_make_leaf(pfn, false, old & EPT_EXEC, refcounted);
}

static void ept_describe(u64 spte, struct kvmmu_mapping *m)
{
	m->readable = spte & EPT_READ;
	m->writable = spte & EPT_WRITE;
	m->executable = spte & EPT_EXEC;
	m->memtype = (spte & EPT_MT_MASK) >> EPT_MT_SHIFT;
}

/* Tables grant everything; the leaves say what the guest may do. */
static const struct kvmmu_radix_ops ept_radix_ops = {
	.present_mask = EPT_RWX,
	.pfn_mask = EPT_PFN_MASK,
	.table_bits = EPT_RWX,
	.accessed_mask = EPT_ACCESSED,
	.dirty_mask = EPT_DIRTY,
	.refcounted_mask = EPT_SW_REFCOUNTED,
	.hw_writable_mask = EPT_WRITE,
	.make_leaf = ept_make_leaf,
	.repoint = ept_repoint,
	.describe = ept_describe,
};

static int ept_init_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_radix *ept = kzalloc(sizeof(*ept), GFP_KERNEL_ACCOUNT);
	int r;

	if (!ept)
		return -ENOMEM;
	r = kvmmu_radix_init(vm, ept, &ept_radix_ops);
	if (r) {
		kfree(ept);
		return r;
	}
	vm->arch = ept;
	return 0;
}

static void ept_destroy_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_radix *ept = kvmmu_vm_radix(vm);

	if (!ept)
		return;
	kvmmu_radix_destroy(vm, ept);
	kfree(ept);
	vm->arch = NULL;
}

static int ept_access(struct kvmmu_vcpu *vcpu, struct kvmmu_guest_access *ga)
{
	u64 need, set = EPT_ACCESSED, spte, *sptep, gfn = ga->addr >> PAGE_SHIFT;
	struct kvmmu_vm *vm = vcpu->vm;

	sptep = kvmmu_radix_leaf(vm, gfn);
	if (!sptep || !kvmmu_radix_present(&ept_radix_ops, *sptep))
		return -ENOENT;
	switch (ga->type) {
	case KVMMU_WRITE:
		need = EPT_WRITE;
		set |= EPT_DIRTY;
		break;
	case KVMMU_FETCH:
		need = EPT_EXEC;
		break;
	default:
		need = EPT_READ;
		break;
	}
	spte = *sptep;
	if (!(spte & need))
		return -EACCES;
	if ((spte & set) != set)
		WRITE_ONCE(*sptep, spte | set);
	ga->gfn = gfn;
	ga->pfn = kvmmu_radix_pfn(&ept_radix_ops, spte);
	return 0;
}

const struct kvmmu_arch_ops kvmmu_x86_ept_ops = {
	.name = "x86-ept",
	.type = KVMMU_VM_X86_EPT,
	.gpa_bits = 48,
	.readonly_mem = true,
	.cache_pages = KVMMU_RADIX_LEVELS - 1,
	.init_vm = ept_init_vm,
	.destroy_vm = ept_destroy_vm,
	.map = kvmmu_radix_map,
	.access = ept_access,
	.lookup = kvmmu_radix_lookup,
	.zap_gfn_range = kvmmu_radix_zap_gfn_range,
	.age_gfn_range = kvmmu_radix_age_gfn_range,
	.change_pte = kvmmu_radix_change_pte,
};
EXPORT_SYMBOL_IF_KUNIT(kvmmu_x86_ept_ops);
