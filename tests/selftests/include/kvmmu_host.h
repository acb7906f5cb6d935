/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of the tests and of the demo VMM: the mm events they put
 * guest memory through and what they read back.  Sysfs knobs and a zram
 * swap device, remembered in a struct kvmmu_host_state so that
 * kvmmu_host_restore() puts them back; KSM; pagemap; page migration and
 * the NUMA nodes; LRU draining; idle page tracking.
 */
#ifndef _KVMMU_HOST_H
#define _KVMMU_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/const.h>
#include <linux/types.h>

#define KVMMU_KSM_DIR		"/sys/kernel/mm/ksm/"
#define KVMMU_PAGE_IDLE		"/sys/kernel/mm/page_idle/bitmap"

/* /proc/self/pagemap entries */
#define KVMMU_PM_PFN		(_BITULL(55) - 1)
#define KVMMU_PM_SWAP		_BITULL(62)
#define KVMMU_PM_PRESENT	_BITULL(63)

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif

#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE		_BITUL(1)
#endif

#define KVMMU_MAX_KNOBS		8

/**
 * struct kvmmu_host_state - host settings changed, to be put back
 * @nknobs: how many sysfs knobs were set; they are restored in reverse
 * @knob_path: their paths
 * @knob_val: their old values
 * @swap_path: the swap device turned on, if @swap_on
 * @swap_on: a zram swap device was set up and turned on
 * @zram_id: that zram device's number
 * @zram_added: it was added through zram-control (removed again)
 * @zram_loaded: the zram modules were loaded (unloaded again)
 */
struct kvmmu_host_state {
	int nknobs;
	char knob_path[KVMMU_MAX_KNOBS][80];
	char knob_val[KVMMU_MAX_KNOBS][32];
	char swap_path[32];
	bool swap_on;
	int zram_id;
	bool zram_added;
	bool zram_loaded;
};

/**
 * kvmmu_read_file() - read a one-line sysfs or procfs file
 * @path: the file
 * @buf: where its contents go, without the newline
 * @len: the size of @buf
 *
 * Return: 0 or -errno.
 */
int kvmmu_read_file(const char *path, char *buf, size_t len);

/**
 * kvmmu_read_ulong() - read a number from a sysfs or procfs file
 * @path: the file
 * @val: the number (decimal, or hexadecimal with 0x)
 *
 * Return: 0, -errno, or -EINVAL if the file does not start with a number.
 */
int kvmmu_read_ulong(const char *path, unsigned long *val);

/**
 * kvmmu_write_file() - write a string to a sysfs or procfs file
 * @path: the file
 * @s: the string
 *
 * Return: 0, -errno, or -EIO if the write was cut short.
 */
int kvmmu_write_file(const char *path, const char *s);

/**
 * kvmmu_alloc_anon() - anonymous private read-write memory
 * @size: its size
 *
 * Return: the mapping, or MAP_FAILED.
 */
void *kvmmu_alloc_anon(size_t size);

/**
 * kvmmu_set_knob() - set a sysfs knob, remembering its old value
 * @hs: where the old value is kept for kvmmu_host_restore()
 * @path: the knob
 * @val: the new value
 *
 * Return: 0, -errno, or -ENOSPC if @hs holds KVMMU_MAX_KNOBS already.
 */
int kvmmu_set_knob(struct kvmmu_host_state *hs, const char *path,
		   const char *val);

/**
 * kvmmu_host_restore() - put back what @hs records
 * @hs: the state; empty afterwards
 *
 * Knobs in reverse order (a knob set twice ends with its first value),
 * then the swap device goes off and is reset, then modules loaded for it
 * are unloaded.  Best effort: a test's teardown has nothing to report to.
 */
void kvmmu_host_restore(struct kvmmu_host_state *hs);

/**
 * kvmmu_load_module() - load a module that the test initramfs carries
 * @name: its file name, e.g. "zram.ko"
 *
 * Modules come from the directory of kvmmu.ko: $KVMMU_MODULE, which the
 * test init sets, or /lib/kvmmu/kvmmu.ko.
 *
 * Return: 0 or -errno.
 */
int kvmmu_load_module(const char *name);

/**
 * kvmmu_swap_setup() - make sure some swap is on
 * @hs: records what was done, for kvmmu_host_restore()
 * @bytes: the size of a zram swap device, if one is set up
 *
 * With some swap on already, does nothing.  Otherwise sets up a zram
 * device of @bytes as swap: zram0 if it is free, or a device added
 * through zram-control; where zram is a module, it is loaded first (see
 * kvmmu_load_module()).
 *
 * Return: 0 when swap is on, -ENODEV if there is no zram to be had,
 * -errno if setting it up failed.
 */
int kvmmu_swap_setup(struct kvmmu_host_state *hs, unsigned long bytes);

/**
 * kvmmu_swap_off() - turn off the swap kvmmu_swap_setup() turned on
 * @hs: what it recorded
 *
 * For tests that want swapoff to bring pages in; kvmmu_host_restore()
 * does it otherwise.  The zram device is reset once swap is off.
 *
 * Return: 0 (also when there was nothing to turn off) or swapoff's -errno,
 * with errno set.
 */
int kvmmu_swap_off(struct kvmmu_host_state *hs);

/**
 * kvmmu_ksm_start() - run ksmd fast
 * @hs: records the old settings, for kvmmu_host_restore()
 * @pages_to_scan: pages per batch
 * @sleep_ms: the pause between batches
 *
 * Also turns smart scanning off where the kernel has it, so that pages
 * that did not merge at first are not skipped for a while.
 *
 * Return: 0 or the -errno of the first knob that could not be set.
 */
int kvmmu_ksm_start(struct kvmmu_host_state *hs, unsigned int pages_to_scan,
		    unsigned int sleep_ms);

/**
 * kvmmu_ksm_wait_merged() - wait until ksmd merged two pages, then stop it
 * @a: one page
 * @b: its identical twin
 * @timeout_ms: how long to wait at most
 * @sharing: (out) ksm's pages_sharing once stopped, for a failure message
 * @len: the size of @sharing
 * @waited_ms: (out) how long the merge took
 *
 * Return: the frame both pages map, or 0 if they were not merged in time.
 */
__u64 kvmmu_ksm_wait_merged(const void *a, const void *b,
			    unsigned int timeout_ms, char *sharing, size_t len,
			    unsigned int *waited_ms);

/**
 * kvmmu_read_pagemap() - the /proc/self/pagemap entries of some pages
 * @addr: the first page
 * @n: how many
 * @out: the entries (KVMMU_PM_*)
 *
 * Return: 0, -errno, or -EIO on a short read.
 */
int kvmmu_read_pagemap(const void *addr, unsigned long n, __u64 *out);

/**
 * kvmmu_pagemap_raw() - the pagemap entry of one page
 * @addr: an address in it
 *
 * Return: the entry, 0 if it cannot be read.
 */
__u64 kvmmu_pagemap_raw(const void *addr);

/**
 * kvmmu_pfn_of() - the frame behind a present page
 * @addr: an address in it
 *
 * Return: the pfn, 0 if the page is not present (or pagemap unreadable).
 */
__u64 kvmmu_pfn_of(const void *addr);

/**
 * kvmmu_move_pages() - move_pages(2) for this process
 * @n: how many pages
 * @pages: their addresses
 * @nodes: where to move them, NULL to only query where they are
 * @status: per page, the node or -errno
 * @flags: MPOL_MF_*
 *
 * Return: as the system call.
 */
long kvmmu_move_pages(unsigned long n, void **pages, const int *nodes,
		      int *status, int flags);

/**
 * kvmmu_nr_nodes() - how many NUMA nodes the host has
 *
 * Return: the number of nodes, at least 1.
 */
int kvmmu_nr_nodes(void);

/**
 * kvmmu_migrate_page() - move a page to the other of two nodes
 * @page: an address in the page
 *
 * Return: true if it moved, false if it was not present or did not move.
 */
bool kvmmu_migrate_page(void *page);

/**
 * kvmmu_lru_drain_all() - put every CPU's pending LRU additions on the LRU
 * @page: any present page of the process
 *
 * page_idle and reclaim only see pages on the LRU.  move_pages() of a page
 * to the node it is already on runs lru_cache_disable(), which drains all
 * CPUs.
 */
void kvmmu_lru_drain_all(void *page);

/**
 * kvmmu_idle_mark() - mark frames idle
 * @fd: the page_idle bitmap (KVMMU_PAGE_IDLE), open read-write
 * @pfn: the frames
 * @n: how many
 *
 * Marking a frame idle also clears its accessed bits, in kvmmu's secondary
 * MMU too: that is the aging the tests look at.
 *
 * Return: 0 or -errno.
 */
int kvmmu_idle_mark(int fd, const __u64 *pfn, unsigned long n);

/**
 * kvmmu_idle_test() - whether a frame is still idle
 * @fd: the page_idle bitmap
 * @pfn: the frame
 *
 * Return: 1 if idle, 0 if accessed since it was marked, or -errno.
 */
int kvmmu_idle_test(int fd, __u64 pfn);

#endif /* _KVMMU_HOST_H */
