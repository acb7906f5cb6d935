// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU file descriptors: creation (from a VM fd) and the vCPU ioctls, which
 * run guest memory accesses through the secondary MMU.  A vCPU's ioctls are
 * serialised by its mutex; different vCPUs run in parallel.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/mmu.h"
#include "kvmmu/vm.h"

static int kvmmu_vcpu_access_batch(struct kvmmu_vcpu *vcpu,
				   struct kvmmu_access_batch __user *ubatch)
{
	struct kvmmu_access __user *ua;
	struct kvmmu_access_batch batch;
	u32 done;
	int r = 0;

	if (copy_from_user(&batch, ubatch, sizeof(batch)))
		return -EFAULT;
	if (batch.flags || batch.pad)
		return -EINVAL;
	if (batch.nr > KVMMU_ACCESS_MAX)
		return -E2BIG;
	ua = u64_to_user_ptr(batch.accesses);

	for (done = 0; done < batch.nr; done++) {
		struct kvmmu_access a;

		if (copy_from_user(&a, &ua[done], sizeof(a))) {
			r = -EFAULT;
			break;
		}
		if (kvmmu_vcpu_access(vcpu, &a) == -EINTR) {
			r = -EINTR;
			break;
		}
		if (copy_to_user(&ua[done], &a, sizeof(a))) {
			r = -EFAULT;
			break;
		}
		if (signal_pending(current)) {
			done++;
			r = -EINTR;
			break;
		}
	}
	if (put_user(done, &ubatch->nr_done))
		return -EFAULT;
	return r;
}

static int kvmmu_vcpu_ioctl_translate(struct kvmmu_vcpu *vcpu,
				      struct kvmmu_translation __user *utr)
{
	struct kvmmu_translation tr;

	if (copy_from_user(&tr, utr, sizeof(tr)))
		return -EFAULT;
	/* Host frame numbers are for the administrator, as in pagemap. */
	kvmmu_vcpu_translate(vcpu, &tr, capable(CAP_SYS_ADMIN));
	return copy_to_user(utr, &tr, sizeof(tr)) ? -EFAULT : 0;
}

static int kvmmu_vcpu_ioctl_run(struct kvmmu_vcpu *vcpu,
				struct kvmmu_run __user *urun)
{
	struct kvmmu_run run;
	int r;

	if (copy_from_user(&run, urun, sizeof(run)))
		return -EFAULT;
	r = kvmmu_vcpu_run(vcpu, &run);
	if (r == -EINVAL)
		return r;
	/* Counters are valid on -EINTR too. */
	if (copy_to_user(urun, &run, sizeof(run)))
		return -EFAULT;
	return r;
}

static long kvmmu_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			     unsigned long arg)
{
	struct kvmmu_vcpu *vcpu = filp->private_data;
	struct kvmmu_vm *vm = vcpu->vm;
	void __user *argp = (void __user *)arg;
	long r;

	if (vm->mm != current->mm || READ_ONCE(vm->bugged))
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	switch (ioctl) {
	case KVMMU_GUEST_ACCESS:
		r = kvmmu_vcpu_access_batch(vcpu, argp);
		break;
	case KVMMU_TRANSLATE:
		r = kvmmu_vcpu_ioctl_translate(vcpu, argp);
		break;
	case KVMMU_RUN_WORKLOAD:
		r = kvmmu_vcpu_ioctl_run(vcpu, argp);
		break;
	default:
		r = -ENOTTY;
		if (vm->ops->vcpu_ioctl) {
			int idx = srcu_read_lock(&vm->srcu);

			r = vm->ops->vcpu_ioctl(vcpu, ioctl, argp);
			srcu_read_unlock(&vm->srcu, idx);
		}
		break;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static void kvmmu_vcpu_unlink(struct kvmmu_vcpu *vcpu)
{
	struct kvmmu_vm *vm = vcpu->vm;

	mutex_lock(&vm->lock);
	xa_erase(&vm->vcpus, vcpu->id);
	vm->nr_vcpus--;
	mutex_unlock(&vm->lock);
}

static void kvmmu_vcpu_free(struct kvmmu_vcpu *vcpu)
{
	struct kvmmu_vm *vm = vcpu->vm;

	if (vcpu->arch && vm->ops->destroy_vcpu)
		vm->ops->destroy_vcpu(vcpu);
	kvmmu_page_cache_free(&vcpu->cache);
	kfree(vcpu);
	kvmmu_vm_put(vm);
}

static int kvmmu_vcpu_release(struct inode *inode, struct file *filp)
{
	struct kvmmu_vcpu *vcpu = filp->private_data;

	kvmmu_vcpu_unlink(vcpu);
	kvmmu_vcpu_free(vcpu);
	return 0;
}

static const struct file_operations kvmmu_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= kvmmu_vcpu_release,
	.unlocked_ioctl	= kvmmu_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/**
 * kvmmu_vcpu_create() - KVMMU_CREATE_VCPU
 * @vm: the VM, called by its creator's mm
 * @id: the vCPU id
 *
 * Return: a vCPU fd; -EINVAL for an id out of range or when the VM has its
 * maximum of vCPUs; -EEXIST for an id in use; -ENOMEM.
 */
int kvmmu_vcpu_create(struct kvmmu_vm *vm, unsigned long id)
{
	struct kvmmu_vcpu *vcpu;
	int r, fd;

	if (id >= KVMMU_MAX_VCPU_IDS)
		return -EINVAL;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	if (vm->ops->init_vcpu) {
		r = vm->ops->init_vcpu(vcpu);
		if (r) {
			kfree(vcpu);
			return r;
		}
	}

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus >= KVMMU_MAX_VCPUS) {
		r = -EINVAL;
	} else {
		r = xa_insert(&vm->vcpus, id, vcpu, GFP_KERNEL_ACCOUNT);
		if (r == -EBUSY)
			r = -EEXIST;
	}
	if (!r)
		vm->nr_vcpus++;
	mutex_unlock(&vm->lock);
	kvmmu_vm_get(vm);
	if (r) {
		kvmmu_vcpu_free(vcpu);
		return r;
	}

	fd = anon_inode_getfd("kvmmu-vcpu", &kvmmu_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		kvmmu_vcpu_unlink(vcpu);
		kvmmu_vcpu_free(vcpu);
	}
	return fd;
}
