/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side helpers for selftests that drive host mm events: sysfs knobs
 * (KSM) and swap on zram0, remembered so that the fixture teardown puts
 * them back with kvmmu_host_restore(); pagemap reads, page migration,
 * LRU draining and idle page tracking; and the small guest-access, stats
 * and thread-counter helpers the backend-specific suites share.
 */
#ifndef _KVMMU_HOST_H
#define _KVMMU_HOST_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "kvmmu_util.h"

#define ZRAM_SYS	"/sys/block/zram0/"
#define ZRAM_SIZE	(16UL << 20)
#define MAX_KNOBS	8

/* Host settings a test changed, put back by the teardown. */
struct host_state {
	int nknobs;	/* sysfs knobs, restored in reverse order */
	char knob_path[MAX_KNOBS][80];
	char knob_val[MAX_KNOBS][32];
	char swap_path[32];	/* zram swap this test turned on */
	bool swap_on;
	bool zram_loaded;	/* the zram module this test loaded */
};

static inline void kvmmu_host_restore(struct host_state *hs)
{
	while (hs->nknobs > 0) {
		hs->nknobs--;
		kvmmu_write_file(hs->knob_path[hs->nknobs],
				 hs->knob_val[hs->nknobs]);
	}
	if (hs->swap_on) {
		syscall(__NR_swapoff, hs->swap_path);
		kvmmu_write_file(ZRAM_SYS "reset", "1");
	}
	if (hs->zram_loaded) {
		syscall(__NR_delete_module, "zram", O_NONBLOCK);
		syscall(__NR_delete_module, "zsmalloc", O_NONBLOCK);
	}
}

/* Set a sysfs knob, remembering its old value for the teardown. */
static inline int set_knob(struct host_state *hs, const char *path,
			   const char *val)
{
	int i = hs->nknobs, err;

	if (i == MAX_KNOBS)
		return -ENOSPC;
	err = kvmmu_read_file(path, hs->knob_val[i], sizeof(hs->knob_val[i]));
	if (err)
		return err;
	snprintf(hs->knob_path[i], sizeof(hs->knob_path[i]), "%s", path);
	hs->nknobs++;
	return kvmmu_write_file(path, val);
}

static inline int load_module(const char *dir, const char *name)
{
	char path[256];
	int fd, ret, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, "", 0);
	err = errno;
	close(fd);
	return ret ? -err : 0;
}

/*
 * Swap on zram0, set up here unless some swap is already on.  On kernels
 * where zram is a module it is loaded from kvmmu.ko's directory (the test
 * initramfs carries it).  Returns -ENODEV if there is no zram to be had.
 */
static inline int swap_setup(struct __test_metadata *_metadata,
			     struct host_state *hs)
{
	char buf[PAGE_SIZE_4K], dev[32], *dir, *end;
	unsigned int maj, min;
	const char *mod;
	__u32 hdr[3];
	ssize_t len;
	int fd;

	/* Some swap is on already if /proc/swaps has more than its header. */
	fd = open("/proc/swaps", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_LE(0, len);
	buf[len] = 0;
	if (strchr(buf, '\n') && strchr(buf, '\n')[1])
		return 0;
	if (access(ZRAM_SYS, F_OK)) {
		mod = getenv("KVMMU_MODULE");
		dir = dirname(strdup(mod ? mod : "/lib/kvmmu/kvmmu.ko"));
		load_module(dir, "zsmalloc.ko");
		hs->zram_loaded = !load_module(dir, "zram.ko");
		if (access(ZRAM_SYS, F_OK))
			return -ENODEV;
	}
	kvmmu_write_file(ZRAM_SYS "reset", "1");
	snprintf(buf, sizeof(buf), "%lu", ZRAM_SIZE);
	ASSERT_EQ(0, kvmmu_write_file(ZRAM_SYS "disksize", buf));

	snprintf(hs->swap_path, sizeof(hs->swap_path), "/dev/zram0");
	if (access(hs->swap_path, F_OK)) {
		ASSERT_EQ(0, kvmmu_read_file(ZRAM_SYS "dev", dev, sizeof(dev)));
		maj = strtoul(dev, &end, 10);
		min = strtoul(end + 1, NULL, 10);
		snprintf(hs->swap_path, sizeof(hs->swap_path),
			 "/tmp/kvmmu-zram0");
		ASSERT_EQ(0, mknod(hs->swap_path, S_IFBLK | 0600,
				   makedev(maj, min)));
	}

	/* mkswap: a version-1 header and the signature at the page's end. */
	memset(buf, 0, sizeof(buf));
	hdr[0] = 1;
	hdr[1] = ZRAM_SIZE / PAGE_SIZE_4K - 1;
	hdr[2] = 0;
	memcpy(buf + 1024, hdr, sizeof(hdr));
	memcpy(buf + PAGE_SIZE_4K - 10, "SWAPSPACE2", 10);
	fd = open(hs->swap_path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", hs->swap_path, strerror(errno));
	ASSERT_EQ(PAGE_SIZE_4K, pwrite(fd, buf, PAGE_SIZE_4K, 0));
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	ASSERT_EQ(0, syscall(__NR_swapon, hs->swap_path, 0))
		TH_LOG("swapon %s: %s", hs->swap_path, strerror(errno));
	hs->swap_on = true;
	return 0;
}

#define MPOL_MF_MOVE	_BITUL(1)

/* /proc/self/pagemap entries of @n pages from @addr; 0 on success. */
static inline int read_pagemap(const void *addr, unsigned long n, __u64 *out)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t len = n * sizeof(*out);
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = pread(fd, out, len, (uintptr_t)addr / PAGE_SIZE_4K * sizeof(*out));
	close(fd);
	return got == len ? 0 : -EIO;
}

static inline long move_pages(unsigned long n, void **pages,
			      const int *nodes, int *status, int flags)
{
	return syscall(__NR_move_pages, 0, n, pages, nodes, status, flags);
}

/*
 * Put every CPU's pending LRU additions on the LRU: page_idle and reclaim
 * only see pages there.  move_pages() of a page to the node it is already
 * on runs lru_cache_disable(), which drains all CPUs.
 */
static inline void lru_drain_all(void *page)
{
	void *pages[1] = { page };
	int status = -1, node;

	if (move_pages(1, pages, NULL, &status, 0) || status < 0)
		return;
	node = status;
	move_pages(1, pages, &node, &status, MPOL_MF_MOVE);
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

/* KVMMU_GUEST_ACCESS of @n accesses; -EPROTO if not all were done. */
static inline int access_batch(int vcpu, struct kvmmu_access *a,
			       unsigned int n)
{
	struct kvmmu_access_batch b = {
		.nr = n,
		.accesses = (uintptr_t)a,
		.nr_done = 0xdead,
	};
	int r = kvmmu_ioctl(vcpu, KVMMU_GUEST_ACCESS, &b);

	if (!r && b.nr_done != n)
		return -EPROTO;
	return r;
}

/* The pagemap entry of @addr, 0 if it cannot be read. */
static inline __u64 pagemap_raw(const void *addr)
{
	__u64 e;

	return read_pagemap(addr, 1, &e) ? 0 : e;
}

static inline long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A counter shared between test threads, sequentially consistent. */
static inline unsigned int seq_load(unsigned int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static inline void seq_bump(unsigned int *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST);
}

/* KVMMU_GET_VM_STATS, which must work. */
static inline struct kvmmu_vm_stats stats(struct __test_metadata *_metadata,
					  int vm)
{
	struct kvmmu_vm_stats st;

	memset(&st, 0, sizeof(st));
	EXPECT_EQ(0, kvmmu_vm_stats(vm, &st));
	return st;
}

/* Mark the frames idle in the page_idle bitmap @fd. */
static inline int idle_mark(int fd, const __u64 *pfn, unsigned long n)
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

/* Whether frame @pfn is still idle: 1, 0, or -errno. */
static inline int idle_test(int fd, __u64 pfn)
{
	__u64 bits;

	if (pread(fd, &bits, sizeof(bits), pfn / 64 * 8) != 8)
		return -errno;
	return bits >> (pfn % 64) & 1;
}

#endif /* _KVMMU_HOST_H */
