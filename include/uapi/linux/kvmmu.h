/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmmu user ABI.
 *
 * The ioctls are shaped after KVM's: where KVM has an ioctl for the same
 * job, kvmmu uses the same number (under its own magic), structure layout
 * and semantics, so VMM code ports by renaming.  kvmmu uses its own magic
 * so that a KVM ioctl sent to a kvmmu fd (or the reverse) fails with ENOTTY
 * instead of doing something else.  See Documentation/api.rst.
 */
#ifndef _UAPI_LINUX_KVMMU_H
#define _UAPI_LINUX_KVMMU_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Bumped only on an incompatible change; new features are discovered with
 * extensions instead, as with KVM.
 */
#define KVMMU_API_VERSION	1

/* 0xBA is unused in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define KVMMUIO			0xBA

/* ioctls for /dev/kvmmu */
#define KVMMU_GET_API_VERSION	_IO(KVMMUIO, 0x00)

/*
 * A guest-physical memory region backed by userspace memory, laid out as
 * struct kvm_userspace_memory_region.  @slot: slot id in the low 16 bits,
 * address-space id in the high 16 bits.  A @memory_size of 0 deletes the
 * slot.  (Set on a VM file descriptor, which arrives with the VM API.)
 */
struct kvmmu_userspace_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;	/* bytes */
	__u64 userspace_addr;	/* start of the userspace allocated memory */
};

/* kvmmu_userspace_memory_region.flags, as KVM_MEM_* */
#define KVMMU_MEM_LOG_DIRTY_PAGES	_BITUL(0)
#define KVMMU_MEM_READONLY		_BITUL(1)

#endif /* _UAPI_LINUX_KVMMU_H */
