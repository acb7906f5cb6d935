/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM and vCPU setup: the device, VM types, vCPUs, memslots and the VM
 * statistics.  The functions return -errno rather than assert, so that
 * each test states its own expectations, and the demo VMM can use them.
 */
#ifndef _KVMMU_VM_H
#define _KVMMU_VM_H

#include <stddef.h>
#include <sys/ioctl.h>

#include <linux/kvmmu.h>

#define KVMMU_DEV	"/dev/kvmmu"
#define PAGE_SIZE_4K	4096UL

/**
 * kvmmu_ioctl() - an ioctl whose result is 0 or a negative errno
 * @fd: the file descriptor
 * @req: the request
 * @arg: its argument
 *
 * Return: 0 on success, -errno on failure.
 */
int kvmmu_ioctl(int fd, unsigned long req, void *arg);

/**
 * kvmmu_vm_type() - the VM type (backend) the shared suites test
 *
 * The shared suites (vm_api, coherency, lifecycle, stress) create every VM
 * with this type: $KVMMU_VM_TYPE, a KVMMU_VM_* number, KVMMU_VM_X86_EPT if
 * unset.  tests/qemu/init runs each of them once per type the module
 * offers.  A program that calls this also gets the check, before any test
 * runs, that the module offers the type (it exits 1 otherwise).
 *
 * Return: the KVMMU_VM_* number.
 */
int kvmmu_vm_type(void);

/**
 * kvmmu_vm_type_name() - the name of a VM type, after its KVMMU_VM_* macro
 * @type: a KVMMU_VM_* number
 *
 * Return: "x86_ept", "x86_shadow", "ppc_hv", "mips", or "?" for any other.
 */
const char *kvmmu_vm_type_name(int type);

/**
 * kvmmu_vm_types() - the VM types the module offers
 *
 * Return: KVMMU_CAP_VM_TYPES (bit n: type n), or -errno if /dev/kvmmu
 * cannot be opened or does not answer.
 */
long kvmmu_vm_types(void);

/**
 * kvmmu_create_vm() - a VM on a fresh /dev/kvmmu file descriptor
 * @type: a KVMMU_VM_* type, with KVMMU_VM_* flags (KVMMU_VM_PINNED)
 *
 * The device fd is closed again: the VM keeps the module busy by itself.
 *
 * Return: the VM fd, or -errno.
 */
int kvmmu_create_vm(unsigned long type);

/**
 * kvmmu_create_vcpu() - a vCPU of a VM
 * @vm: the VM fd
 * @id: the vCPU id
 *
 * Return: the vCPU fd, or -errno.
 */
int kvmmu_create_vcpu(int vm, unsigned long id);

/**
 * kvmmu_set_region() - KVMMU_SET_USER_MEMORY_REGION
 * @vm: the VM fd
 * @slot: the memslot id (with the address space in the high 16 bits)
 * @flags: KVMMU_MEM_* flags
 * @gpa: the guest-physical base
 * @size: the size in bytes, 0 to delete the slot
 * @hva: the process memory behind it
 *
 * Return: 0 or -errno.
 */
int kvmmu_set_region(int vm, __u32 slot, __u32 flags, __u64 gpa, __u64 size,
		     void *hva);

/**
 * kvmmu_vm_stats() - KVMMU_GET_VM_STATS
 * @vm: the VM fd
 * @st: filled in (zeroed first, so a failed call leaves no stale values)
 *
 * Return: 0 or -errno.
 */
int kvmmu_vm_stats(int vm, struct kvmmu_vm_stats *st);

/**
 * kvmmu_vm_with_ram() - a VM of @type with vCPU 0 and one memslot of RAM
 * @type: a KVMMU_VM_* type, with flags
 * @gpa: where slot 0 starts
 * @size: its size
 * @vcpu: set to the fd of vCPU 0
 * @ram: set to the slot's memory, anonymous and in 4 KiB pages (so that
 *	every guest page has a pfn of its own for pagemap, swap, KSM and
 *	migration)
 * @what: set to the step that failed (or was last done), for messages
 *
 * What the per-backend suites' fixtures start from.  On failure, what was
 * made is undone.
 *
 * Return: the VM fd, or -errno.
 */
int kvmmu_vm_with_ram(unsigned long type, __u64 gpa, size_t size, int *vcpu,
		      char **ram, const char **what);

#endif /* _KVMMU_VM_H */
