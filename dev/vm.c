// SPDX-License-Identifier: GPL-2.0
/*
 * VM file descriptors: creation (from /dev/kvmmu), the VM ioctls and
 * teardown.
 *
 * Every VM and vCPU fd pins the module (fops.owner), and the VM is only
 * destroyed from the release of one of them, so the module cannot go
 * while a VM exists; mmu_notifier_unregister() is synchronous, so no
 * notifier callback outlives the VM either.
 *
 * A VM belongs to the process that created it: it follows that process's
 * mm through an mmu_notifier, so only that mm may change it; any other
 * process holding the fd (after fork or fd passing) gets EIO, as with KVM.
 * The VM lives until its fd and every vCPU fd are closed; the mm may die
 * before that (the notifier's release then tears every mapping down).
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/backend.h"
#include "kvmmu/mmu.h"
#include "kvmmu/notifier.h"
#include "kvmmu/vm.h"

void kvmmu_vm_get(struct kvmmu_vm *vm)
{
	refcount_inc(&vm->users);
}

/* The memslot code's hooks, see struct kvmmu_memslot_hooks. */
static void kvmmu_vm_flush_slot(void *ctx, const struct kvmmu_memory_slot *slot)
{
	struct kvmmu_gfn_range range = {
		.slot = slot,
		.start = slot->base_gfn,
		.end = slot->base_gfn + slot->npages,
		.may_block = true,
	};
	struct kvmmu_vm *vm = ctx;

	lockdep_assert_held(&vm->slots_lock);
	spin_lock(&vm->mmu_lock);
	kvmmu_mmu_hold_start(vm);
	if (vm->ops->zap_gfn_range(vm, &range))
		kvmmu_flush_remote_tlbs(vm);
	kvmmu_mmu_hold_stop(vm);
	spin_unlock(&vm->mmu_lock);
	/*
	 * Pinned VM: the slot's pins go with it (the fault path pins only
	 * address space 0).  No fault can pin in it any more: the slot is
	 * published invalid and SRCU readers of the old set are gone.
	 */
	if (!slot->as_id)
		kvmmu_pin_release_range(vm, range.start, range.end);
}

static void kvmmu_vm_publish_begin(void *ctx)
	__acquires(&vm->mn_invalidate_lock)
{
	struct kvmmu_vm *vm = ctx;

	lockdep_assert_held(&vm->slots_lock);
	spin_lock(&vm->mn_invalidate_lock);
	while (vm->mn_active_invalidate_count) {
		spin_unlock(&vm->mn_invalidate_lock);
		wait_event(vm->mn_memslots_update_wq,
			   !READ_ONCE(vm->mn_active_invalidate_count));
		spin_lock(&vm->mn_invalidate_lock);
	}
}

static void kvmmu_vm_publish_end(void *ctx)
	__releases(&vm->mn_invalidate_lock)
{
	struct kvmmu_vm *vm = ctx;

	spin_unlock(&vm->mn_invalidate_lock);
	atomic64_inc(&vm->stat.memslot_updates);
}

/**
 * kvmmu_vm_alloc() - a VM object, before its backend and its mm
 * @ops: the backend
 * @pinned: KVMMU_VM_PINNED
 *
 * Every lock, the SRCU and the (empty) memslot spaces are set up; the
 * backend's ->init_vm() is the caller's.  The KUnit suites build their
 * VMs with it too (tests/kunit/fake_vm.c).
 *
 * Return: the VM with one reference, or NULL.
 */
VISIBLE_IF_KUNIT struct kvmmu_vm *kvmmu_vm_alloc(const struct kvmmu_arch_ops *ops,
						 bool pinned)
{
	struct kvmmu_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	int i;

	if (!vm)
		return NULL;
	if (init_srcu_struct(&vm->srcu)) {
		kfree(vm);
		return NULL;
	}
	refcount_set(&vm->users, 1);
	vm->ops = ops;
	vm->type = ops->type;
	vm->pinned = pinned;
	xa_init(&vm->pins);
	mutex_init(&vm->lock);
	xa_init(&vm->vcpus);
	mutex_init(&vm->slots_lock);
	for (i = 0; i < KVMMU_ADDRESS_SPACE_NUM; i++) {
		kvmmu_memslot_space_init(&vm->memslots[i], &vm->srcu,
					 &vm->slots_lock, i);
		vm->memslots[i].rmap_levels = ops->rmap_levels;
		vm->memslots[i].rmap_destroy = ops->rmap_destroy;
	}
	spin_lock_init(&vm->mmu_lock);
	spin_lock_init(&vm->mn_invalidate_lock);
	init_waitqueue_head(&vm->mn_memslots_update_wq);
	return vm;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_vm_alloc);

/**
 * kvmmu_vm_free() - undo kvmmu_vm_alloc()
 * @vm: the VM; its backend state, notifier, pins and mm are gone
 */
VISIBLE_IF_KUNIT void kvmmu_vm_free(struct kvmmu_vm *vm)
{
	int i;

	for (i = 0; i < KVMMU_ADDRESS_SPACE_NUM; i++)
		kvmmu_memslot_space_destroy(&vm->memslots[i]);
	cleanup_srcu_struct(&vm->srcu);
	xa_destroy(&vm->vcpus);
	kfree(vm);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_vm_free);

static void kvmmu_vm_destroy(struct kvmmu_vm *vm)
{
	/* After this no notifier callback runs, and the mappings are gone. */
	kvmmu_notifier_unregister(vm);
	vm->ops->destroy_vm(vm);
	kvmmu_pin_release_all(vm);
	mmdrop(vm->mm);
	kvmmu_vm_free(vm);
}

void kvmmu_vm_put(struct kvmmu_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		kvmmu_vm_destroy(vm);
}

/**
 * kvmmu_check_extension() - KVMMU_CHECK_EXTENSION
 * @vm: the VM asked on, or NULL on /dev/kvmmu
 * @cap: a KVMMU_CAP_*
 *
 * The module's own capabilities are answered here, the backends' by
 * kvmmu_backend_cap().
 *
 * Return: the capability's value, 0 if unknown.
 */
long kvmmu_check_extension(struct kvmmu_vm *vm, long cap)
{
	switch (cap) {
	case KVMMU_CAP_USER_MEMORY:
	case KVMMU_CAP_SYNC_MMU:
		return 1;
	case KVMMU_CAP_NR_VCPUS:
		return min_t(long, num_online_cpus(), KVMMU_MAX_VCPUS);
	case KVMMU_CAP_NR_MEMSLOTS:
		return KVMMU_USER_MEM_SLOTS;
	case KVMMU_CAP_MAX_VCPUS:
		return KVMMU_MAX_VCPUS;
	case KVMMU_CAP_MULTI_ADDRESS_SPACE:
		return KVMMU_ADDRESS_SPACE_NUM;
	case KVMMU_CAP_MAX_VCPU_ID:
		return KVMMU_MAX_VCPU_IDS;
	case KVMMU_CAP_CHANGE_PTE:
		return KVMMU_CHANGE_PTE;
	case KVMMU_CAP_PIN_MEMORY:
		return 1;
	default:
		/* READONLY_MEM, GPA_BITS, VM_TYPES and the unknown ones. */
		return kvmmu_backend_cap(vm, cap);
	}
}

static int kvmmu_vm_set_memory_region(struct kvmmu_vm *vm, void __user *argp)
{
	const struct kvmmu_memslot_hooks hooks = {
		.flush_slot = kvmmu_vm_flush_slot,
		.ctx = vm,
		.publish_begin = kvmmu_vm_publish_begin,
		.publish_end = kvmmu_vm_publish_end,
	};
	struct kvmmu_userspace_memory_region mem;
	int r;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	r = kvmmu_check_memory_region(&mem, vm->ops->readonly_mem);
	if (r)
		return r;
	/* The backend's tables cannot map beyond its address width. */
	if (mem.memory_size &&
	    mem.guest_phys_addr + mem.memory_size > BIT_ULL(vm->ops->gpa_bits))
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	r = kvmmu_set_memory_region(&vm->memslots[mem.slot >> 16], &mem,
				    &hooks);
	mutex_unlock(&vm->slots_lock);
	return r;
}

static int kvmmu_vm_get_stats(struct kvmmu_vm *vm, void __user *argp)
{
	struct kvmmu_vm_stat *s = &vm->stat;
	struct kvmmu_vm_stats out = {
		.faults = atomic64_read(&s->faults),
		.fault_retries = atomic64_read(&s->fault_retries),
		.gup_slow = atomic64_read(&s->gup_slow),
		.pfnmap_faults = atomic64_read(&s->pfnmap_faults),
		.invalidations = atomic64_read(&s->invalidations),
		.invalidations_hit = atomic64_read(&s->invalidations_hit),
		.sptes_zapped = atomic64_read(&s->sptes_zapped),
		.tables_freed = atomic64_read(&s->tables_freed),
		.tlb_flushes = atomic64_read(&s->tlb_flushes),
		.young_cleared = atomic64_read(&s->young_cleared),
		.young_tested = atomic64_read(&s->young_tested),
		.change_pte = atomic64_read(&s->change_pte),
		.memslot_updates = atomic64_read(&s->memslot_updates),
		.mapped_pages = atomic64_read(&s->mapped_pages),
		.table_pages = atomic64_read(&s->table_pages),
		.shadow_pages = atomic64_read(&s->shadow_pages),
		.shadow_zapped = atomic64_read(&s->shadow_zapped),
		.pt_writes = atomic64_read(&s->pt_writes),
		.guest_faults = atomic64_read(&s->guest_faults),
		.rmap_recycled = atomic64_read(&s->rmap_recycled),
		.fast_faults = atomic64_read(&s->fast_faults),
		.hpte_evictions = atomic64_read(&s->hpte_evictions),
		.pinned_pages = atomic64_read(&s->pinned_pages),
		.lock_yields = atomic64_read(&s->lock_yields),
		.max_lock_hold_ns = atomic64_read(&s->max_lock_hold_ns),
		.released = READ_ONCE(vm->released),
	};

	return copy_to_user(argp, &out, sizeof(out)) ? -EFAULT : 0;
}

static long kvmmu_vm_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	struct kvmmu_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	/* Read-only queries: any holder of the fd may ask. */
	switch (ioctl) {
	case KVMMU_CHECK_EXTENSION:
		return kvmmu_check_extension(vm, arg);
	case KVMMU_GET_VM_STATS:
		return kvmmu_vm_get_stats(vm, argp);
	}

	/* As KVM: only the creator's mm may change a VM, and not a bugged one. */
	if (vm->mm != current->mm || READ_ONCE(vm->bugged))
		return -EIO;

	switch (ioctl) {
	case KVMMU_SET_USER_MEMORY_REGION:
		return kvmmu_vm_set_memory_region(vm, argp);
	case KVMMU_CREATE_VCPU:
		return kvmmu_vcpu_create(vm, arg);
	default:
		if (vm->ops->vm_ioctl)
			return vm->ops->vm_ioctl(vm, ioctl, argp);
		return -ENOTTY;
	}
}

static int kvmmu_vm_release(struct inode *inode, struct file *filp)
{
	kvmmu_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations kvmmu_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= kvmmu_vm_release,
	.unlocked_ioctl	= kvmmu_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/**
 * kvmmu_vm_create() - KVMMU_CREATE_VM
 * @type: a KVMMU_VM_* type this module offers (low 8 bits), or-ed with
 *	KVMMU_VM_* creation flags (KVMMU_VM_PINNED)
 *
 * Return: a VM fd, -EINVAL for an unknown type or flag, -ENOMEM, or the
 * error of registering the mmu_notifier.
 */
int kvmmu_vm_create(unsigned long type)
{
	const struct kvmmu_arch_ops *ops;
	unsigned long flags = type & ~(unsigned long)KVMMU_VM_TYPE_MASK;
	struct kvmmu_vm *vm;
	int r, fd;

	if (flags & ~KVMMU_VM_PINNED)
		return -EINVAL;
	ops = kvmmu_backend(type & KVMMU_VM_TYPE_MASK);
	if (!ops)
		return -EINVAL;
	vm = kvmmu_vm_alloc(ops, flags & KVMMU_VM_PINNED);
	if (!vm)
		return -ENOMEM;
	r = ops->init_vm(vm);
	if (r)
		goto err_free;
	mmgrab(current->mm);
	vm->mm = current->mm;
	r = kvmmu_notifier_register(vm);
	if (r)
		goto err_mm;

	fd = anon_inode_getfd("kvmmu-vm", &kvmmu_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		kvmmu_vm_put(vm);
	return fd;

err_mm:
	mmdrop(vm->mm);
	ops->destroy_vm(vm);
err_free:
	kvmmu_vm_free(vm);
	return r;
}
