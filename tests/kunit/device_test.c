// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for /dev/kvmmu's ioctl dispatch and parameter validation.
 */
#include <kunit/test.h>
#include <linux/kernel.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/device.h"

static void kvmmu_dev_test_api_version(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kvmmu_dev_ioctl(NULL, KVMMU_GET_API_VERSION, 0),
			(long)KVMMU_API_VERSION);
}

static void kvmmu_dev_test_api_version_rejects_arg(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kvmmu_dev_ioctl(NULL, KVMMU_GET_API_VERSION, 1),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, kvmmu_dev_ioctl(NULL, KVMMU_GET_API_VERSION, ~0UL),
			(long)-EINVAL);
}

static void kvmmu_dev_test_unknown_ioctl(struct kunit *test)
{
	static const unsigned int cmds[] = {
		_IO(KVMMUIO, 0xff),		/* unassigned number */
		_IOR(KVMMUIO, 0x00, int),	/* right number, wrong size/dir */
		_IO(0xAE, 0x00),		/* KVM_GET_API_VERSION */
		0,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		KUNIT_EXPECT_EQ_MSG(test, kvmmu_dev_ioctl(NULL, cmds[i], 0),
				    (long)-ENOTTY, "cmd %#x", cmds[i]);
}

static void kvmmu_dev_test_mode_valid(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, kvmmu_dev_mode_valid(0600));
	KUNIT_EXPECT_TRUE(test, kvmmu_dev_mode_valid(0660));
	KUNIT_EXPECT_TRUE(test, kvmmu_dev_mode_valid(0666));
	KUNIT_EXPECT_TRUE(test, kvmmu_dev_mode_valid(0400));
	KUNIT_EXPECT_FALSE(test, kvmmu_dev_mode_valid(0));
	KUNIT_EXPECT_FALSE(test, kvmmu_dev_mode_valid(0700));
	KUNIT_EXPECT_FALSE(test, kvmmu_dev_mode_valid(0601));
	KUNIT_EXPECT_FALSE(test, kvmmu_dev_mode_valid(04600));
	KUNIT_EXPECT_FALSE(test, kvmmu_dev_mode_valid(01600));
}

static struct kunit_case kvmmu_dev_test_cases[] = {
	KUNIT_CASE(kvmmu_dev_test_api_version),
	KUNIT_CASE(kvmmu_dev_test_api_version_rejects_arg),
	KUNIT_CASE(kvmmu_dev_test_unknown_ioctl),
	KUNIT_CASE(kvmmu_dev_test_mode_valid),
	{}
};

static struct kunit_suite kvmmu_dev_test_suite = {
	.name = "kvmmu_dev",
	.test_cases = kvmmu_dev_test_cases,
};

kunit_test_suite(kvmmu_dev_test_suite);
