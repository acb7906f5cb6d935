// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory through a vCPU.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kvmmu_access.h"
#include "kvmmu_vm.h"

int kvmmu_access1(int vcpu, int type, __u64 gpa, int size, __u64 *data)
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

int kvmmu_read64(int vcpu, __u64 gpa, __u64 *val)
{
	return kvmmu_access1(vcpu, KVMMU_ACCESS_READ, gpa, 8, val);
}

int kvmmu_write64(int vcpu, __u64 gpa, __u64 val)
{
	return kvmmu_access1(vcpu, KVMMU_ACCESS_WRITE, gpa, 8, &val);
}

int kvmmu_access_batch(int vcpu, struct kvmmu_access *a, unsigned int n)
{
	struct kvmmu_access_batch b = {
		.nr = n,
		.accesses = (uintptr_t)a,
		.nr_done = 0xdead,	/* the kernel must overwrite it */
	};
	int r = kvmmu_ioctl(vcpu, KVMMU_GUEST_ACCESS, &b);

	if (!r && b.nr_done != n)
		return -EPROTO;
	return r;
}

struct kvmmu_access kvmmu_access_one(int vcpu, int type, __u64 addr,
				     int size, __u64 data)
{
	struct kvmmu_access a = {
		.gpa = addr,
		.data = data,
		.type = type,
		.size = size,
		.faults = 0xffff,	/* the kernel must overwrite them */
		.result = 1,
	};
	int r = kvmmu_access_batch(vcpu, &a, 1);

	if (r)
		a.result = r;
	return a;
}

const char *kvmmu_access_name(int type)
{
	static const char * const names[] = {
		"read", "write", "fetch", "?",
		"user read", "user write", "user fetch", "user ?",
	};

	return names[(type & 3) | (type & KVMMU_ACCESS_USER ? 4 : 0)];
}

int kvmmu_translate(int vcpu, __u64 gpa, struct kvmmu_translation *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->gpa = gpa;
	return kvmmu_ioctl(vcpu, KVMMU_TRANSLATE, tr);
}

int kvmmu_run_workload(int vcpu, struct kvmmu_run *run, __u64 gpa,
		       __u64 size, __u64 stride, __u64 seed, __u32 passes,
		       __u32 flags)
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
