// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmu_test.ko: kvmmu's KUnit suites.  Each suite lives in the file named
 * after the code it tests and registers itself; the suites run when this
 * module is loaded, after kvmmu.ko, whose internals it reaches through
 * EXPORT_SYMBOL_IF_KUNIT.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for kvmmu");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
