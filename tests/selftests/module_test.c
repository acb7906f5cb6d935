// SPDX-License-Identifier: GPL-2.0
/*
 * Loading kvmmu: the devmode parameter reaches /dev/kvmmu, and a bad one
 * makes the load fail cleanly, leaving no node behind.
 *
 * Needs the module file in $KVMMU_MODULE (the test initramfs sets it) and
 * kvmmu loaded but unused; skips otherwise.  Always leaves kvmmu loaded
 * with its default parameters.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvmmu_test.h"

#define KVMMU_DEV	"/dev/kvmmu"

static int kvmmu_unload(void)
{
	return syscall(__NR_delete_module, "kvmmu", O_NONBLOCK);
}

static int kvmmu_load(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret, err;

	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

FIXTURE(module) {
	const char *path;
};

FIXTURE_SETUP(module)
{
	self->path = getenv("KVMMU_MODULE");
	if (!self->path || access(self->path, R_OK))
		SKIP(return, "set KVMMU_MODULE to kvmmu.ko's path");
	if (access(KVMMU_DEV, F_OK))
		SKIP(return, "kvmmu is not loaded");
	ASSERT_EQ(0, kvmmu_unload()) TH_LOG("unload: %s", strerror(errno));
}

FIXTURE_TEARDOWN(module)
{
	if (!self->path || !access(KVMMU_DEV, F_OK))
		return;
	kvmmu_unload();
	ASSERT_EQ(0, kvmmu_load(self->path, ""))
		TH_LOG("reload: %s", strerror(errno));
}

TEST_F(module, devmode_reaches_the_node)
{
	struct stat st;

	ASSERT_EQ(0, kvmmu_load(self->path, "devmode=0666"));
	ASSERT_EQ(0, stat(KVMMU_DEV, &st));
	EXPECT_EQ(0666, st.st_mode & 07777);
	ASSERT_EQ(0, kvmmu_unload());

	ASSERT_EQ(0, kvmmu_load(self->path, "devmode=0640"));
	ASSERT_EQ(0, stat(KVMMU_DEV, &st));
	EXPECT_EQ(0640, st.st_mode & 07777);
}

TEST_F(module, bad_devmode_fails_the_load)
{
	static const char * const bad[] = {
		"devmode=0", "devmode=0700", "devmode=0601", "devmode=04600",
		"devmode=01666",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, kvmmu_load(self->path, bad[i])) TH_LOG("%s", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", bad[i]);
		EXPECT_NE(0, access(KVMMU_DEV, F_OK)) TH_LOG("%s", bad[i]);
	}
}

TEST_F(module, busy_while_open)
{
	int fd;

	ASSERT_EQ(0, kvmmu_load(self->path, ""));
	fd = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, kvmmu_unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
	EXPECT_EQ(0, kvmmu_unload());
}

TEST_HARNESS_MAIN
