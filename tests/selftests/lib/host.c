// SPDX-License-Identifier: GPL-2.0
/*
 * Host mm events and what the tests and the demo read back of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kvmmu_host.h"
#include "kvmmu_util.h"
#include "kvmmu_vm.h"

#define ZRAM_CONTROL	"/sys/class/zram-control/"

int kvmmu_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int kvmmu_read_ulong(const char *path, unsigned long *val)
{
	char buf[64], *end;
	int err = kvmmu_read_file(path, buf, sizeof(buf));

	if (err)
		return err;
	errno = 0;
	*val = strtoul(buf, &end, 0);
	return end == buf || errno ? -EINVAL : 0;
}

int kvmmu_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = errno;
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : n < 0 ? -err : -EIO;
}

void *kvmmu_alloc_anon(size_t size)
{
	return mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int kvmmu_set_knob(struct kvmmu_host_state *hs, const char *path,
		   const char *val)
{
	int i = hs->nknobs, err;

	if (i == KVMMU_MAX_KNOBS)
		return -ENOSPC;
	err = kvmmu_read_file(path, hs->knob_val[i], sizeof(hs->knob_val[i]));
	if (err)
		return err;
	snprintf(hs->knob_path[i], sizeof(hs->knob_path[i]), "%s", path);
	hs->nknobs++;
	return kvmmu_write_file(path, val);
}

static void zram_path(char *buf, size_t len, int id, const char *attr)
{
	snprintf(buf, len, "/sys/block/zram%d/%s", id, attr);
}

void kvmmu_host_restore(struct kvmmu_host_state *hs)
{
	char id[16];

	while (hs->nknobs > 0) {
		hs->nknobs--;
		kvmmu_write_file(hs->knob_path[hs->nknobs],
				 hs->knob_val[hs->nknobs]);
	}
	kvmmu_swap_off(hs);
	if (hs->zram_added) {
		snprintf(id, sizeof(id), "%d", hs->zram_id);
		kvmmu_write_file(ZRAM_CONTROL "hot_remove", id);
		hs->zram_added = false;
	}
	if (hs->zram_loaded) {
		syscall(__NR_delete_module, "zram", O_NONBLOCK);
		syscall(__NR_delete_module, "zsmalloc", O_NONBLOCK);
		hs->zram_loaded = false;
	}
}

int kvmmu_load_module(const char *name)
{
	const char *mod = getenv("KVMMU_MODULE");
	char *dir = strdup(mod ? mod : "/lib/kvmmu/kvmmu.ko");
	char path[256];
	int fd, ret, err;

	if (!dir)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dirname(dir), name);
	free(dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, "", 0);
	err = errno;
	close(fd);
	return ret ? -err : 0;
}

/* Some swap is on already if /proc/swaps has more than its header. */
static bool swap_active(void)
{
	char buf[256], *nl;
	ssize_t len;
	int fd;

	fd = open("/proc/swaps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = 0;
	nl = strchr(buf, '\n');
	return nl && nl[1];
}

/*
 * A zram device with no disk size yet: zram0 normally; when that one is
 * in use (by someone else's swap or a leftover), one added through
 * zram-control.  Returns its number, or -errno.
 */
static int zram_free_device(struct kvmmu_host_state *hs)
{
	unsigned long size, id;
	int err;

	err = kvmmu_read_ulong("/sys/block/zram0/disksize", &size);
	if (err)
		return err;
	if (!size)
		return 0;
	err = kvmmu_read_ulong(ZRAM_CONTROL "hot_add", &id);
	if (err)
		return err;
	hs->zram_added = true;
	return id;
}

/*
 * The block device node of zram @id: devtmpfs has it, but a minimal /dev
 * may not, so make one from the device number in sysfs.
 */
static int zram_node(struct kvmmu_host_state *hs, int id)
{
	char path[64], dev[32], *end;
	unsigned int maj, min;
	int err;

	snprintf(hs->swap_path, sizeof(hs->swap_path), "/dev/zram%d", id);
	if (!access(hs->swap_path, F_OK))
		return 0;
	zram_path(path, sizeof(path), id, "dev");
	err = kvmmu_read_file(path, dev, sizeof(dev));
	if (err)
		return err;
	maj = strtoul(dev, &end, 10);
	min = strtoul(end + 1, NULL, 10);
	snprintf(hs->swap_path, sizeof(hs->swap_path), "/tmp/kvmmu-zram%d",
		 id);
	unlink(hs->swap_path);
	if (mknod(hs->swap_path, S_IFBLK | 0600, makedev(maj, min)))
		return -errno;
	return 0;
}

/* mkswap: a version-1 header, and the signature at the page's end. */
static int write_swap_header(const char *path, unsigned long bytes)
{
	__u32 info[3] = { 1, bytes / PAGE_SIZE_4K - 1, 0 };  /* last page */
	static char hdr[PAGE_SIZE_4K];
	int fd, err = 0;

	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr + 1024, info, sizeof(info));
	memcpy(hdr + PAGE_SIZE_4K - 10, "SWAPSPACE2", 10);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, hdr, PAGE_SIZE_4K, 0) != PAGE_SIZE_4K || fsync(fd))
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

int kvmmu_swap_setup(struct kvmmu_host_state *hs, unsigned long bytes)
{
	char path[64], size[32];
	int id, err;

	if (swap_active())
		return 0;
	if (access("/sys/block/zram0", F_OK)) {
		kvmmu_load_module("zsmalloc.ko");
		hs->zram_loaded = !kvmmu_load_module("zram.ko");
		if (access("/sys/block/zram0", F_OK))
			return -ENODEV;
	}
	id = zram_free_device(hs);
	if (id < 0)
		return id;
	hs->zram_id = id;
	snprintf(size, sizeof(size), "%lu", bytes);
	zram_path(path, sizeof(path), id, "disksize");
	err = kvmmu_write_file(path, size);
	if (!err)
		err = zram_node(hs, id);
	if (!err)
		err = write_swap_header(hs->swap_path, bytes);
	if (!err && swapon(hs->swap_path, 0))
		err = -errno;
	if (err) {
		zram_path(path, sizeof(path), id, "reset");
		kvmmu_write_file(path, "1");
		return err;
	}
	hs->swap_on = true;
	return 0;
}

int kvmmu_swap_off(struct kvmmu_host_state *hs)
{
	char path[64];

	if (!hs->swap_on)
		return 0;
	if (swapoff(hs->swap_path))
		return -errno;
	hs->swap_on = false;
	zram_path(path, sizeof(path), hs->zram_id, "reset");
	kvmmu_write_file(path, "1");
	return 0;
}

int kvmmu_ksm_start(struct kvmmu_host_state *hs, unsigned int pages_to_scan,
		    unsigned int sleep_ms)
{
	char buf[16];
	int err;

	snprintf(buf, sizeof(buf), "%u", pages_to_scan);
	err = kvmmu_set_knob(hs, KVMMU_KSM_DIR "pages_to_scan", buf);
	snprintf(buf, sizeof(buf), "%u", sleep_ms);
	if (!err)
		err = kvmmu_set_knob(hs, KVMMU_KSM_DIR "sleep_millisecs", buf);
	/* 6.7+: pages that did not merge would be skipped for a while. */
	if (!err && !access(KVMMU_KSM_DIR "smart_scan", W_OK))
		err = kvmmu_set_knob(hs, KVMMU_KSM_DIR "smart_scan", "0");
	if (!err)
		err = kvmmu_set_knob(hs, KVMMU_KSM_DIR "run", "1");
	return err;
}

__u64 kvmmu_ksm_wait_merged(const void *a, const void *b,
			    unsigned int timeout_ms, char *sharing, size_t len,
			    unsigned int *waited_ms)
{
	__u64 now, merged = 0;
	unsigned int ms;

	for (ms = 0; ms < timeout_ms; ms += 10) {
		now = kvmmu_pfn_of(a);
		if (now && now == kvmmu_pfn_of(b)) {
			merged = now;
			break;
		}
		kvmmu_sleep_ms(10);
	}
	kvmmu_write_file(KVMMU_KSM_DIR "run", "0");
	kvmmu_read_file(KVMMU_KSM_DIR "pages_sharing", sharing, len);
	*waited_ms = ms;
	return merged;
}

int kvmmu_read_pagemap(const void *addr, unsigned long n, __u64 *out)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t len = n * sizeof(*out);
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = pread(fd, out, len,
		    (uintptr_t)addr / PAGE_SIZE_4K * sizeof(*out));
	close(fd);
	return got == len ? 0 : -EIO;
}

__u64 kvmmu_pagemap_raw(const void *addr)
{
	__u64 e;

	return kvmmu_read_pagemap(addr, 1, &e) ? 0 : e;
}

__u64 kvmmu_pfn_of(const void *addr)
{
	__u64 e = kvmmu_pagemap_raw(addr);

	return e & KVMMU_PM_PRESENT ? e & KVMMU_PM_PFN : 0;
}

long kvmmu_move_pages(unsigned long n, void **pages, const int *nodes,
		      int *status, int flags)
{
	return syscall(__NR_move_pages, 0, n, pages, nodes, status, flags);
}

int kvmmu_nr_nodes(void)
{
	char path[64];
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d",
			 n);
		if (access(path, F_OK))
			return n ? n : 1;
		n++;
	}
}

bool kvmmu_migrate_page(void *page)
{
	void *pages[1] = { page };
	int node = -1, status;

	if (kvmmu_move_pages(1, pages, NULL, &node, 0) || node < 0)
		return false;
	node = !node;
	return !kvmmu_move_pages(1, pages, &node, &status, MPOL_MF_MOVE);
}

void kvmmu_lru_drain_all(void *page)
{
	void *pages[1] = { page };
	int status = -1, node;

	if (kvmmu_move_pages(1, pages, NULL, &status, 0) || status < 0)
		return;
	node = status;
	kvmmu_move_pages(1, pages, &node, &status, MPOL_MF_MOVE);
}

int kvmmu_idle_mark(int fd, const __u64 *pfn, unsigned long n)
{
	unsigned long i;
	__u64 bit;

	for (i = 0; i < n; i++) {
		bit = 1ULL << (pfn[i] % 64);
		if (pwrite(fd, &bit, sizeof(bit), pfn[i] / 64 * 8) != 8)
			return -errno;
	}
	return 0;
}

int kvmmu_idle_test(int fd, __u64 pfn)
{
	__u64 bits;

	if (pread(fd, &bits, sizeof(bits), pfn / 64 * 8) != 8)
		return -errno;
	return bits >> (pfn % 64) & 1;
}
