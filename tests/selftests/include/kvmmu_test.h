/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every kvmmu selftest includes: the library's headers, and the
 * helpers that state expectations through the kselftest harness.  Those
 * are static inline here rather than in libkvmmu.a: kselftest_harness.h
 * defines the test list and functions of its own, so one file per program
 * includes it, and the library (which the demo VMM links too) cannot.
 */
#ifndef _KVMMU_TEST_H
#define _KVMMU_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kvmmu_access.h"
#include "kvmmu_host.h"
#include "kvmmu_stress.h"
#include "kvmmu_util.h"
#include "kvmmu_vm.h"

/* The zram swap device the tests set up when no swap is on. */
#define KVMMU_TEST_ZRAM_SIZE	(16UL << 20)

/*
 * A VM of @type with vCPU 0 and @size bytes of RAM at @gpa in slot 0, in
 * 4 KiB host pages (see kvmmu_vm_with_ram()); the test fails without.
 */
static inline void kvmmu_setup_vm(struct __test_metadata *_metadata,
				  unsigned long type, __u64 gpa, size_t size,
				  int *vm, int *vcpu, char **ram)
{
	const char *what;

	*vm = kvmmu_vm_with_ram(type, gpa, size, vcpu, ram, &what);
	ASSERT_LE(0, *vm) TH_LOG("%s (%s VM, flags %#lx): %s", what,
				 kvmmu_vm_type_name(type & KVMMU_VM_TYPE_MASK),
				 type & ~KVMMU_VM_TYPE_MASK, strerror(-*vm));
}

/*
 * Swap on, set up by kvmmu_swap_setup() unless some is on already; the
 * fixture's teardown turns it off with kvmmu_host_restore().  Returns 0,
 * or -ENODEV if there is no zram to be had (the test skips); any other
 * failure fails the test.
 */
static inline int kvmmu_swap_on(struct __test_metadata *_metadata,
				struct kvmmu_host_state *hs)
{
	int err = kvmmu_swap_setup(hs, KVMMU_TEST_ZRAM_SIZE);

	if (err != -ENODEV)
		ASSERT_EQ(0, err) TH_LOG("zram swap: %s", strerror(-err));
	return err;
}

/* KVMMU_GET_VM_STATS, which must work. */
static inline struct kvmmu_vm_stats kvmmu_stats(struct __test_metadata *_metadata,
						int vm)
{
	struct kvmmu_vm_stats st;

	EXPECT_EQ(0, kvmmu_vm_stats(vm, &st));
	return st;
}

/* An 8-byte access that must succeed; reads and fetches return @want. */
static inline bool kvmmu_acc_ok(struct __test_metadata *_metadata, int vcpu,
				int type, __u64 addr, __u64 want)
{
	struct kvmmu_access a = kvmmu_access_one(vcpu, type, addr, 8, want);

	if (!a.result && a.data == want)
		return true;
	TH_LOG("%s of %#llx: result %d data %#llx, expected 0 and %#llx",
	       kvmmu_access_name(type), (unsigned long long)addr, a.result,
	       (unsigned long long)a.data, (unsigned long long)want);
	return false;
}

static inline bool kvmmu_rd_is(struct __test_metadata *_metadata, int vcpu,
			       __u64 addr, __u64 want)
{
	return kvmmu_acc_ok(_metadata, vcpu, KVMMU_ACCESS_READ, addr, want);
}

static inline bool kvmmu_wr_ok(struct __test_metadata *_metadata, int vcpu,
			       __u64 addr, __u64 v)
{
	return kvmmu_acc_ok(_metadata, vcpu, KVMMU_ACCESS_WRITE, addr, v);
}

/* An access that must fail with @err (no slot: -ENOENT). */
static inline bool kvmmu_err_is(struct __test_metadata *_metadata, int vcpu,
				int type, __u64 addr, int err)
{
	struct kvmmu_access a = kvmmu_access_one(vcpu, type, addr, 8, 0x77);

	if (a.result == err)
		return true;
	TH_LOG("%s of %#llx: result %d data %#llx, expected %d",
	       kvmmu_access_name(type), (unsigned long long)addr, a.result,
	       (unsigned long long)a.data, err);
	return false;
}

/*
 * An 8-byte access that must end in the guest exception @result (a
 * KVMMU_RESULT_* code) with @data (the x86 error code, the PowerPC DSISR),
 * named @what in the message otherwise.
 */
static inline bool kvmmu_fault_is(struct __test_metadata *_metadata,
				  int vcpu, int type, __u64 addr, int result,
				  __u64 data, const char *what)
{
	struct kvmmu_access a = kvmmu_access_one(vcpu, type, addr, 8, 0x77);

	if (a.result == result && a.data == data)
		return true;
	TH_LOG("%s of %#llx: result %d data %#llx, expected %s (%d) with %#llx",
	       kvmmu_access_name(type), (unsigned long long)addr, a.result,
	       (unsigned long long)a.data, what, result,
	       (unsigned long long)data);
	return false;
}

/* What a kvmmu_stress thread did, in the test's log. */
static inline void kvmmu_stress_log(struct __test_metadata *_metadata,
				    const struct kvmmu_stress_vcpu *t)
{
	TH_LOG("vcpu %d: %lu rounds, %lu exact + %lu loose checks, %lu bad",
	       t->fd, t->rounds, t->checked, t->loose, t->bad);
	TH_LOG("vcpu %d: %lu workload runs, %lu bad", t->fd, t->runs,
	       t->run_bad);
}

/**
 * kvmmu_backend_test_main() - main() of a suite for one backend's features
 * @argc: main()'s
 * @argv: main()'s
 * @type: the KVMMU_VM_* type the suite tests
 * @what: the type's name in messages
 * @may_lack: whether a module without @type is fine
 *
 * shadow_test, ppc_hv_test and mips_test create VMs of their own type
 * only.  If the module does not offer it, the program ends before any
 * test: skipped if @may_lack, failed otherwise (every build has that type:
 * its absence is a bug).  Without /dev/kvmmu the tests run, and fail
 * saying why.
 *
 * Return: what test_harness_run() returns.
 */
static inline int kvmmu_backend_test_main(int argc, char **argv, int type,
					  const char *what, bool may_lack)
{
	long types = kvmmu_vm_types();

	if (types >= 0 && !(types >> type & 1)) {
		ksft_print_header();
		if (may_lack)
			ksft_exit_skip("no %s VMs (KVMMU_CAP_VM_TYPES %#lx)\n",
				       what, types);
		ksft_exit_fail_msg("no %s VMs (KVMMU_CAP_VM_TYPES %#lx)\n",
				   what, types);
	}
	return test_harness_run(argc, argv);
}

#endif /* _KVMMU_TEST_H */
