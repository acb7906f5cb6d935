// SPDX-License-Identifier: GPL-2.0
/*
 * KVMMU_VM_PINNED against the default: in a pinned VM every page the guest
 * mapped stays pinned, so KSM cannot merge it, reclaim cannot swap it out
 * and move_pages() cannot migrate it; in the default (notifier) VM the
 * same scenario reclaims all of it.  Each scenario runs on both variants
 * of one fixture, and the expectation flips with the variant.  The pinned
 * VM must stay coherent all the same (the notifier still zaps), count its
 * pins in stats pinned_pages, drop them with the memslot, and unpin
 * everything when the VM is closed.
 *
 * Runs once, on x86 EPT VMs, as root.  A scenario whose kernel feature is
 * absent (KSM, zram, a second NUMA node) skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kvmmu_test.h"

#define PG		PAGE_SIZE_4K
#define NPAGES		64UL
#define GPA_BASE	0x100000ULL

FIXTURE(pin) {
	int vm;
	int vcpu;
	char *hva;
	struct kvmmu_host_state hs;
};

FIXTURE_VARIANT(pin) {
	bool pinned;
};

FIXTURE_VARIANT_ADD(pin, notifier) {
	.pinned = false,
};

FIXTURE_VARIANT_ADD(pin, pinned) {
	.pinned = true,
};

static unsigned long vm_arg(bool pinned)
{
	return KVMMU_VM_X86_EPT | (pinned ? KVMMU_VM_PINNED : 0);
}

FIXTURE_SETUP(pin)
{
	size_t size = NPAGES * PG;

	kvmmu_setup_vm(_metadata, vm_arg(variant->pinned), GPA_BASE, size,
		       &self->vm, &self->vcpu, &self->hva);
}

FIXTURE_TEARDOWN(pin)
{
	kvmmu_host_restore(&self->hs);
	if (self->vcpu >= 0)
		close(self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
}

/* The process fills pages [0, n): every qword @v, or its own value. */
static void proc_fill(char *hva, unsigned long n, bool same, __u64 v)
{
	unsigned long pg, off;

	for (pg = 0; pg < n; pg++)
		for (off = 0; off < PG; off += 8)
			kvmmu_poke(hva + pg * PG + off,
				   same ? v : v << 32 | pg << 16 | off);
}

/*
 * The guest reads (or, with @write, writes @v to) the first and last qword
 * of pages [0, n), mapping them; returns the number of failed accesses or,
 * for reads, reads that differ from what the process reads.
 */
static unsigned int guest_touch(struct __test_metadata *_metadata, int vcpu,
				const char *hva, unsigned long n, bool write,
				__u64 v)
{
	unsigned int bad = 0, k;
	unsigned long pg, off;
	__u64 got;
	int r;

	for (pg = 0; pg < n; pg++) {
		for (k = 0; k < 2; k++) {
			off = pg * PG + k * (PG - 8);
			if (write) {
				r = kvmmu_write64(vcpu, GPA_BASE + off, v);
				got = v;
			} else {
				got = ~kvmmu_peek(hva + off);
				r = kvmmu_read64(vcpu, GPA_BASE + off, &got);
			}
			if (!r && got == kvmmu_peek(hva + off))
				continue;
			if (bad++ < 4)
				TH_LOG("page %lu +%#lx: guest %s %d, %#llx, process %#llx",
				       pg, off % PG, write ? "write" : "read",
				       r, (unsigned long long)got,
				       (unsigned long long)kvmmu_peek(hva + off));
		}
	}
	return bad;
}

static __u64 pinned_pages(struct __test_metadata *_metadata, int vm)
{
	struct kvmmu_vm_stats st;

	memset(&st, 0xff, sizeof(st));
	EXPECT_EQ(0, kvmmu_vm_stats(vm, &st));
	return st.pinned_pages;
}

/* pagemap of pages [0, n) of @hva. */
static void pagemap(struct __test_metadata *_metadata, const char *hva,
		    unsigned long n, __u64 *pm)
{
	ASSERT_EQ(0, kvmmu_read_pagemap(hva, n, pm));
}

/* Pages of [0, n) that are not present at the pfn @old says. */
static unsigned int pfn_changed(struct __test_metadata *_metadata,
				const char *hva, unsigned long n,
				const __u64 *old)
{
	__u64 pm[NPAGES];
	unsigned int bad = 0;
	unsigned long pg;

	pagemap(_metadata, hva, n, pm);
	for (pg = 0; pg < n; pg++)
		bad += !(pm[pg] & KVMMU_PM_PRESENT) ||
		       (pm[pg] & KVMMU_PM_PFN) != (old[pg] & KVMMU_PM_PFN);
	return bad;
}

/* The node of each page of [0, n), from move_pages' status query. */
static void page_nodes(struct __test_metadata *_metadata, char *hva,
		       unsigned long n, int *node)
{
	void *pages[NPAGES];
	unsigned long pg;

	for (pg = 0; pg < n; pg++)
		pages[pg] = hva + pg * PG;
	ASSERT_EQ(0, kvmmu_move_pages(n, pages, NULL, node, 0));
	for (pg = 0; pg < n; pg++)
		ASSERT_LE(0, node[pg]) TH_LOG("page %lu: %s", pg,
					      strerror(-node[pg]));
}

/*
 * move_pages() of pages [0, n) to the node they are not on; returns how
 * many are on the other node afterwards.
 */
static unsigned int migrate_away(struct __test_metadata *_metadata,
				 char *hva, unsigned long n)
{
	int home[NPAGES], away[NPAGES], status[NPAGES] = { -1 };
	void *pages[NPAGES];
	unsigned int moved = 0;
	unsigned long pg;
	long ret;

	page_nodes(_metadata, hva, n, home);
	for (pg = 0; pg < n; pg++) {
		pages[pg] = hva + pg * PG;
		away[pg] = !home[pg];
	}
	ret = kvmmu_move_pages(n, pages, away, status, MPOL_MF_MOVE);
	TH_LOG("move_pages: %ld (%s), status[0] %d", ret,
	       ret < 0 ? strerror(errno) : "-", status[0]);
	page_nodes(_metadata, hva, n, status);
	for (pg = 0; pg < n; pg++)
		moved += status[pg] == away[pg];
	return moved;
}

/* MADV_PAGEOUT until pages [0, n) are all swapped out, or 10 tries. */
static unsigned long page_out(char *hva, unsigned long n)
{
	unsigned long pg, out = 0;
	__u64 pm[NPAGES];
	int i;

	for (i = 0; i < 10 && out < n; i++) {
		kvmmu_lru_drain_all(hva);
		madvise(hva, n * PG, MADV_PAGEOUT);
		if (kvmmu_read_pagemap(hva, n, pm))
			return 0;
		for (out = 0, pg = 0; pg < n; pg++)
			out += !!(pm[pg] & KVMMU_PM_SWAP);
	}
	return out;
}

static long ksm_full_scans(void)
{
	char buf[32];

	if (kvmmu_read_file(KVMMU_KSM_DIR "full_scans", buf, sizeof(buf)))
		return -1;
	return atol(buf);
}

/* ABI: the capability, the flag on every type, other bits EINVAL. */
TEST(create_flags)
{
	static const unsigned long bad[] = {
		KVMMU_VM_PINNED << 1, 1UL << 31, 1UL << 40,
		KVMMU_VM_PINNED | 4, KVMMU_VM_PINNED | 0xff,
		KVMMU_VM_PINNED | 1UL << 9,
	};
	long types;
	unsigned int i;
	int dev, vm;

	dev = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	EXPECT_EQ(1, ioctl(dev, KVMMU_CHECK_EXTENSION, KVMMU_CAP_PIN_MEMORY));
	types = ioctl(dev, KVMMU_CHECK_EXTENSION, KVMMU_CAP_VM_TYPES);
	ASSERT_LT(0, types);
	for (i = 0; i < 8; i++) {
		if (!(types >> i & 1))
			continue;
		vm = ioctl(dev, KVMMU_CREATE_VM, i | KVMMU_VM_PINNED);
		EXPECT_LE(0, vm) TH_LOG("type %u | PINNED: %s", i,
					strerror(errno));
		if (vm < 0)
			continue;
		EXPECT_EQ(1, ioctl(vm, KVMMU_CHECK_EXTENSION,
				   KVMMU_CAP_PIN_MEMORY));
		close(vm);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, ioctl(dev, KVMMU_CREATE_VM, bad[i]))
			TH_LOG("arg %#lx", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("arg %#lx", bad[i]);
	}
	close(dev);
}

/*
 * pinned_pages counts one pin per gfn the guest mapped (reads and writes
 * alike, a page faulted again is not pinned twice), 0 without the flag;
 * deleting the memslot unpins: the count drops and the pages migrate.
 */
TEST_F(pin, count_and_slot_delete)
{
	const unsigned long n = NPAGES / 2;
	__u64 want = variant->pinned ? n : 0;

	proc_fill(self->hva, NPAGES, false, 1);
	EXPECT_EQ(0, pinned_pages(_metadata, self->vm));
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, false, 0));
	EXPECT_EQ(want, pinned_pages(_metadata, self->vm));
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, true, 2));
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, false, 0));
	EXPECT_EQ(want, pinned_pages(_metadata, self->vm));

	ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, 0, GPA_BASE, 0, self->hva));
	EXPECT_EQ(0, pinned_pages(_metadata, self->vm));
	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node: unpinning not checked");
	EXPECT_EQ(n, migrate_away(_metadata, self->hva, n));
}

/*
 * Coherent all the same: after MADV_DONTNEED the guest reads zero, as the
 * process does; its writes land in the process's new pages; the process's
 * writes reach the guest.  Still one pin per gfn.
 */
TEST_F(pin, coherent)
{
	const unsigned long n = NPAGES;

	proc_fill(self->hva, n, false, 3);
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, true, 4));
	ASSERT_EQ(0, madvise(self->hva, n * PG, MADV_DONTNEED));
	EXPECT_EQ(0, kvmmu_peek(self->hva));
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, false, 0));
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, true, 5));
	EXPECT_EQ(5, kvmmu_peek(self->hva + (n - 1) * PG + PG - 8));
	proc_fill(self->hva, n, true, 6);
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, false, 0));
	EXPECT_EQ(variant->pinned ? n : 0, pinned_pages(_metadata, self->vm));
}

/* KSM merges the identical guest pages, unless they are pinned. */
TEST_F_TIMEOUT(pin, ksm, 60)
{
	const unsigned long n = 16;
	__u64 pm[NPAGES], old[NPAGES], merged = 0;
	long scans;
	unsigned long pg;
	int i;

	if (access(KVMMU_KSM_DIR "run", W_OK))
		SKIP(return, "no KSM in this kernel");

	proc_fill(self->hva, n, true, 0x5a5a);
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, false, 0));
	pagemap(_metadata, self->hva, n, old);

	ASSERT_EQ(0, madvise(self->hva, n * PG, MADV_MERGEABLE));
	scans = ksm_full_scans();
	ASSERT_LE(0, scans);
	ASSERT_EQ(0, kvmmu_ksm_start(&self->hs, 1000, 5));
	/* Merged, or 4 full scans without (2 suffice to merge). */
	for (i = 0; i < 2000 && !merged; i++) {	/* 20 s at most */
		pagemap(_metadata, self->hva, n, pm);
		merged = pm[0] & KVMMU_PM_PFN;
		for (pg = 0; pg < n; pg++)
			if (!(pm[pg] & KVMMU_PM_PRESENT) ||
			    (pm[pg] & KVMMU_PM_PFN) != merged)
				merged = 0;
		if (!merged && ksm_full_scans() >= scans + 4)
			break;
		if (!merged)
			kvmmu_sleep_ms(10);
	}
	kvmmu_write_file(KVMMU_KSM_DIR "run", "0");
	TH_LOG("after %d ms, %ld full scans: %s", i * 10,
	       ksm_full_scans() - scans, merged ? "merged" : "not merged");
	if (variant->pinned) {
		EXPECT_EQ(0, merged);
		EXPECT_EQ(0, pfn_changed(_metadata, self->hva, n, old));
	} else {
		EXPECT_NE(0, merged);
	}
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, false, 0));
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, true, 7));
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, false, 0));
}

/* MADV_PAGEOUT swaps the guest's pages out (zram), unless pinned. */
TEST_F_TIMEOUT(pin, swap, 60)
{
	const unsigned long n = NPAGES;
	int err = kvmmu_swap_on(_metadata, &self->hs);
	__u64 old[NPAGES];
	unsigned long out;

	if (err == -ENODEV)
		SKIP(return, "no zram in this kernel or the initramfs");

	proc_fill(self->hva, n, false, 8);
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, true, 9));
	pagemap(_metadata, self->hva, n, old);
	out = page_out(self->hva, n);
	TH_LOG("%lu of %lu pages swapped out", out, n);
	if (variant->pinned) {
		EXPECT_EQ(0, out);
		EXPECT_EQ(0, pfn_changed(_metadata, self->hva, n, old));
	} else {
		EXPECT_EQ(n, out);
	}
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, false, 0));
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, true, 10));
}

/* move_pages() migrates the guest's pages, unless pinned. */
TEST_F(pin, migration)
{
	const unsigned long n = NPAGES;
	__u64 old[NPAGES];
	unsigned int moved;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");

	proc_fill(self->hva, n, false, 11);
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, false, 0));
	pagemap(_metadata, self->hva, n, old);
	moved = migrate_away(_metadata, self->hva, n);
	if (variant->pinned) {
		EXPECT_EQ(0, moved);
		EXPECT_EQ(0, pfn_changed(_metadata, self->hva, n, old));
	} else {
		EXPECT_EQ(n, moved);
		EXPECT_EQ(n, pfn_changed(_metadata, self->hva, n, old));
	}
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, true, 12));
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, false, 0));
}

/*
 * Closing the VM unpins: pages the pinned VM kept from migrating and from
 * swap-out move and swap out once its fds are closed (the vCPU's alone is
 * not enough).  A notifier VM's pages move all along.
 */
TEST_F_TIMEOUT(pin, close_unpins, 60)
{
	const unsigned long n = NPAGES;
	const unsigned int open_moved = variant->pinned ? 0 : n / 2;
	int err;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");

	proc_fill(self->hva, n, false, 13);
	EXPECT_EQ(0, guest_touch(_metadata, self->vcpu, self->hva, n, true, 14));
	EXPECT_EQ(open_moved, migrate_away(_metadata, self->hva, n / 2));

	close(self->vcpu);
	self->vcpu = -1;
	EXPECT_EQ(open_moved, migrate_away(_metadata, self->hva, n / 2));
	close(self->vm);
	self->vm = -1;
	EXPECT_EQ(n / 2, migrate_away(_metadata, self->hva, n / 2));

	err = kvmmu_swap_on(_metadata, &self->hs);
	if (err == -ENODEV)
		SKIP(return, "no zram: swap after close not checked");
	EXPECT_EQ(n / 2, page_out(self->hva + n / 2 * PG, n / 2));
}

TEST_HARNESS_MAIN
