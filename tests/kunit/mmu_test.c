// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the fault/invalidation retry decision: a fault must throw
 * away its lookup if an invalidation covering its gfn is in progress, or if
 * any invalidation ended since it sampled the sequence count; faults on
 * other gfns proceed.  (The check made without mmu_lock, Book3S HV's, is
 * the same code.)
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "kvmmu/mmu.h"

#include "fake_vm.h"

static int mmu_test_init(struct kunit *test)
{
	/* The retry protocol is the core's: any backend will do. */
	test->priv = kvmmu_test_vm(test, &kvmmu_x86_ept_ops);
	return 0;
}

static bool retry(struct kunit *test, unsigned long seq, u64 gfn)
{
	struct kvmmu_vm *vm = test->priv;
	bool r;

	spin_lock(&vm->mmu_lock);
	r = kvmmu_mmu_invalidate_retry(vm, seq, gfn);
	spin_unlock(&vm->mmu_lock);
	return r;
}

static void begin(struct kunit *test, u64 start, u64 end)
{
	struct kvmmu_vm *vm = test->priv;

	spin_lock(&vm->mmu_lock);
	kvmmu_mmu_invalidate_begin(vm);
	if (start < end)
		kvmmu_mmu_invalidate_range_add(vm, start, end);
	spin_unlock(&vm->mmu_lock);
}

static void end(struct kunit *test)
{
	struct kvmmu_vm *vm = test->priv;

	spin_lock(&vm->mmu_lock);
	kvmmu_mmu_invalidate_end(vm);
	spin_unlock(&vm->mmu_lock);
}

static void mmu_retry_quiet(struct kunit *test)
{
	struct kvmmu_vm *vm = test->priv;
	unsigned long seq = vm->mmu_invalidate_seq;

	KUNIT_EXPECT_FALSE(test, retry(test, seq, 0));
	KUNIT_EXPECT_TRUE(test, retry(test, seq - 1, 0));
}

static void mmu_retry_in_progress_range(struct kunit *test)
{
	struct kvmmu_vm *vm = test->priv;
	unsigned long seq = vm->mmu_invalidate_seq;

	begin(test, 10, 20);
	KUNIT_EXPECT_TRUE(test, retry(test, seq, 10));
	KUNIT_EXPECT_TRUE(test, retry(test, seq, 19));
	/* Outside the range, and nothing ended yet: proceed. */
	KUNIT_EXPECT_FALSE(test, retry(test, seq, 9));
	KUNIT_EXPECT_FALSE(test, retry(test, seq, 20));
	end(test);
	/* It ended: every fault that sampled before must retry... */
	KUNIT_EXPECT_TRUE(test, retry(test, seq, 9));
	KUNIT_EXPECT_TRUE(test, retry(test, seq, 15));
	/* ...and one that samples now proceeds. */
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate_seq, seq + 1);
	KUNIT_EXPECT_FALSE(test, retry(test, seq + 1, 15));
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate_in_progress, 0);
}

static void mmu_retry_before_range_known(struct kunit *test)
{
	struct kvmmu_vm *vm = test->priv;
	unsigned long seq = vm->mmu_invalidate_seq;

	/* Started, no slot range added yet: nothing may proceed. */
	begin(test, 0, 0);
	KUNIT_EXPECT_TRUE(test, retry(test, seq, 0));
	KUNIT_EXPECT_TRUE(test, retry(test, seq, 1ULL << 35));
	end(test);
}

static void mmu_retry_overlapping_invalidations(struct kunit *test)
{
	struct kvmmu_vm *vm = test->priv;
	unsigned long seq = vm->mmu_invalidate_seq;

	begin(test, 10, 20);
	begin(test, 30, 40);
	/* One merged range covers both, and what lies between. */
	KUNIT_EXPECT_TRUE(test, retry(test, seq, 15));
	KUNIT_EXPECT_TRUE(test, retry(test, seq, 25));
	KUNIT_EXPECT_TRUE(test, retry(test, seq, 35));
	KUNIT_EXPECT_FALSE(test, retry(test, seq, 40));
	end(test);
	/* One still in progress: its range still holds faults back. */
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate_in_progress, 1);
	KUNIT_EXPECT_TRUE(test, retry(test, vm->mmu_invalidate_seq, 35));
	end(test);
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate_in_progress, 0);
	KUNIT_EXPECT_FALSE(test, retry(test, vm->mmu_invalidate_seq, 35));
	/* A new invalidation starts from an empty range. */
	begin(test, 100, 101);
	KUNIT_EXPECT_FALSE(test, retry(test, vm->mmu_invalidate_seq, 35));
	KUNIT_EXPECT_TRUE(test, retry(test, vm->mmu_invalidate_seq, 100));
	end(test);
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate_seq, seq + 3);
}

static struct kunit_case mmu_test_cases[] = {
	KUNIT_CASE(mmu_retry_quiet),
	KUNIT_CASE(mmu_retry_in_progress_range),
	KUNIT_CASE(mmu_retry_before_range_known),
	KUNIT_CASE(mmu_retry_overlapping_invalidations),
	{}
};

static struct kunit_suite mmu_test_suite = {
	.name = "kvmmu_mmu_retry",
	.init = mmu_test_init,
	.test_cases = mmu_test_cases,
};

kunit_test_suite(mmu_test_suite);
