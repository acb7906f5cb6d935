/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic secondary MMU: the interface page-table backends implement
 * (struct kvmmu_arch_ops) and what the generic core offers them and the
 * rest of the module (fault path, retry protocol, guest accesses).
 */
#ifndef _KVMMU_MMU_H
#define _KVMMU_MMU_H

#include <linux/types.h>

#include "kvmmu/vm.h"

struct kvmmu_access;
struct kvmmu_run;
struct kvmmu_translation;

/* A gfn range [start, end) of one memslot, as the notifier hands it down. */
struct kvmmu_gfn_range {
	const struct kvmmu_memory_slot *slot;
	u64 start;
	u64 end;
	bool may_block;
	/* change_pte only: the host's new mapping of the page */
	unsigned long pfn;
	bool host_writable;
};

/* What the fault path asks a backend to install. */
struct kvmmu_map_request {
	u64 gfn;
	unsigned long pfn;
	bool writable;
	bool executable;
	/*
	 * The pfn has a struct page the host refcounts (it came from GUP), so
	 * accessed/dirty state may be handed back to it when the mapping
	 * goes.  VM_IO/VM_PFNMAP pfns never do.
	 */
	bool refcounted;
};

/* A backend's view of one gfn's mapping. */
struct kvmmu_mapping {
	bool present;
	bool readable;
	bool writable;
	bool executable;
	bool accessed;
	bool dirty;
	u8 level;
	u8 memtype;
	unsigned long pfn;
};

enum kvmmu_access_type {
	KVMMU_READ,
	KVMMU_WRITE,
	KVMMU_FETCH,
};

/**
 * struct kvmmu_arch_ops - a page-table format
 * @name: for messages
 * @type: the KVMMU_VM_* type it implements
 * @gpa_bits: guest-physical address width the tables can map
 * @readonly_mem: whether it honours KVMMU_MEM_READONLY
 * @cache_pages: page-table pages one @map may need
 * @init_vm: allocate the tables' root; may sleep
 * @destroy_vm: free every table; no mapping is left by then
 * @map: install a leaf for a request, replacing any old one
 * @access: what the hardware does on a guest access: if the leaf for @gfn
 *	permits @type, set its accessed (and for a write dirty) bit, report
 *	the pfn and return 0; -ENOENT if absent, -EACCES if not permitted
 * @lookup: describe @gfn's mapping, changing nothing
 * @zap_gfn_range: remove every leaf in the range, free emptied tables;
 *	returns whether a TLB flush is needed
 * @age_gfn_range: report whether any leaf in the range is accessed, and
 *	if @clear, clear the accessed bits
 * @change_pte: the host replaced the page behind a gfn of the range
 *
 * Every callback but @init_vm and @destroy_vm is called with the VM's
 * mmu_lock held and must not sleep.
 */
struct kvmmu_arch_ops {
	const char *name;
	u32 type;
	u8 gpa_bits;
	bool readonly_mem;
	int cache_pages;
	int (*init_vm)(struct kvmmu_vm *vm);
	void (*destroy_vm)(struct kvmmu_vm *vm);
	int (*map)(struct kvmmu_vm *vm, struct kvmmu_page_cache *cache,
		   const struct kvmmu_map_request *req);
	int (*access)(struct kvmmu_vm *vm, u64 gfn, enum kvmmu_access_type type,
		      unsigned long *pfn);
	void (*lookup)(struct kvmmu_vm *vm, u64 gfn, struct kvmmu_mapping *m);
	bool (*zap_gfn_range)(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range);
	bool (*age_gfn_range)(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range, bool clear);
	bool (*change_pte)(struct kvmmu_vm *vm,
			   const struct kvmmu_gfn_range *range);
};

extern const struct kvmmu_arch_ops kvmmu_x86_ept_ops;

/* mmu/cache.c */
int kvmmu_page_cache_topup(struct kvmmu_page_cache *cache, int min);
struct page *kvmmu_page_cache_alloc(struct kvmmu_page_cache *cache);
void kvmmu_page_cache_free(struct kvmmu_page_cache *cache);
int kvmmu_obj_cache_topup(struct kvmmu_obj_cache *cache, int min);
void *kvmmu_obj_cache_alloc(struct kvmmu_obj_cache *cache);
void kvmmu_obj_cache_free(struct kvmmu_obj_cache *cache);

/* mmu/mmu.c: the retry protocol, flushes, handing page state back */
void kvmmu_mmu_invalidate_begin(struct kvmmu_vm *vm);
void kvmmu_mmu_invalidate_range_add(struct kvmmu_vm *vm, u64 start, u64 end);
void kvmmu_mmu_invalidate_end(struct kvmmu_vm *vm);
bool kvmmu_mmu_invalidate_retry(struct kvmmu_vm *vm, unsigned long mmu_seq,
				u64 gfn);
void kvmmu_flush_remote_tlbs(struct kvmmu_vm *vm);
void kvmmu_mmu_leaf_dropped(unsigned long pfn, bool refcounted, bool accessed,
			    bool dirty);
bool kvmmu_mmu_zap_all(struct kvmmu_vm *vm);

/* mmu/fault.c */
int kvmmu_mmu_fault(struct kvmmu_vcpu *vcpu, u64 gfn,
		    enum kvmmu_access_type type);

/* mmu/access.c: the vCPU's view of guest memory */
int kvmmu_vcpu_access(struct kvmmu_vcpu *vcpu, struct kvmmu_access *a);
void kvmmu_vcpu_translate(struct kvmmu_vcpu *vcpu, struct kvmmu_translation *tr,
			  bool show_pfn);
int kvmmu_vcpu_run(struct kvmmu_vcpu *vcpu, struct kvmmu_run *run);

#endif /* _KVMMU_MMU_H */
