// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvmmu: the system-wide control node, a misc device.
 *
 * Like /dev/kvm, the node itself holds no state: it answers capability
 * queries and (from the VM API on) hands out VM file descriptors, which
 * own everything else.  That is why there is nothing to undo on release.
 * The node is root-only unless the administrator widens it with the
 * devmode parameter, because a VM lets its owner pin host page-table
 * work on the kernel.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/stat.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/device.h"
#include "kvmmu/vm.h"

static ushort devmode = 0600;
module_param(devmode, ushort, 0444);
MODULE_PARM_DESC(devmode, "Permission bits of /dev/kvmmu (default 0600; read/write bits only)");

/**
 * kvmmu_dev_mode_valid() - may @mode be given to /dev/kvmmu?
 * @mode: the requested permission bits
 *
 * Only read/write permission bits make sense on a device node; execute,
 * setuid, setgid and sticky bits are rejected rather than silently masked
 * so that a typo in the modprobe configuration is noticed at load time.
 * So is 0, which the misc core would silently turn into its default 0600.
 *
 * Return: true if @mode is acceptable.
 */
VISIBLE_IF_KUNIT bool kvmmu_dev_mode_valid(umode_t mode)
{
	return mode && !(mode & ~(umode_t)0666);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_dev_mode_valid);

/**
 * kvmmu_dev_ioctl() - ioctls on /dev/kvmmu itself
 * @filp: the open /dev/kvmmu file
 * @ioctl: the ioctl command
 * @arg: its argument
 *
 * Return: the ioctl's result, -EINVAL for a malformed argument, -ENOTTY for
 * a command this node does not implement (including every KVM ioctl).
 */
VISIBLE_IF_KUNIT long kvmmu_dev_ioctl(struct file *filp, unsigned int ioctl,
				      unsigned long arg)
{
	switch (ioctl) {
	case KVMMU_GET_API_VERSION:
		/* As KVM_GET_API_VERSION: the argument must be zero. */
		if (arg)
			return -EINVAL;
		return KVMMU_API_VERSION;
	case KVMMU_CREATE_VM:
		return kvmmu_vm_create(arg);
	case KVMMU_CHECK_EXTENSION:
		return kvmmu_check_extension(NULL, arg);
	default:
		return -ENOTTY;
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_dev_ioctl);

static int kvmmu_dev_open(struct inode *inode, struct file *filp)
{
	/* A control node has no file position. */
	return stream_open(inode, filp);
}

static const struct file_operations kvmmu_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= kvmmu_dev_open,
	.unlocked_ioctl	= kvmmu_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice kvmmu_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "kvmmu",
	.fops	= &kvmmu_dev_fops,
};

/**
 * kvmmu_dev_init() - create /dev/kvmmu
 *
 * Return: 0, -EINVAL for a bad devmode parameter, or misc_register()'s error.
 */
int kvmmu_dev_init(void)
{
	if (!kvmmu_dev_mode_valid(devmode)) {
		pr_err("devmode %#o: only read/write permission bits are allowed\n",
		       devmode);
		return -EINVAL;
	}
	kvmmu_dev.mode = devmode;
	return misc_register(&kvmmu_dev);
}

void kvmmu_dev_exit(void)
{
	misc_deregister(&kvmmu_dev);
}
