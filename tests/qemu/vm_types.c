// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmu-vm-types: print KVMMU_CAP_VM_TYPES of /dev/kvmmu in decimal, the
 * mask of the VM types (backends) the loaded module offers.  tests/qemu/init
 * runs each shared selftest suite once per type in it.  Exits 1, saying
 * why on stderr, if the mask cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvmmu.h>

int main(void)
{
	int dev = open("/dev/kvmmu", O_RDWR | O_CLOEXEC);
	long types;

	if (dev < 0) {
		fprintf(stderr, "open /dev/kvmmu: %s\n", strerror(errno));
		return 1;
	}
	types = ioctl(dev, KVMMU_CHECK_EXTENSION, KVMMU_CAP_VM_TYPES);
	if (types < 0) {
		fprintf(stderr, "KVMMU_CHECK_EXTENSION(VM_TYPES): %s\n",
			strerror(errno));
		return 1;
	}
	close(dev);
	printf("%ld\n", types);
	return 0;
}
