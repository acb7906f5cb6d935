// SPDX-License-Identifier: GPL-2.0
/*
 * A KUnit suite that always fails, for the test harness's own self-tests:
 * the harness must count it as a failure.  Never loaded in a normal run.
 */
#include <kunit/test.h>
#include <linux/module.h>

static void harness_kunit_fail(struct kunit *test)
{
	KUNIT_FAIL(test, "kvmmu harness self-test: deliberate KUnit failure");
}

static struct kunit_case harness_kunit_fail_cases[] = {
	KUNIT_CASE(harness_kunit_fail),
	{}
};

static struct kunit_suite harness_kunit_fail_suite = {
	.name = "kvmmu_harness_kunit_fail",
	.test_cases = harness_kunit_fail_cases,
};

kunit_test_suite(harness_kunit_fail_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvmmu test-harness self-test: a failing KUnit suite");
