/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A kvmmu VM and its vCPUs: the objects behind the VM and vCPU file
 * descriptors, and the state the fault path and the mmu_notifier share.
 * Documentation/locking.rst says which lock protects which field.
 */
#ifndef _KVMMU_VM_H
#define _KVMMU_VM_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "kvmmu/memslots.h"

struct kvmmu_arch_ops;
struct kvmmu_run;

#define KVMMU_MAX_VCPUS		256
#define KVMMU_MAX_VCPU_IDS	1024

/* The counters behind struct kvmmu_vm_stats; see the uapi header. */
struct kvmmu_vm_stat {
	atomic64_t faults;
	atomic64_t fault_retries;
	atomic64_t gup_slow;
	atomic64_t pfnmap_faults;
	atomic64_t invalidations;
	atomic64_t invalidations_hit;
	atomic64_t sptes_zapped;
	atomic64_t tables_freed;
	atomic64_t tlb_flushes;
	atomic64_t young_cleared;
	atomic64_t young_tested;
	atomic64_t change_pte;
	atomic64_t memslot_updates;
	atomic64_t mapped_pages;
	atomic64_t table_pages;
	atomic64_t shadow_pages;
	atomic64_t shadow_zapped;
	atomic64_t pt_writes;
	atomic64_t guest_faults;
	atomic64_t rmap_recycled;
	atomic64_t fast_faults;
	atomic64_t hpte_evictions;
	atomic64_t pinned_pages;
	atomic64_t lock_yields;
	atomic64_t max_lock_hold_ns;
};

/**
 * struct kvmmu_vm - one VM
 * @users: the VM fd and every vCPU fd hold one reference
 * @mm: the creating process's mm (mmgrab()bed); only it may change the VM
 * @ops: the page-table backend chosen at creation
 * @arch: the backend's private state (its page-table root)
 * @type: the KVMMU_VM_* type
 * @bugged: set once an internal inconsistency was found; ioctls get EIO
 * @pinned: KVMMU_VM_PINNED: mapped pages stay pinned (set at creation)
 * @pins: in a pinned VM, the pinned page of each gfn (mmu/pin.c)
 * @lock: serialises vCPU creation and destruction
 * @vcpus: vCPUs by id, under @lock
 * @nr_vcpus: number of entries in @vcpus, under @lock
 * @slots_lock: serialises memslot changes
 * @srcu: protects the memslot sets readers use
 * @memslots: one memslot space per address space
 * @mmu_lock: protects the secondary page tables and the @mmu_invalidate_*
 *	fields
 * @mmu_invalidate_seq: bumped at the end of every invalidation that hit a
 *	memslot; a fault that sampled an older value retries
 * @mmu_invalidate_in_progress: invalidations between start and end that hit
 *	a memslot
 * @mmu_invalidate_range_start: first gfn of the union of the ranges those
 *	invalidations cover
 * @mmu_invalidate_range_end: end (exclusive) of that union
 * @released: the mm has gone away (notifier release); under @mmu_lock
 * @mmu_lock_since: when a timed holder of @mmu_lock took it (or last took
 *	it back after yielding), 0 if the holder is not timed; under @mmu_lock
 * @mn_invalidate_lock: protects @mn_active_invalidate_count
 * @mn_active_invalidate_count: invalidations between start and end, slot
 *	hit or not; memslot changes are not published while it is non-zero
 * @mn_memslots_update_wq: where a memslot change waits for that
 * @mn: the mmu_notifier registered on @mm
 * @stat: counters
 */
struct kvmmu_vm {
	refcount_t users;
	struct mm_struct *mm;
	const struct kvmmu_arch_ops *ops;
	void *arch;
	u32 type;
	bool bugged;
	bool pinned;
	struct xarray pins;

	struct mutex lock;	/* vCPU list; see above */
	struct xarray vcpus;
	unsigned int nr_vcpus;

	struct mutex slots_lock;	/* memslot changes; see above */
	struct srcu_struct srcu;
	struct kvmmu_memslot_space memslots[KVMMU_ADDRESS_SPACE_NUM];

	spinlock_t mmu_lock;	/* the secondary page tables; see above */
	unsigned long mmu_invalidate_seq;
	long mmu_invalidate_in_progress;
	u64 mmu_invalidate_range_start;
	u64 mmu_invalidate_range_end;
	bool released;
	u64 mmu_lock_since;

	spinlock_t mn_invalidate_lock;	/* see above */
	unsigned long mn_active_invalidate_count;
	wait_queue_head_t mn_memslots_update_wq;
	struct mmu_notifier mn;

	struct kvmmu_vm_stat stat;
};

/*
 * Page-table pages set aside outside mmu_lock, so that installing a
 * mapping under it never allocates.  Enough for one map of any backend.
 */
#define KVMMU_PAGE_CACHE_SIZE	8

struct kvmmu_page_cache {
	int nobjs;
	struct page *pages[KVMMU_PAGE_CACHE_SIZE];
};

/*
 * The same for small objects (rmap descriptors, shadow-page headers): a
 * vCPU fills it from @kc before taking mmu_lock.
 */
#define KVMMU_OBJ_CACHE_SIZE	16

struct kvmmu_obj_cache {
	struct kmem_cache *kc;
	int nobjs;
	void *objs[KVMMU_OBJ_CACHE_SIZE];
};

/**
 * struct kvmmu_vcpu - one vCPU
 * @vm: its VM, of which it holds a reference
 * @id: the id it was created with
 * @mutex: serialises the vCPU's ioctls (and so its @cache)
 * @cache: page-table pages for the fault path
 * @arch: the backend's per-vCPU state (x86 shadow: paging registers, the
 *	shadow root in use), or NULL
 */
struct kvmmu_vcpu {
	struct kvmmu_vm *vm;
	unsigned int id;
	struct mutex mutex;	/* one ioctl at a time; see above */
	struct kvmmu_page_cache cache;
	void *arch;
};

/*
 * kvmmu_vm_bugged() - mark @vm bugged: its ioctls fail with EIO from now on.
 * Inline so that every part of the module (mmu/, arch/) can report an
 * inconsistency without linking back into dev/.
 */
static inline void kvmmu_vm_bugged(struct kvmmu_vm *vm)
{
	WRITE_ONCE(vm->bugged, true);
}

/*
 * kvmmu_bug_on() - for "cannot happen" conditions found at run time: warn
 * once, and mark the VM bugged so that its ioctls fail with EIO from now
 * on, instead of crashing the host.  Evaluates to the condition.
 */
#define kvmmu_bug_on(cond, vm)					\
({								\
	bool __kvmmu_bug = !!(cond);				\
								\
	if (WARN_ON_ONCE(__kvmmu_bug))				\
		kvmmu_vm_bugged(vm);				\
	unlikely(__kvmmu_bug);					\
})

void kvmmu_vm_get(struct kvmmu_vm *vm);
void kvmmu_vm_put(struct kvmmu_vm *vm);
int kvmmu_vm_create(unsigned long type);
long kvmmu_check_extension(struct kvmmu_vm *vm, long cap);
int kvmmu_vcpu_create(struct kvmmu_vm *vm, unsigned long id);
/* dev/run.c: KVMMU_RUN_WORKLOAD */
int kvmmu_vcpu_run(struct kvmmu_vcpu *vcpu, struct kvmmu_run *run);

#if IS_ENABLED(CONFIG_KUNIT)
struct kvmmu_vm *kvmmu_vm_alloc(const struct kvmmu_arch_ops *ops, bool pinned);
void kvmmu_vm_free(struct kvmmu_vm *vm);
#endif

static inline struct kvmmu_memslots *kvmmu_vm_memslots(struct kvmmu_vm *vm,
						       int as_id)
{
	return kvmmu_memslots(&vm->memslots[as_id]);
}

#endif /* _KVMMU_VM_H */
