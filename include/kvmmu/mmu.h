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
struct kvmmu_translation;

/* A gfn range [start, end) of one memslot, as the notifier hands it down. */
struct kvmmu_gfn_range {
	const struct kvmmu_memory_slot *slot;
	u64 start;
	u64 end;
	/* the caller may sleep: a long walk may let mmu_lock go */
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
	/* the faulting access writes (a format may map clean pages read-only) */
	bool write;
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
 * struct kvmmu_guest_access - one access as the backend sees it
 * @addr: the address the vCPU issued: guest-physical, or guest-virtual on
 *	a backend that translates guest page tables (x86 shadow, paging on)
 * @type: read, write or fetch
 * @user: a user-mode (CPL 3) access
 * @gfn: (out of ->access) the guest frame @addr resolved to
 * @pfn: (out of ->access) the host frame to access
 * @track_write: (out of ->access) the write lands on a page the backend
 *	write-protects (a guest page table): do it, then call ->track_write
 * @error_code: (out of ->fault) the guest page fault's error code, when
 *	->fault returns KVMMU_RESULT_PAGE_FAULT
 */
struct kvmmu_guest_access {
	u64 addr;
	enum kvmmu_access_type type;
	bool user;
	u64 gfn;
	unsigned long pfn;
	bool track_write;
	u64 error_code;
};

/**
 * struct kvmmu_fault - a host page looked up for a guest frame
 * @gfn: in: the guest frame
 * @write: in: the access writes (the host must give a writable page)
 * @slot: the memslot holding @gfn
 * @mmu_seq: mmu_invalidate_seq sampled before the lookup
 * @pfn: the host frame
 * @page: the reference the lookup took, dropped by kvmmu_fault_release();
 *	in a pinned VM a pin, which kvmmu_fault_release() keeps if mapped;
 *	NULL for VM_IO/VM_PFNMAP frames
 * @writable: the frame may be mapped writable (host mapping and slot)
 */
struct kvmmu_fault {
	u64 gfn;
	bool write;
	const struct kvmmu_memory_slot *slot;
	unsigned long mmu_seq;
	unsigned long pfn;
	struct page *page;
	bool writable;
};

/**
 * struct kvmmu_arch_ops - a page-table format
 * @name: for messages
 * @type: the KVMMU_VM_* type it implements
 * @gpa_bits: guest-physical address width the tables can map
 * @readonly_mem: whether it honours KVMMU_MEM_READONLY
 * @rmap_levels: page-size levels each memslot keeps reverse maps for
 * @rmap_destroy: frees what a leftover rmap word owns (see struct
 *	kvmmu_memslot_space); NULL when the words own nothing
 * @cache_pages: page-table pages one @map or @fault may need
 * @init: (optional) at module load, before any VM: global state of the
 *	backend (caches); may sleep.  A backend whose hook fails is not
 *	offered, and the module does not load
 * @exit: (optional) at module unload, after every VM: undo @init
 * @init_vm: allocate the tables' root; may sleep
 * @destroy_vm: free every table; no mapping is left by then; may sleep
 * @init_vcpu: (optional) set up a new vCPU's backend state; may sleep
 * @destroy_vcpu: (optional) tear it down; may sleep
 * @vm_ioctl: (optional) backend VM ioctls, from the VM's own mm, nothing
 *	held; -ENOTTY for ones it does not know
 * @vcpu_ioctl: (optional) backend vCPU ioctls, vCPU mutex and SRCU held;
 *	-ENOTTY for ones it does not know
 * @map: install a leaf for a request, replacing any old one (used by the
 *	generic gfn fault path, kvmmu_mmu_fault())
 * @fault: (optional) a fault path of the backend's own, for formats that
 *	translate guest addresses themselves; called without mmu_lock (may
 *	sleep), with SRCU held.  Returns as kvmmu_mmu_fault(), or
 *	KVMMU_RESULT_PAGE_FAULT with @ga->error_code set
 * @access: what the hardware does on a guest access: if the tables map
 *	@ga->addr for @ga->type, set accessed (and for a write dirty) bits,
 *	fill in @ga->gfn, @ga->pfn (and @ga->track_write) and return 0;
 *	-ENOENT if absent, -EACCES if not permitted
 * @track_write: a guest write of @size bytes at @offset in @gfn, which
 *	@access flagged, has been performed: update what derives from it
 * @lookup: describe the mapping of @addr, changing nothing
 * @zap_gfn_range: remove every leaf in the range, free emptied tables;
 *	returns whether a TLB flush is needed.  @range->slot NULL: all
 * @age_gfn_range: report whether any leaf in the range is accessed, and
 *	if @clear, clear the accessed bits
 * @change_pte: the host replaced the page behind a gfn of the range
 *
 * @map, @access, @track_write, @lookup, @zap_gfn_range, @age_gfn_range and
 * @change_pte are called with the VM's mmu_lock held and must not sleep.
 */
struct kvmmu_arch_ops {
	const char *name;
	u32 type;
	u8 gpa_bits;
	bool readonly_mem;
	u8 rmap_levels;
	void (*rmap_destroy)(unsigned long *head);
	int cache_pages;
	int (*init)(void);
	void (*exit)(void);
	int (*init_vm)(struct kvmmu_vm *vm);
	void (*destroy_vm)(struct kvmmu_vm *vm);
	int (*init_vcpu)(struct kvmmu_vcpu *vcpu);
	void (*destroy_vcpu)(struct kvmmu_vcpu *vcpu);
	long (*vm_ioctl)(struct kvmmu_vm *vm, unsigned int ioctl,
			 void __user *argp);
	long (*vcpu_ioctl)(struct kvmmu_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp);
	int (*map)(struct kvmmu_vm *vm, struct kvmmu_page_cache *cache,
		   const struct kvmmu_map_request *req);
	int (*fault)(struct kvmmu_vcpu *vcpu, struct kvmmu_guest_access *ga);
	int (*access)(struct kvmmu_vcpu *vcpu, struct kvmmu_guest_access *ga);
	void (*track_write)(struct kvmmu_vcpu *vcpu, u64 gfn,
			    unsigned int offset, unsigned int size);
	void (*lookup)(struct kvmmu_vcpu *vcpu, u64 addr,
		       struct kvmmu_mapping *m);
	bool (*zap_gfn_range)(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range);
	bool (*age_gfn_range)(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range, bool clear);
	bool (*change_pte)(struct kvmmu_vm *vm,
			   const struct kvmmu_gfn_range *range);
};

extern const struct kvmmu_arch_ops kvmmu_x86_ept_ops;
extern const struct kvmmu_arch_ops kvmmu_x86_shadow_ops;
extern const struct kvmmu_arch_ops kvmmu_ppc_hv_ops;
extern const struct kvmmu_arch_ops kvmmu_mips_ops;

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
bool kvmmu_mmu_invalidate_retry_unlocked(struct kvmmu_vm *vm,
					 unsigned long mmu_seq, u64 gfn);
void kvmmu_flush_remote_tlbs(struct kvmmu_vm *vm);
void kvmmu_mmu_leaf_dropped(unsigned long pfn, bool refcounted, bool accessed,
			    bool dirty);
bool kvmmu_mmu_zap_all(struct kvmmu_vm *vm);
bool kvmmu_mmu_should_yield(struct kvmmu_vm *vm, unsigned int done);
void kvmmu_mmu_yield(struct kvmmu_vm *vm);
bool kvmmu_mmu_zap_cond_yield(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range,
			      unsigned int *done, bool *flush);
void kvmmu_mmu_hold_start(struct kvmmu_vm *vm);
void kvmmu_mmu_hold_stop(struct kvmmu_vm *vm);

/* mmu/pin.c: KVMMU_VM_PINNED */
void kvmmu_pin_keep(struct kvmmu_vm *vm, u64 gfn, struct page *page);
void kvmmu_pin_release_range(struct kvmmu_vm *vm, u64 start, u64 end);
void kvmmu_pin_release_all(struct kvmmu_vm *vm);

/* mmu/fault.c */
int kvmmu_faultin_pfn(struct kvmmu_vcpu *vcpu, struct kvmmu_fault *f);
int kvmmu_fault_stale(struct kvmmu_vm *vm, const struct kvmmu_fault *f);
void kvmmu_fault_release(struct kvmmu_vm *vm, struct kvmmu_fault *f, int r);
int kvmmu_mmu_fault(struct kvmmu_vcpu *vcpu, u64 gfn,
		    enum kvmmu_access_type type);

/* mmu/access.c: the vCPU's view of guest memory */
int kvmmu_vcpu_access(struct kvmmu_vcpu *vcpu, struct kvmmu_access *a);
void kvmmu_vcpu_translate(struct kvmmu_vcpu *vcpu, struct kvmmu_translation *tr,
			  bool show_pfn);

#endif /* _KVMMU_MMU_H */
