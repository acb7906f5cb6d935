/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest accesses with expectations, for the suites that test one
 * backend's own translation (shadow_test, ppc_hv_test): one access, and
 * checks that it read or wrote what it should, or failed as it should,
 * logging what happened otherwise.
 */
#ifndef _KVMMU_GUEST_H
#define _KVMMU_GUEST_H

#include "kvmmu_host.h"

/* One access; the ioctl's error, if any, replaces the result. */
static inline struct kvmmu_access one(int vcpu, int type, __u64 addr,
				      int size, __u64 data)
{
	struct kvmmu_access a = {
		.gpa = addr,
		.data = data,
		.type = type,
		.size = size,
		.faults = 0xffff,
		.result = 1,	/* the kernel must overwrite it */
	};
	int r = access_batch(vcpu, &a, 1);

	if (r)
		a.result = r;
	return a;
}

static inline const char *tname(int type)
{
	static const char * const names[] = {
		"read", "write", "fetch", "?",
		"user read", "user write", "user fetch", "user ?",
	};

	return names[(type & 3) | (type & KVMMU_ACCESS_USER ? 4 : 0)];
}

/* An 8-byte access that must succeed; reads and fetches return @want. */
static inline bool acc_ok(struct __test_metadata *_metadata, int vcpu,
			  int type, __u64 addr, __u64 want)
{
	struct kvmmu_access a = one(vcpu, type, addr, 8, want);

	if (!a.result && a.data == want)
		return true;
	TH_LOG("%s of %#llx: result %d data %#llx, expected 0 and %#llx",
	       tname(type), (unsigned long long)addr, a.result,
	       (unsigned long long)a.data, (unsigned long long)want);
	return false;
}

static inline bool rd_is(struct __test_metadata *_metadata, int vcpu,
			 __u64 addr, __u64 want)
{
	return acc_ok(_metadata, vcpu, KVMMU_ACCESS_READ, addr, want);
}

static inline bool wr_ok(struct __test_metadata *_metadata, int vcpu,
			 __u64 addr, __u64 v)
{
	return acc_ok(_metadata, vcpu, KVMMU_ACCESS_WRITE, addr, v);
}

/* An access that must fail with -@err (no slot: -ENOENT). */
static inline bool err_is(struct __test_metadata *_metadata, int vcpu,
			  int type, __u64 addr, int err)
{
	struct kvmmu_access a = one(vcpu, type, addr, 8, 0x77);

	if (a.result == err)
		return true;
	TH_LOG("%s of %#llx: result %d data %#llx, expected %d",
	       tname(type), (unsigned long long)addr, a.result,
	       (unsigned long long)a.data, err);
	return false;
}

#endif /* _KVMMU_GUEST_H */
