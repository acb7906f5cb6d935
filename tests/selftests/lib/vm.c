// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU setup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmmu_host.h"
#include "kvmmu_util.h"
#include "kvmmu_vm.h"

int kvmmu_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int kvmmu_vm_type(void)
{
	const char *s = getenv("KVMMU_VM_TYPE");

	return s ? atoi(s) : KVMMU_VM_X86_EPT;
}

/*
 * Before any test runs: a $KVMMU_VM_TYPE that is not a type the module
 * offers ends the program with an error, not a skip.  The runner asks only
 * for offered types, so this is a broken setup that must not pass as "not
 * applicable".  Unset, the default type is offered by every module.  It is
 * here, beside kvmmu_vm_type(), so that every program that asks for the
 * type links it in.
 */
static void __attribute__((constructor)) kvmmu_vm_type_check(void)
{
	const char *s = getenv("KVMMU_VM_TYPE");
	long type, types;
	char *end;

	if (!s)
		return;
	errno = 0;
	type = strtol(s, &end, 10);
	if (!*s || *end || errno || type < 0 || type >= 63) {
		fprintf(stderr, "KVMMU_VM_TYPE=%s: not a VM type number\n", s);
		exit(1);
	}
	types = kvmmu_vm_types();
	if (types < 0) {
		fprintf(stderr, "KVMMU_VM_TYPE=%s: %s: %s\n", s, KVMMU_DEV,
			strerror(-types));
		exit(1);
	}
	if (!(types >> type & 1)) {
		fprintf(stderr, "KVMMU_VM_TYPE=%s: the module does not offer it (VM_TYPES %#lx)\n",
			s, types);
		exit(1);
	}
}

const char *kvmmu_vm_type_name(int type)
{
	static const char * const names[] = {
		[KVMMU_VM_X86_EPT] = "x86_ept",
		[KVMMU_VM_X86_SHADOW] = "x86_shadow",
		[KVMMU_VM_PPC_HV] = "ppc_hv",
		[KVMMU_VM_MIPS] = "mips",
	};

	if (type < 0 || type >= (int)ARRAY_SIZE(names) ||
	    !names[type])
		return "?";
	return names[type];
}

long kvmmu_vm_types(void)
{
	int dev = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);
	long types;
	int err;

	if (dev < 0)
		return -errno;
	types = ioctl(dev, KVMMU_CHECK_EXTENSION, KVMMU_CAP_VM_TYPES);
	err = errno;
	close(dev);
	return types < 0 ? -err : types;
}

int kvmmu_create_vm(unsigned long type)
{
	int dev = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);
	int vm, err;

	if (dev < 0)
		return -errno;
	vm = ioctl(dev, KVMMU_CREATE_VM, type);
	err = errno;
	close(dev);
	return vm < 0 ? -err : vm;
}

int kvmmu_create_vcpu(int vm, unsigned long id)
{
	int fd = ioctl(vm, KVMMU_CREATE_VCPU, id);

	return fd < 0 ? -errno : fd;
}

int kvmmu_set_region(int vm, __u32 slot, __u32 flags, __u64 gpa, __u64 size,
		     void *hva)
{
	struct kvmmu_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return kvmmu_ioctl(vm, KVMMU_SET_USER_MEMORY_REGION, &r);
}

int kvmmu_vm_stats(int vm, struct kvmmu_vm_stats *st)
{
	memset(st, 0, sizeof(*st));
	return kvmmu_ioctl(vm, KVMMU_GET_VM_STATS, st);
}

int kvmmu_vm_with_ram(unsigned long type, __u64 gpa, size_t size, int *vcpu,
		      char **ram, const char **what)
{
	int vm, err;

	*vcpu = -1;
	*ram = MAP_FAILED;
	*what = "KVMMU_CREATE_VM";
	vm = kvmmu_create_vm(type);
	if (vm < 0)
		return vm;
	*what = "KVMMU_CREATE_VCPU";
	*vcpu = kvmmu_create_vcpu(vm, 0);
	err = *vcpu;
	if (err < 0)
		goto out_vm;
	*what = "mmap";
	*ram = kvmmu_alloc_anon(size);
	if (*ram == MAP_FAILED) {
		err = -errno;
		goto out_vcpu;
	}
	*what = "MADV_NOHUGEPAGE";
	err = madvise(*ram, size, MADV_NOHUGEPAGE) ? -errno : 0;
	if (!err) {
		*what = "KVMMU_SET_USER_MEMORY_REGION";
		err = kvmmu_set_region(vm, 0, 0, gpa, size, *ram);
	}
	if (!err)
		return vm;
	munmap(*ram, size);
	*ram = MAP_FAILED;
out_vcpu:
	close(*vcpu);
	*vcpu = -1;
out_vm:
	close(vm);
	return err;
}
