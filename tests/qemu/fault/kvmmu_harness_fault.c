// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the test harness's own self-tests: each mode makes
 * the booted test kernel fail in one way the harness must report as a
 * failure.  Never loaded in a normal run.  (A failing KUnit case is
 * kvmmu_harness_kunit_fail.c: module suites run before module parameters
 * are parsed, so a parameter cannot select it.)
 *
 *   mode=warn        a WARN() fires while the module loads
 *   mode=oops        a NULL dereference oopses the loading process (the
 *                    kernel lives on)
 *   mode=panic       the kernel panics while the module loads
 *   mode=hang        module load never returns
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/sched.h>

static char *mode = "";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "warn, oops, panic or hang");

static int __init harness_fault_init(void)
{
	int *null = NULL;

	/* The compiler must not see that the oops path writes to NULL. */
	OPTIMIZER_HIDE_VAR(null);
	if (!strcmp(mode, "warn"))
		WARN(1, "kvmmu harness self-test: deliberate WARN\n");
	if (!strcmp(mode, "oops"))
		*null = 1;
	if (!strcmp(mode, "panic"))
		panic("kvmmu harness self-test: deliberate panic\n");
	if (!strcmp(mode, "hang"))
		for (;;)
			schedule_timeout_interruptible(MAX_SCHEDULE_TIMEOUT);
	return 0;
}
module_init(harness_fault_init);

static void __exit harness_fault_exit(void)
{
}
module_exit(harness_fault_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvmmu test-harness fault injection (harness self-tests only)");
