/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the kvmmu selftests: what every test VMM does
 * (open the device, create a VM and a vCPU, register memory, access guest
 * memory).  They return -errno instead of asserting, so each test states
 * its own expectations.
 */
#ifndef _KVMMU_SELFTEST_UTIL_H
#define _KVMMU_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvmmu.h>

#define KVMMU_DEV	"/dev/kvmmu"
#define PAGE_SIZE_4K	4096UL

static inline int kvmmu_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

/*
 * The VM type (backend) the shared suites (vm_api, coherency, lifecycle,
 * stress) test: $KVMMU_VM_TYPE, a KVMMU_VM_* number, KVMMU_VM_X86_EPT if
 * unset.  Every VM they create is of this type; tests/qemu/init runs each
 * of them once per type in the module's KVMMU_CAP_VM_TYPES.
 */
static inline int kvmmu_vm_type(void)
{
	const char *s = getenv("KVMMU_VM_TYPE");

	return s ? atoi(s) : KVMMU_VM_X86_EPT;
}

/*
 * Before any test runs: a $KVMMU_VM_TYPE that is not a type the module
 * offers ends the program with an error, not a skip.  The runner asks only
 * for offered types, so this is a broken setup that must not pass as "not
 * applicable".  Unset, the default type is offered by every module.
 */
static void __attribute__((constructor)) kvmmu_vm_type_check(void)
{
	const char *s = getenv("KVMMU_VM_TYPE");
	long type, types;
	char *end;
	int dev;

	if (!s)
		return;
	errno = 0;
	type = strtol(s, &end, 10);
	if (!*s || *end || errno || type < 0 || type >= 63) {
		fprintf(stderr, "KVMMU_VM_TYPE=%s: not a VM type number\n", s);
		exit(1);
	}
	dev = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "KVMMU_VM_TYPE=%s: open %s: %s\n", s,
			KVMMU_DEV, strerror(errno));
		exit(1);
	}
	types = ioctl(dev, KVMMU_CHECK_EXTENSION, KVMMU_CAP_VM_TYPES);
	close(dev);
	if (types < 0 || !(types >> type & 1)) {
		fprintf(stderr, "KVMMU_VM_TYPE=%s: the module does not offer it (VM_TYPES %#lx)\n",
			s, types);
		exit(1);
	}
}

/* A VM of @type on a fresh /dev/kvmmu fd; returns the VM fd or -errno. */
static inline int kvmmu_create_vm(int type)
{
	int dev = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);
	int vm, err;

	if (dev < 0)
		return -errno;
	vm = ioctl(dev, KVMMU_CREATE_VM, (unsigned long)type);
	err = errno;
	close(dev);
	return vm < 0 ? -err : vm;
}

static inline int kvmmu_create_vcpu(int vm, unsigned long id)
{
	int fd = ioctl(vm, KVMMU_CREATE_VCPU, id);

	return fd < 0 ? -errno : fd;
}

static inline int kvmmu_set_region(int vm, __u32 slot, __u32 flags,
				   __u64 gpa, __u64 size, void *hva)
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

/*
 * One guest access of @size bytes; returns the access's result (0 or
 * -errno), or the ioctl's error.  *@data is written from / read into.
 */
static inline int kvmmu_access1(int vcpu, int type, __u64 gpa, int size,
				__u64 *data)
{
	struct kvmmu_access a = {
		.gpa = gpa,
		.data = data ? *data : 0,
		.type = type,
		.size = size,
		.result = 1,	/* the kernel must overwrite it */
	};
	struct kvmmu_access_batch b = {
		.nr = 1,
		.accesses = (uintptr_t)&a,
	};
	int r = kvmmu_ioctl(vcpu, KVMMU_GUEST_ACCESS, &b);

	if (r)
		return r;
	if (data && type != KVMMU_ACCESS_WRITE)
		*data = a.data;
	return a.result;
}

static inline int kvmmu_read64(int vcpu, __u64 gpa, __u64 *val)
{
	return kvmmu_access1(vcpu, KVMMU_ACCESS_READ, gpa, 8, val);
}

static inline int kvmmu_write64(int vcpu, __u64 gpa, __u64 val)
{
	return kvmmu_access1(vcpu, KVMMU_ACCESS_WRITE, gpa, 8, &val);
}

static inline int kvmmu_translate(int vcpu, __u64 gpa,
				  struct kvmmu_translation *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->gpa = gpa;
	return kvmmu_ioctl(vcpu, KVMMU_TRANSLATE, tr);
}

/* The in-kernel workload; 0 or the ioctl's -errno (counters in @run). */
static inline int kvmmu_run_workload(int vcpu, struct kvmmu_run *run,
				     __u64 gpa, __u64 size, __u64 stride,
				     __u64 seed, __u32 passes, __u32 flags)
{
	memset(run, 0, sizeof(*run));
	run->gpa = gpa;
	run->size = size;
	run->stride = stride;
	run->seed = seed;
	run->passes = passes;
	run->flags = flags;
	return kvmmu_ioctl(vcpu, KVMMU_RUN_WORKLOAD, run);
}

static inline int kvmmu_vm_stats(int vm, struct kvmmu_vm_stats *st)
{
	return kvmmu_ioctl(vm, KVMMU_GET_VM_STATS, st);
}

/* Read a one-line sysfs/procfs file into @buf, without the newline. */
static inline int kvmmu_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Write @s to a sysfs/procfs file; 0 or -errno (-EIO if cut short). */
static inline int kvmmu_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = errno;
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : n < 0 ? -err : -EIO;
}

/* Anonymous private memory, or MAP_FAILED. */
static inline void *kvmmu_alloc_anon(size_t size)
{
	return mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

#endif /* _KVMMU_SELFTEST_UTIL_H */
