/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory through a vCPU: single accesses and batches
 * (KVMMU_GUEST_ACCESS), translations and the in-kernel workload.
 */
#ifndef _KVMMU_ACCESS_H
#define _KVMMU_ACCESS_H

#include <linux/kvmmu.h>

/**
 * kvmmu_access1() - one guest access
 * @vcpu: the vCPU fd
 * @type: KVMMU_ACCESS_*
 * @gpa: the address (guest-virtual once the vCPU translates)
 * @size: 1, 2, 4 or 8 bytes
 * @data: written from, or read into (may be NULL)
 *
 * Return: the access's result (0 or -errno, or a KVMMU_RESULT_* code), or
 * the ioctl's -errno.
 */
int kvmmu_access1(int vcpu, int type, __u64 gpa, int size, __u64 *data);

/**
 * kvmmu_read64() - an 8-byte guest read
 * @vcpu: the vCPU fd
 * @gpa: the address
 * @val: where the value goes
 *
 * Return: as kvmmu_access1().
 */
int kvmmu_read64(int vcpu, __u64 gpa, __u64 *val);

/**
 * kvmmu_write64() - an 8-byte guest write
 * @vcpu: the vCPU fd
 * @gpa: the address
 * @val: the value
 *
 * Return: as kvmmu_access1().
 */
int kvmmu_write64(int vcpu, __u64 gpa, __u64 val);

/**
 * kvmmu_access_batch() - KVMMU_GUEST_ACCESS of several accesses
 * @vcpu: the vCPU fd
 * @a: the accesses; each gets its result and data
 * @n: how many
 *
 * Return: 0, the ioctl's -errno, or -EPROTO if it did not do them all.
 */
int kvmmu_access_batch(int vcpu, struct kvmmu_access *a, unsigned int n);

/**
 * kvmmu_access_one() - one access, returned whole
 * @vcpu: the vCPU fd
 * @type: KVMMU_ACCESS_*
 * @addr: the address
 * @size: the size
 * @data: what a write writes
 *
 * For tests that look at the fault information too.  The ioctl's error,
 * if any, replaces the result.
 *
 * Return: the access as the kernel left it.
 */
struct kvmmu_access kvmmu_access_one(int vcpu, int type, __u64 addr,
				     int size, __u64 data);

/**
 * kvmmu_access_name() - an access type for messages
 * @type: KVMMU_ACCESS_*
 *
 * Return: "read", "user write" and so on.
 */
const char *kvmmu_access_name(int type);

/**
 * kvmmu_translate() - KVMMU_TRANSLATE of one address
 * @vcpu: the vCPU fd
 * @gpa: the address
 * @tr: the translation (zeroed first)
 *
 * Return: 0 or -errno.
 */
int kvmmu_translate(int vcpu, __u64 gpa, struct kvmmu_translation *tr);

/**
 * kvmmu_run_workload() - the in-kernel workload, KVMMU_RUN_WORKLOAD
 * @vcpu: the vCPU fd
 * @run: the request, then the counters
 * @gpa: the start of the range
 * @size: its size
 * @stride: the distance between accesses
 * @seed: the pattern's seed
 * @passes: how many passes
 * @flags: KVMMU_RUN_*
 *
 * Return: 0 or the ioctl's -errno; what the run saw is in @run.
 */
int kvmmu_run_workload(int vcpu, struct kvmmu_run *run, __u64 gpa,
		       __u64 size, __u64 stride, __u64 seed, __u32 passes,
		       __u32 flags);

#endif /* _KVMMU_ACCESS_H */
