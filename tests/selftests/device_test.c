// SPDX-License-Identifier: GPL-2.0
/*
 * What a VMM sees of /dev/kvmmu itself: the node exists, is root-only by
 * default, answers the API-version ioctl as KVM_GET_API_VERSION does and
 * rejects everything else cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvmmu.h>

#include "kvmmu_test.h"

#define KVMMU_DEV	"/dev/kvmmu"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", KVMMU_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, api_version)
{
	EXPECT_EQ(KVMMU_API_VERSION, ioctl(self->fd, KVMMU_GET_API_VERSION, 0));
}

TEST_F(dev, api_version_rejects_argument)
{
	EXPECT_EQ(-1, ioctl(self->fd, KVMMU_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(KVMMUIO, 0xff), 0));
	EXPECT_EQ(ENOTTY, errno);
	/* KVM_GET_API_VERSION: a KVM ioctl is not silently answered. */
	EXPECT_EQ(-1, ioctl(self->fd, _IO(0xAE, 0x00), 0));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, not_seekable)
{
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_F(dev, fds_are_independent)
{
	int fd2 = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd2);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(KVMMU_API_VERSION, ioctl(fd2, KVMMU_GET_API_VERSION, 0));
	self->fd = fd2;
}

TEST(node_is_root_only)
{
	struct stat st;
	pid_t pid;
	int status;

	ASSERT_EQ(0, stat(KVMMU_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* An unprivileged user (nobody) must be refused. */
		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (open(KVMMU_DEV, O_RDWR) >= 0)
			_exit(3);
		_exit(errno == EACCES ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
