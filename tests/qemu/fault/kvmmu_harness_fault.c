// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the test harness's own self-tests: each mode makes
 * the booted test kernel fail in one way the harness must report as a
 * failure.  Never loaded in a normal run.
 *
 *   mode=kunit-fail  a KUnit case fails
 *   mode=warn        a WARN() fires while the module loads
 *   mode=panic       the kernel panics while the module loads
 *   mode=hang        module load never returns
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/sched.h>

static char *mode = "";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "kunit-fail, warn, panic or hang");

static int __init harness_fault_init(void)
{
	if (!strcmp(mode, "warn"))
		WARN(1, "kvmmu harness self-test: deliberate WARN\n");
	if (!strcmp(mode, "panic"))
		panic("kvmmu harness self-test: deliberate panic\n");
	if (!strcmp(mode, "hang"))
		for (;;)
			schedule_timeout_interruptible(MAX_SCHEDULE_TIMEOUT);
	return 0;
}
module_init(harness_fault_init);

static void harness_fault_kunit(struct kunit *test)
{
	if (strcmp(mode, "kunit-fail"))
		kunit_skip(test, "mode is not kunit-fail");
	KUNIT_FAIL(test, "kvmmu harness self-test: deliberate KUnit failure");
}

static struct kunit_case harness_fault_cases[] = {
	KUNIT_CASE(harness_fault_kunit),
	{}
};

static struct kunit_suite harness_fault_suite = {
	.name = "kvmmu_harness_fault",
	.test_cases = harness_fault_cases,
};

kunit_test_suite(harness_fault_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvmmu test-harness fault injection (harness self-tests only)");
