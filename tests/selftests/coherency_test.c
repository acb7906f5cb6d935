// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmu's secondary MMU against host mm events.  After each event (munmap,
 * madvise, mprotect, fork and copy-on-write, KSM, page migration, swap,
 * aliased memslots, aging, THP split, VM_PFNMAP memory) a guest access
 * through the vCPU must read exactly what the process reads at the same
 * address, or fail cleanly (-EFAULT, -EACCES) where the process would fault.
 *
 * Every page is compared at four qwords (both ends, the middle and one that
 * depends on the page), guest first and process second, so that a guest
 * read never profits from a fault the process took.  Each expected value is
 * also tracked, so a page that is coherent but wrong (stale on both sides,
 * a child's copy) fails too.  Translations and VM statistics are checked as
 * evidence that the event reached the secondary MMU.
 *
 * Runs as root.  A test whose kernel feature is absent (KSM, a second NUMA
 * node, zram, page_idle, THP, /dev/mem) skips.  Every VM is of the type
 * kvmmu_vm_type() names: tests/qemu/init runs this once per VM type.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmmu_test.h"

#define PG		PAGE_SIZE_4K
#define NPAGES		128UL
/* Straddles a 1 GiB boundary: every level of a 4-level table is crossed. */
#define GPA_BASE	(0x40000000ULL - NPAGES / 2 * PG)
#define GPA_ALIAS1	0x80000000ULL
#define GPA_ALIAS2	0xc0000000ULL
#define GPA_EXTRA	0x100000000ULL
#define HUGE_2M		(2UL << 20)

/* Sampled qwords per page, and what check() asks of them. */
#define NOFF		4
#define CHK_FAULT	1	/* the page's first access must fault */

/* /proc/kpageflags */
#define KPF_THP		_BITULL(22)

/*
 * One guest-physical view of process memory: @npages pages at @gpa in the
 * guest, at @hva in the process, and the value each sampled qword must
 * hold.  Aliases of the same memory share @exp.
 */
struct region {
	int vcpu;
	__u64 gpa;
	char *hva;
	unsigned long npages;
	__u64 *exp;
};

/* What writer @tag puts at byte @off of page @pg: never 0, readable. */
static __u64 pat(unsigned int tag, unsigned long pg, unsigned long off)
{
	return 0xc0deULL << 48 | (__u64)tag << 40 | (__u64)pg << 16 | off;
}

/*
 * The byte offset of sampled qword @k of page @pg of @r.  The fourth one
 * depends on the page's address, so that aliases sample the same qwords.
 */
static unsigned long soff(const struct region *r, unsigned long pg, int k)
{
	static const unsigned long fixed[] = { 0, PG / 2, PG - 8 };
	uintptr_t vpn = (uintptr_t)r->hva / PG + pg;

	return k < 3 ? fixed[k] : (vpn * 37 % 510 + 1) * 8;
}

/* The process writes pat(@tag) to every qword of the selected pages. */
static void proc_fill(struct region *r, unsigned long first,
		      unsigned long end, unsigned long step, unsigned int tag)
{
	unsigned long pg, off;
	int k;

	for (pg = first; pg < end; pg += step) {
		for (off = 0; off < PG; off += 8)
			kvmmu_poke(r->hva + pg * PG + off, pat(tag, pg, off));
		for (k = 0; k < NOFF; k++)
			r->exp[pg * NOFF + k] = pat(tag, pg, soff(r, pg, k));
	}
}

/* The guest writes pat(@tag) to the sampled qwords of the selected pages. */
static void guest_fill(struct __test_metadata *_metadata, struct region *r,
		       unsigned long first, unsigned long end,
		       unsigned long step, unsigned int tag)
{
	struct kvmmu_access *a = calloc(r->npages * NOFF, sizeof(*a));
	unsigned int n = 0, i, bad = 0;
	unsigned long pg;
	int k;

	ASSERT_NE(NULL, a);
	for (pg = first; pg < end; pg += step) {
		for (k = 0; k < NOFF; k++, n++) {
			a[n].gpa = r->gpa + pg * PG + soff(r, pg, k);
			a[n].data = pat(tag, pg, soff(r, pg, k));
			a[n].type = KVMMU_ACCESS_WRITE;
			a[n].size = 8;
		}
	}
	ASSERT_EQ(0, kvmmu_access_batch(r->vcpu, a, n));
	for (i = 0; i < n; i++) {
		if (!a[i].result)
			continue;
		if (!bad++)
			TH_LOG("guest write of gpa %#llx: %s",
			       (unsigned long long)a[i].gpa,
			       strerror(-a[i].result));
	}
	EXPECT_EQ(0, bad) TH_LOG("%u of %u guest writes failed", bad, n);
	for (pg = first; pg < end; pg += step)
		for (k = 0; k < NOFF; k++)
			r->exp[pg * NOFF + k] = pat(tag, pg, soff(r, pg, k));
	free(a);
}

static void exp_zero(struct region *r, unsigned long first,
		     unsigned long end, unsigned long step)
{
	unsigned long pg;

	for (pg = first; pg < end; pg += step)
		memset(&r->exp[pg * NOFF], 0, NOFF * sizeof(*r->exp));
}

/*
 * The heart of every test: read the sampled qwords of the selected pages
 * through the guest, then through the process.  Every guest read must
 * succeed, equal the process's read and the expected value; with
 * CHK_FAULT the first access to each page must have run the fault path
 * (its spte was zapped).  Returns the number of bad qwords.
 */
static unsigned int check(struct __test_metadata *_metadata,
			  struct region *r, unsigned long first,
			  unsigned long end, unsigned long step, int flags)
{
	struct kvmmu_access *a = calloc(r->npages * NOFF, sizeof(*a));
	unsigned int n = 0, i, bad = 0, unfaulted = 0;
	unsigned long pg;
	int k;

	ASSERT_NE(NULL, a);
	for (pg = first; pg < end; pg += step) {
		for (k = 0; k < NOFF; k++, n++) {
			a[n].gpa = r->gpa + pg * PG + soff(r, pg, k);
			a[n].type = KVMMU_ACCESS_READ;
			a[n].size = 8;
		}
	}
	ASSERT_EQ(0, kvmmu_access_batch(r->vcpu, a, n));
	for (i = 0; i < n; i++) {
		unsigned long off = a[i].gpa - r->gpa;
		__u64 proc = kvmmu_peek(r->hva + off);
		__u64 want = r->exp[off / PG * NOFF + i % NOFF];

		if ((flags & CHK_FAULT) && i % NOFF == 0 && !a[i].faults &&
		    !unfaulted++)
			TH_LOG("page %lu: first guest read after the event took no fault",
			       off / PG);
		if (!a[i].result && a[i].data == proc && proc == want)
			continue;
		if (bad++ < 4)
			TH_LOG("page %lu +%#lx: guest %#llx (%s), process %#llx, expected %#llx",
			       off / PG, off % PG,
			       (unsigned long long)a[i].data,
			       a[i].result ? strerror(-a[i].result) : "ok",
			       (unsigned long long)proc,
			       (unsigned long long)want);
	}
	EXPECT_EQ(0, bad) TH_LOG("%u of %u qwords incoherent or wrong", bad, n);
	EXPECT_EQ(0, unfaulted)
		TH_LOG("%u pages were not re-faulted: stale sptes?", unfaulted);
	free(a);
	return bad + unfaulted;
}

/*
 * Accesses of @type to the first and last qword of the selected pages all
 * end in @err (the process would fault there).
 */
static void expect_err(struct __test_metadata *_metadata, struct region *r,
		       unsigned long first, unsigned long end,
		       unsigned long step, int type, int err)
{
	struct kvmmu_access *a = calloc(r->npages * 2, sizeof(*a));
	unsigned int n = 0, i, bad = 0;
	unsigned long pg;

	ASSERT_NE(NULL, a);
	for (pg = first; pg < end; pg += step) {
		for (i = 0; i < 2; i++, n++) {
			a[n].gpa = r->gpa + pg * PG + i * (PG - 8);
			a[n].data = pat(0xee, pg, 0);
			a[n].type = type;
			a[n].size = 8;
		}
	}
	ASSERT_EQ(0, kvmmu_access_batch(r->vcpu, a, n));
	for (i = 0; i < n; i++) {
		if (a[i].result == err)
			continue;
		if (bad++ < 4)
			TH_LOG("guest %s of gpa %#llx: %d (data %#llx), expected %d",
			       type == KVMMU_ACCESS_WRITE ? "write" : "read",
			       (unsigned long long)a[i].gpa, a[i].result,
			       (unsigned long long)a[i].data, err);
	}
	EXPECT_EQ(0, bad) TH_LOG("%u of %u guest accesses did not fail with %d",
				 bad, n, err);
	free(a);
}

static struct kvmmu_translation tr(struct __test_metadata *_metadata,
				   struct region *r, unsigned long pg)
{
	struct kvmmu_translation t;

	EXPECT_EQ(0, kvmmu_translate(r->vcpu, r->gpa + pg * PG, &t));
	return t;
}

/*
 * Pages of the selection whose translation flags, masked with @mask, are
 * not @want; the first few are logged with @what.
 */
static unsigned int tr_mismatch(struct __test_metadata *_metadata,
				struct region *r, unsigned long first,
				unsigned long end, unsigned long step,
				unsigned int mask, unsigned int want,
				const char *what)
{
	struct kvmmu_translation t;
	unsigned int bad = 0;
	unsigned long pg;

	for (pg = first; pg < end; pg += step) {
		t = tr(_metadata, r, pg);
		if ((t.flags & mask) != want && bad++ < 4)
			TH_LOG("page %lu: %s (flags %#x, pfn %#llx)", pg, what,
			       t.flags, (unsigned long long)t.pfn);
	}
	return bad;
}

/* Pages of the selection whose spte is present. */
static unsigned int count_present(struct __test_metadata *_metadata,
				  struct region *r, unsigned long first,
				  unsigned long end, unsigned long step)
{
	unsigned int n = 0;
	unsigned long pg;

	for (pg = first; pg < end; pg += step)
		n += !!(tr(_metadata, r, pg).flags & KVMMU_TR_PRESENT);
	return n;
}

/*
 * Pages of the selection whose spte is not a present 4 KiB mapping of the
 * frame pagemap @pm reports for the page.
 */
static unsigned int pfn_mismatch(struct __test_metadata *_metadata,
				 struct region *r, unsigned long first,
				 unsigned long end, const __u64 *pm)
{
	struct kvmmu_translation t;
	unsigned int bad = 0;
	unsigned long pg;

	for (pg = first; pg < end; pg++) {
		t = tr(_metadata, r, pg);
		if ((t.flags & KVMMU_TR_PRESENT) && t.level == 1 &&
		    t.pfn == (pm[pg] & KVMMU_PM_PFN))
			continue;
		if (bad++ < 4)
			TH_LOG("page %lu: spte flags %#x level %u pfn %#llx, host pfn %#llx",
			       pg, t.flags, t.level, (unsigned long long)t.pfn,
			       (unsigned long long)(pm[pg] & KVMMU_PM_PFN));
	}
	return bad;
}

static __u64 read_kpageflags(__u64 pfn)
{
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	__u64 f = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &f, sizeof(f), pfn * sizeof(f)) != sizeof(f))
		f = 0;
	close(fd);
	return f;
}

FIXTURE(coh) {
	int vm;
	int vcpu;
	struct region r;
	struct kvmmu_host_state hs;
};

FIXTURE_SETUP(coh)
{
	size_t size = NPAGES * PG;

	self->vm = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, self->vm) TH_LOG("KVMMU_CREATE_VM: %s",
				      strerror(-self->vm));
	self->vcpu = kvmmu_create_vcpu(self->vm, 0);
	ASSERT_LE(0, self->vcpu) TH_LOG("KVMMU_CREATE_VCPU: %s",
					strerror(-self->vcpu));
	self->r.vcpu = self->vcpu;
	self->r.gpa = GPA_BASE;
	self->r.npages = NPAGES;
	self->r.exp = calloc(NPAGES * NOFF, sizeof(*self->r.exp));
	ASSERT_NE(NULL, self->r.exp);
	self->r.hva = kvmmu_alloc_anon(size);
	ASSERT_NE(MAP_FAILED, self->r.hva);
	/* 4 KiB pages: own pfns for pagemap, page_idle, KSM, migration. */
	ASSERT_EQ(0, madvise(self->r.hva, size, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, 0, GPA_BASE, size,
				      self->r.hva));
}

FIXTURE_TEARDOWN(coh)
{
	kvmmu_host_restore(&self->hs);
	close(self->vcpu);
	close(self->vm);
}

/*
 * munmap: the guest must fail with -EFAULT, never reach the freed page;
 * new memory mapped at the same address is what the guest sees next.
 */
TEST_F(coh, munmap)
{
	struct region *r = &self->r;
	unsigned long n = r->npages, q = n / 4;
	struct kvmmu_vm_stats st;
	char *p;

	proc_fill(r, 0, n, 1, 1);
	guest_fill(_metadata, r, 1, n, 2, 2);
	check(_metadata, r, 0, n, 1, 0);
	EXPECT_EQ(n, kvmmu_stats(_metadata, self->vm).mapped_pages);

	/* A hole: those pages fail, the rest is untouched. */
	ASSERT_EQ(0, munmap(r->hva + q * PG, q * PG));
	EXPECT_EQ(0, count_present(_metadata, r, q, 2 * q, 1));
	st = kvmmu_stats(_metadata, self->vm);
	EXPECT_GE(n - q, st.mapped_pages);
	expect_err(_metadata, r, q, 2 * q, 1, KVMMU_ACCESS_READ, -EFAULT);
	expect_err(_metadata, r, q, 2 * q, 1, KVMMU_ACCESS_WRITE, -EFAULT);
	check(_metadata, r, 0, q, 1, 0);
	check(_metadata, r, 2 * q, n, 1, 0);

	/* All of it. */
	ASSERT_EQ(0, munmap(r->hva, n * PG));
	EXPECT_EQ(0, kvmmu_stats(_metadata, self->vm).mapped_pages);
	EXPECT_EQ(0, count_present(_metadata, r, 0, n, 1));
	expect_err(_metadata, r, 0, n, 1, KVMMU_ACCESS_READ, -EFAULT);

	/* Other memory at the same address, with other contents. */
	p = mmap(r->hva, n * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(r->hva, p);
	ASSERT_EQ(0, madvise(p, n * PG, MADV_NOHUGEPAGE));
	proc_fill(r, 0, n, 1, 3);
	check(_metadata, r, 0, n, 1, CHK_FAULT);
	guest_fill(_metadata, r, 0, n, 1, 4);
	check(_metadata, r, 0, n, 1, 0);
}

/*
 * MADV_DONTNEED: the guest reads zeroes, and what it writes afterwards is
 * what the process reads.  Zero-page reads must not let a later guest
 * write reach the shared zero page.
 */
TEST_F(coh, madv_dontneed)
{
	struct region *r = &self->r;
	unsigned long n = r->npages, pg;
	char *fresh;
	int err = 0;

	proc_fill(r, 0, n, 1, 1);
	guest_fill(_metadata, r, 0, n, 3, 2);
	check(_metadata, r, 0, n, 1, 0);

	/* Every other page. */
	for (pg = 1; pg < n; pg += 2)
		err |= madvise(r->hva + pg * PG, PG, MADV_DONTNEED);
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, count_present(_metadata, r, 1, n, 2));
	exp_zero(r, 1, n, 2);
	check(_metadata, r, 1, n, 2, CHK_FAULT);
	check(_metadata, r, 0, n, 2, 0);

	/* All of it. */
	ASSERT_EQ(0, madvise(r->hva, n * PG, MADV_DONTNEED));
	EXPECT_EQ(0, kvmmu_stats(_metadata, self->vm).mapped_pages);
	exp_zero(r, 0, n, 1);
	check(_metadata, r, 0, n, 1, CHK_FAULT);

	/* The guest read zeroes; now it writes, and the process sees it. */
	guest_fill(_metadata, r, 0, n, 1, 3);
	check(_metadata, r, 0, n, 1, 0);
	proc_fill(r, 0, n, 2, 4);
	check(_metadata, r, 0, n, 1, 0);

	/* The zero page is still zero. */
	fresh = kvmmu_alloc_anon(PG);
	ASSERT_NE(MAP_FAILED, fresh);
	EXPECT_EQ(0, kvmmu_peek(fresh));
	EXPECT_EQ(0, kvmmu_peek(fresh + PG - 8));
	munmap(fresh, PG);
}

/*
 * mprotect: PROT_READ leaves guest reads working and makes guest writes
 * fail with -EACCES without changing memory; read-write again lets them
 * through; PROT_NONE makes reads fail with -EFAULT.
 */
TEST_F(coh, mprotect)
{
	struct region *r = &self->r;
	unsigned long n = r->npages, h = n / 2;

	proc_fill(r, 0, n, 1, 1);
	guest_fill(_metadata, r, 0, n, 1, 2);	/* writable sptes */
	check(_metadata, r, 0, n, 1, 0);

	/* First half read-only. */
	ASSERT_EQ(0, mprotect(r->hva, h * PG, PROT_READ));
	EXPECT_EQ(0, tr_mismatch(_metadata, r, 0, h, 1, KVMMU_TR_WRITABLE, 0,
				 "writable spte after PROT_READ"));
	check(_metadata, r, 0, n, 1, 0);
	expect_err(_metadata, r, 0, h, 1, KVMMU_ACCESS_WRITE, -EACCES);
	check(_metadata, r, 0, n, 1, 0);	/* unchanged */
	guest_fill(_metadata, r, h, n, 1, 3);	/* the other half works */
	check(_metadata, r, 0, n, 1, 0);

	/* All read-only, then read-write again. */
	ASSERT_EQ(0, mprotect(r->hva, n * PG, PROT_READ));
	expect_err(_metadata, r, 0, n, 1, KVMMU_ACCESS_WRITE, -EACCES);
	check(_metadata, r, 0, n, 1, 0);
	ASSERT_EQ(0, mprotect(r->hva, n * PG, PROT_READ | PROT_WRITE));
	guest_fill(_metadata, r, 0, n, 1, 4);
	check(_metadata, r, 0, n, 1, 0);

	/* Nothing accessible. */
	ASSERT_EQ(0, mprotect(r->hva, n * PG, PROT_NONE));
	EXPECT_EQ(0, count_present(_metadata, r, 0, n, 1));
	expect_err(_metadata, r, 0, n, 1, KVMMU_ACCESS_READ, -EFAULT);
	ASSERT_EQ(0, mprotect(r->hva, n * PG, PROT_READ | PROT_WRITE));
	check(_metadata, r, 0, n, 1, 0);
}

/*
 * The forked child: it cannot use the VM, and its copy of the memory holds
 * what was there at fork, then its own writes, never the parent's guest
 * writes made after the fork.  Returns an exit code naming what failed.
 */
static int fork_child(int vm, struct region *r, int rd, int wr)
{
	struct kvmmu_vm_stats st;
	unsigned long pg;
	__u64 v = 0;
	char c;
	int k;

	if (kvmmu_read64(r->vcpu, r->gpa, &v) != -EIO)
		return 10;
	if (kvmmu_set_region(vm, 5, 0, GPA_EXTRA, PG, r->hva) != -EIO)
		return 11;
	if (kvmmu_vm_stats(vm, &st))	/* read-only: allowed */
		return 12;

	if (read(rd, &c, 1) != 1)
		return 13;
	for (pg = 0; pg < r->npages; pg++)
		for (k = 0; k < NOFF; k++)
			if (kvmmu_peek(r->hva + pg * PG + soff(r, pg, k)) !=
			    r->exp[pg * NOFF + k])
				return 14;	/* saw the parent's writes */
	for (pg = 0; pg < r->npages; pg++)
		for (k = 0; k < NOFF; k++)
			kvmmu_poke(r->hva + pg * PG + soff(r, pg, k),
				   pat(5, pg, soff(r, pg, k)));
	if (write(wr, "b", 1) != 1)
		return 15;

	if (read(rd, &c, 1) != 1)
		return 16;
	for (pg = 0; pg < r->npages; pg++)
		for (k = 0; k < NOFF; k++)
			if (kvmmu_peek(r->hva + pg * PG + soff(r, pg, k)) !=
			    pat(5, pg, soff(r, pg, k)))
				return 17;	/* lost its own writes */
	return 0;
}

/*
 * fork + copy-on-write.  The parent's guest writes after the fork go to
 * the parent's copies only: in a third of the pages while the child still
 * shares them, in another third after the child made its own copies.
 */
TEST_F(coh, fork_cow)
{
	struct region *r = &self->r;
	unsigned long n = r->npages;
	int p2c[2], c2p[2], status;
	char c;
	pid_t pid;

	proc_fill(r, 0, n, 1, 1);
	guest_fill(_metadata, r, 0, n, 1, 2);	/* writable, dirty sptes */
	check(_metadata, r, 0, n, 1, 0);
	ASSERT_EQ(0, pipe(p2c));
	ASSERT_EQ(0, pipe(c2p));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p2c[1]);
		close(c2p[0]);
		_exit(fork_child(self->vm, r, p2c[0], c2p[1]));
	}
	close(p2c[0]);
	close(c2p[1]);

	/* fork write-protected the parent's memory: so must the sptes be. */
	EXPECT_EQ(0, tr_mismatch(_metadata, r, 0, n, 1, KVMMU_TR_WRITABLE, 0,
				 "spte still writable after fork"));

	guest_fill(_metadata, r, 0, n, 3, 3);	/* pages shared with the child */
	proc_fill(r, 1, n, 3, 4);
	EXPECT_EQ(1, write(p2c[1], "a", 1));
	EXPECT_EQ(1, read(c2p[0], &c, 1)) TH_LOG("the child died early");
	guest_fill(_metadata, r, 2, n, 3, 6);	/* the child has copied */
	EXPECT_EQ(1, write(p2c[1], "c", 1));

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	/*
	 * 10/11: VM usable; 12: stats refused; 14: saw the parent's guest
	 * writes; 17: lost its own writes; others: pipe trouble.
	 */
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(p2c[1]);
	close(c2p[0]);
	check(_metadata, r, 0, n, 1, 0);
}

/*
 * KSM: identical pages merge into one read-only page; the guest reads it
 * through the merged pfn, a guest write breaks COW for its page only, and
 * after MADV_UNMERGEABLE everything is private and coherent again.
 */
TEST_F_TIMEOUT(coh, ksm, 60)
{
	const unsigned long n = 8;
	struct region *r = &self->r;
	__u64 pm[8], merged = 0;
	struct kvmmu_translation t;
	unsigned long pg, off;
	char shared[32] = "?";
	unsigned int bad;
	int i, k;

	if (access(KVMMU_KSM_DIR "run", W_OK))
		SKIP(return, "no KSM in this kernel");

	/* n identical pages; the guest maps them all (writable). */
	for (pg = 0; pg < n; pg++) {
		for (off = 0; off < PG; off += 8)
			kvmmu_poke(r->hva + pg * PG + off, pat(7, 0, off));
		for (k = 0; k < NOFF; k++)
			r->exp[pg * NOFF + k] = pat(7, 0, soff(r, pg, k));
	}
	check(_metadata, r, 0, n, 1, 0);

	ASSERT_EQ(0, madvise(r->hva, n * PG, MADV_MERGEABLE));
	ASSERT_EQ(0, kvmmu_ksm_start(&self->hs, 1000, 5));
	for (i = 0; i < 2000 && !merged; i++) {	/* 20 s at most */
		ASSERT_EQ(0, kvmmu_read_pagemap(r->hva, n, pm));
		merged = pm[0] & KVMMU_PM_PFN;
		for (pg = 0; pg < n; pg++)
			if (!(pm[pg] & KVMMU_PM_PRESENT) ||
			    (pm[pg] & KVMMU_PM_PFN) != merged)
				merged = 0;
		if (!merged)
			kvmmu_sleep_ms(10);
	}
	kvmmu_write_file(KVMMU_KSM_DIR "run", "0");	/* no more merging from here */
	kvmmu_read_file(KVMMU_KSM_DIR "pages_sharing", shared, sizeof(shared));
	ASSERT_NE(0, merged) TH_LOG("not merged after 20 s (pages_sharing %s)",
				    shared);
	TH_LOG("merged into pfn %#llx after %d ms, pages_sharing %s",
	       (unsigned long long)merged, i * 10, shared);

	/* The old writable sptes are gone. */
	for (bad = 0, pg = 0; pg < n; pg++) {
		t = tr(_metadata, r, pg);
		if ((t.flags & KVMMU_TR_PRESENT) &&
		    (t.pfn != merged || (t.flags & KVMMU_TR_WRITABLE)) &&
		    !bad++)
			TH_LOG("page %lu: spte pfn %#llx flags %#x after the merge",
			       pg, (unsigned long long)t.pfn, t.flags);
	}
	EXPECT_EQ(0, bad);
	check(_metadata, r, 0, n, 1, 0);
	/* Re-faulted read-only onto the merged page. */
	for (bad = 0, pg = 0; pg < n; pg++) {
		t = tr(_metadata, r, pg);
		if ((t.pfn != merged ||
		     (t.flags & (KVMMU_TR_PRESENT | KVMMU_TR_WRITABLE)) !=
		     KVMMU_TR_PRESENT) && !bad++)
			TH_LOG("page %lu: spte pfn %#llx flags %#x, merged pfn %#llx",
			       pg, (unsigned long long)t.pfn, t.flags,
			       (unsigned long long)merged);
	}
	EXPECT_EQ(0, bad);

	/* A guest write breaks COW for its page only. */
	guest_fill(_metadata, r, 3, 4, 1, 8);
	ASSERT_EQ(0, kvmmu_read_pagemap(r->hva, n, pm));
	for (bad = 0, pg = 0; pg < n; pg++)
		bad += (pg != 3) != ((pm[pg] & KVMMU_PM_PFN) == merged);
	EXPECT_EQ(0, bad) TH_LOG("merged pfn %#llx, page 3 now %#llx",
				 (unsigned long long)merged,
				 (unsigned long long)(pm[3] & KVMMU_PM_PFN));
	t = tr(_metadata, r, 3);
	EXPECT_EQ(pm[3] & KVMMU_PM_PFN, t.pfn);
	EXPECT_TRUE(t.flags & KVMMU_TR_WRITABLE);
	check(_metadata, r, 0, n, 1, 0);

	/* So does a process write, and the guest follows. */
	proc_fill(r, 5, 6, 1, 9);
	check(_metadata, r, 0, n, 1, 0);

	ASSERT_EQ(0, madvise(r->hva, n * PG, MADV_UNMERGEABLE));
	ASSERT_EQ(0, kvmmu_read_pagemap(r->hva, n, pm));
	for (bad = 0, pg = 0; pg < n; pg++)
		bad += (pm[pg] & KVMMU_PM_PFN) == merged;
	EXPECT_EQ(0, bad) TH_LOG("%u pages still merged", bad);
	check(_metadata, r, 0, n, 1, 0);
	guest_fill(_metadata, r, 0, n, 1, 10);
	check(_metadata, r, 0, n, 1, 0);
	proc_fill(r, 0, n, 2, 11);
	check(_metadata, r, 0, n, 1, 0);
}

/* Migrate every page to @target; the status query must then agree. */
static void migrate(struct __test_metadata *_metadata, struct region *r,
		    const int *target)
{
	unsigned long n = r->npages, pg;
	int status[NPAGES];
	void *pages[NPAGES];
	unsigned int bad;
	long ret;

	for (pg = 0; pg < n; pg++)
		pages[pg] = r->hva + pg * PG;
	ret = kvmmu_move_pages(n, pages, target, status, MPOL_MF_MOVE);
	EXPECT_EQ(0, ret) TH_LOG("move_pages: %ld (%s)", ret, strerror(errno));
	ASSERT_EQ(0, kvmmu_move_pages(n, pages, NULL, status, 0));
	for (bad = 0, pg = 0; pg < n; pg++)
		bad += target[pg] != status[pg];
	EXPECT_EQ(0, bad) TH_LOG("%u pages not on their target node", bad);
}

/* The node of every page, from move_pages' status query. */
static void page_nodes(struct __test_metadata *_metadata, struct region *r,
		       int *node)
{
	void *pages[NPAGES];
	unsigned long pg;

	for (pg = 0; pg < r->npages; pg++)
		pages[pg] = r->hva + pg * PG;
	ASSERT_EQ(0, kvmmu_move_pages(r->npages, pages, NULL, node, 0));
	for (pg = 0; pg < r->npages && node[pg] >= 0; pg++)
		;
	ASSERT_EQ(r->npages, pg) TH_LOG("page %lu: %s", pg,
					strerror(-node[pg]));
}

/*
 * After migration the spte for the old frame must be gone; the guest
 * re-faults onto the new frame and sees the same data.
 */
static void check_migrated(struct __test_metadata *_metadata,
			   struct region *r, const __u64 *old)
{
	__u64 pm[NPAGES];
	unsigned int bad;
	unsigned long pg;

	ASSERT_EQ(0, kvmmu_read_pagemap(r->hva, r->npages, pm));
	for (bad = 0, pg = 0; pg < r->npages; pg++)
		bad += old[pg] == (pm[pg] & KVMMU_PM_PFN);
	EXPECT_EQ(0, bad) TH_LOG("%u pages kept their pfn", bad);
	EXPECT_EQ(0, tr_mismatch(_metadata, r, 0, r->npages, 1,
				 KVMMU_TR_PRESENT, 0,
				 "spte survived migration"));
	check(_metadata, r, 0, r->npages, 1, CHK_FAULT);
	EXPECT_EQ(0, pfn_mismatch(_metadata, r, 0, r->npages, pm));
}

/* move_pages() to the other NUMA node, and back after guest writes. */
TEST_F(coh, migration)
{
	struct region *r = &self->r;
	unsigned long n = r->npages, pg;
	int home[NPAGES], away[NPAGES];
	__u64 pm[NPAGES], old[NPAGES];

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");

	proc_fill(r, 0, n, 1, 1);
	guest_fill(_metadata, r, 0, n, 2, 2);
	check(_metadata, r, 0, n, 1, 0);
	page_nodes(_metadata, r, home);
	ASSERT_EQ(0, kvmmu_read_pagemap(r->hva, n, pm));
	for (pg = 0; pg < n; pg++) {
		old[pg] = pm[pg] & KVMMU_PM_PFN;
		away[pg] = !home[pg];
	}
	EXPECT_EQ(0, pfn_mismatch(_metadata, r, 0, n, pm));

	migrate(_metadata, r, away);
	check_migrated(_metadata, r, old);
	guest_fill(_metadata, r, 0, n, 1, 3);	/* dirty sptes */
	check(_metadata, r, 0, n, 1, 0);

	ASSERT_EQ(0, kvmmu_read_pagemap(r->hva, n, pm));
	for (pg = 0; pg < n; pg++)
		old[pg] = pm[pg] & KVMMU_PM_PFN;
	migrate(_metadata, r, home);
	check_migrated(_metadata, r, old);
	proc_fill(r, 1, n, 2, 4);
	check(_metadata, r, 0, n, 1, 0);
}

/*
 * MADV_PAGEOUT until every page of @r is swapped out, or give up.  On 6.1
 * reclaim still checks references, so pages the guest touched (young
 * sptes) are only reclaimed once a first pass has aged them.
 */
static unsigned long page_out(struct region *r)
{
	__u64 pm[NPAGES];
	unsigned long pg, out = 0;
	int i;

	for (i = 0; i < 10 && out < r->npages; i++) {
		kvmmu_lru_drain_all(r->hva);
		madvise(r->hva, r->npages * PG, MADV_PAGEOUT);
		if (kvmmu_read_pagemap(r->hva, r->npages, pm))
			return 0;
		for (out = 0, pg = 0; pg < r->npages; pg++)
			out += !!(pm[pg] & KVMMU_PM_SWAP);
	}
	return out;
}

/* The process alone reads the selected pages (swapping them in). */
static void proc_verify(struct __test_metadata *_metadata, struct region *r,
			unsigned long first, unsigned long end,
			unsigned long step)
{
	unsigned long pg, off;
	unsigned int bad = 0;
	__u64 v;
	int k;

	for (pg = first; pg < end; pg += step) {
		for (k = 0; k < NOFF; k++) {
			off = soff(r, pg, k);
			v = kvmmu_peek(r->hva + pg * PG + off);
			if (v != r->exp[pg * NOFF + k] && bad++ < 4)
				TH_LOG("page %lu +%#lx: process %#llx, expected %#llx",
				       pg, off, (unsigned long long)v,
				       (unsigned long long)r->exp[pg * NOFF + k]);
		}
	}
	EXPECT_EQ(0, bad);
}

/*
 * Swap out and in (zram), with the guest and the process each faulting
 * half the pages back.  The guest's writes, also to pages the process only
 * read since they came back, must survive the next swap-out, and swapoff
 * brings everything back coherently.  (zram bypasses the swap cache, so a
 * lost dirty bit shows in madv_free rather than here.)
 */
TEST_F_TIMEOUT(coh, swap, 60)
{
	struct region *r = &self->r;
	unsigned long n = r->npages;
	int err = kvmmu_swap_on(_metadata, &self->hs);

	if (err == -ENODEV)
		SKIP(return, "no zram in this kernel or the initramfs");

	proc_fill(r, 0, n, 1, 1);
	check(_metadata, r, 0, n, 1, 0);
	ASSERT_EQ(n, page_out(r));
	EXPECT_EQ(0, count_present(_metadata, r, 0, n, 1));
	EXPECT_EQ(0, kvmmu_stats(_metadata, self->vm).mapped_pages);

	/* Back in: odd pages by the process (reads only), even by the guest. */
	proc_verify(_metadata, r, 1, n, 2);
	check(_metadata, r, 0, n, 2, CHK_FAULT);
	check(_metadata, r, 1, n, 2, 0);

	/* The guest writes every page, then they go out again. */
	guest_fill(_metadata, r, 0, n, 1, 2);
	ASSERT_EQ(n, page_out(r));
	EXPECT_EQ(0, count_present(_metadata, r, 0, n, 1));
	proc_verify(_metadata, r, 0, n, 2);
	check(_metadata, r, 1, n, 2, CHK_FAULT);
	check(_metadata, r, 0, n, 1, 0);

	/* Out once more, and swapoff brings them in. */
	guest_fill(_metadata, r, 0, n, 3, 3);
	proc_fill(r, 1, n, 3, 4);
	ASSERT_EQ(n, page_out(r));
	ASSERT_EQ(0, kvmmu_swap_off(&self->hs))
		TH_LOG("swapoff: %s", strerror(errno));
	check(_metadata, r, 0, n, 1, CHK_FAULT);
}

/*
 * MADV_FREE makes clean pages discardable.  Pages the guest writes after
 * it must be kept by reclaim (the guest dirtied them), exactly as if the
 * process had written; the others may be discarded (read as zero) or not,
 * but the guest and the process must agree.
 */
TEST_F(coh, madv_free)
{
	struct region *r = &self->r;
	unsigned long n = r->npages, pg, gone = 0;
	__u64 pm[NPAGES];
	int i;

	proc_fill(r, 0, n, 1, 1);
	check(_metadata, r, 0, n, 1, 0);
	ASSERT_EQ(0, madvise(r->hva, n * PG, MADV_FREE));
	guest_fill(_metadata, r, 0, n, 2, 2);
	/*
	 * Several passes: on 6.1 reclaim checks references, and the pages
	 * the guest wrote are young in the secondary MMU until a first pass
	 * has aged them.
	 */
	for (i = 0; i < 3; i++) {
		kvmmu_lru_drain_all(r->hva);
		madvise(r->hva, n * PG, MADV_PAGEOUT);
	}
	ASSERT_EQ(0, kvmmu_read_pagemap(r->hva, n, pm));
	for (pg = 1; pg < n; pg += 2)
		gone += !(pm[pg] & (KVMMU_PM_PRESENT | KVMMU_PM_SWAP));
	if (!gone)
		SKIP(return, "reclaim discarded no MADV_FREE page");
	TH_LOG("%lu of %lu untouched pages discarded", gone, n / 2);

	/* Guest-written pages: the guest's values, on both sides. */
	check(_metadata, r, 0, n, 2, 0);
	/* Untouched ones: zero if discarded, else the old contents. */
	for (pg = 1; pg < n; pg += 2)
		if (!(pm[pg] & (KVMMU_PM_PRESENT | KVMMU_PM_SWAP)))
			exp_zero(r, pg, pg + 1, 1);
	check(_metadata, r, 1, n, 2, 0);
}

/*
 * One hva range in three slots (two whole, one of its second half): a
 * write through one gpa is read through the others, and a host event on
 * the range reaches every slot's mappings.
 */
TEST_F(coh, aliasing)
{
	unsigned long n = self->r.npages, h = n / 2;
	struct region a = self->r, b = a, c = a;
	struct kvmmu_vm_stats st;

	b.gpa = GPA_ALIAS1;
	c.gpa = GPA_ALIAS2;
	c.hva += h * PG;
	c.npages = h;
	c.exp += h * NOFF;
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, 0, b.gpa, n * PG, b.hva));
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 2, 0, c.gpa, h * PG, c.hva));

	proc_fill(&a, 0, n, 1, 1);
	check(_metadata, &a, 0, n, 1, 0);
	check(_metadata, &b, 0, n, 1, 0);
	check(_metadata, &c, 0, h, 1, 0);
	guest_fill(_metadata, &a, 0, n, 2, 2);
	check(_metadata, &b, 0, n, 1, 0);
	check(_metadata, &c, 0, h, 1, 0);
	guest_fill(_metadata, &b, 1, n, 2, 3);
	check(_metadata, &a, 0, n, 1, 0);
	check(_metadata, &c, 0, h, 1, 0);
	guest_fill(_metadata, &c, 0, h, 3, 4);
	check(_metadata, &a, 0, n, 1, 0);
	check(_metadata, &b, 0, n, 1, 0);
	st = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(n + n + h, st.mapped_pages);

	ASSERT_EQ(0, madvise(a.hva, n * PG, MADV_DONTNEED));
	EXPECT_EQ(0, kvmmu_stats(_metadata, self->vm).mapped_pages);
	EXPECT_EQ(0, count_present(_metadata, &a, 0, n, 1));
	EXPECT_EQ(0, count_present(_metadata, &b, 0, n, 1));
	EXPECT_EQ(0, count_present(_metadata, &c, 0, h, 1));
	exp_zero(&a, 0, n, 1);
	check(_metadata, &c, 0, h, 1, CHK_FAULT);
	check(_metadata, &b, 0, n, 1, CHK_FAULT);
	check(_metadata, &a, 0, n, 1, CHK_FAULT);
	guest_fill(_metadata, &c, 0, h, 1, 5);
	check(_metadata, &a, 0, n, 1, 0);
	check(_metadata, &b, 0, n, 1, 0);

	ASSERT_EQ(0, munmap(a.hva, n * PG));
	EXPECT_EQ(0, kvmmu_stats(_metadata, self->vm).mapped_pages);
	expect_err(_metadata, &a, 0, n, 1, KVMMU_ACCESS_READ, -EFAULT);
	expect_err(_metadata, &b, 0, n, 1, KVMMU_ACCESS_READ, -EFAULT);
	expect_err(_metadata, &c, 0, h, 1, KVMMU_ACCESS_WRITE, -EFAULT);
}

/*
 * Idle page tracking: marking pages idle clears the sptes' accessed bits
 * (clear_young); a page the guest then reads is found referenced, through
 * the secondary MMU alone, and reads as not idle; the others stay idle.
 */
TEST_F(coh, page_idle)
{
	struct region *r = &self->r;
	unsigned long n = r->npages, pg, young = 0;
	struct kvmmu_vm_stats st0, st1, st2;
	__u64 pm[NPAGES], pfn[NPAGES];
	__u64 v;
	unsigned int bad;
	int fd, idle = 0;

	fd = open(KVMMU_PAGE_IDLE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no idle page tracking: %s", strerror(errno));

	proc_fill(r, 0, n, 1, 1);
	kvmmu_lru_drain_all(r->hva);
	check(_metadata, r, 0, n, 1, 0);
	ASSERT_EQ(0, kvmmu_read_pagemap(r->hva, n, pm));
	for (pg = 0; pg < n; pg++)
		pfn[pg] = pm[pg] & KVMMU_PM_PFN;
	EXPECT_EQ(0, pfn_mismatch(_metadata, r, 0, n, pm));
	EXPECT_EQ(0, tr_mismatch(_metadata, r, 0, n, 1, KVMMU_TR_ACCESSED,
				 KVMMU_TR_ACCESSED, "not accessed"));

	st0 = kvmmu_stats(_metadata, self->vm);
	ASSERT_EQ(0, kvmmu_idle_mark(fd, pfn, n));
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LE(st0.young_cleared + n, st1.young_cleared);
	EXPECT_EQ(0, tr_mismatch(_metadata, r, 0, n, 1, KVMMU_TR_ACCESSED, 0,
				 "accessed after marking it idle"));

	/* The guest reads the even pages; the process touches nothing. */
	for (bad = 0, pg = 0; pg < n; pg += 2) {
		v = 0;
		bad += kvmmu_read64(r->vcpu, r->gpa + pg * PG, &v) ||
		       v != r->exp[pg * NOFF];
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, tr_mismatch(_metadata, r, 0, n, 2, KVMMU_TR_ACCESSED,
				 KVMMU_TR_ACCESSED, "not accessed by a read"));

	for (bad = 0, pg = 0; pg < n; pg++) {
		idle = kvmmu_idle_test(fd, pfn[pg]);
		if (idle < 0)
			break;
		young += !idle;
		if (idle != (int)(pg % 2) && bad++ < 4)
			TH_LOG("page %lu (pfn %#llx): %s", pg,
			       (unsigned long long)pfn[pg],
			       idle ? "idle, but the guest read it"
				    : "not idle, but nobody touched it");
	}
	ASSERT_LE(0, idle) TH_LOG("page_idle read: %s", strerror(-idle));
	EXPECT_EQ(0, bad);
	st2 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LE(st1.young_cleared + n / 2, st2.young_cleared);
	EXPECT_EQ(0, tr_mismatch(_metadata, r, 0, n, 1, KVMMU_TR_ACCESSED, 0,
				 "accessed after the idle scan"));
	TH_LOG("%lu pages referenced; young_cleared %llu -> %llu -> %llu",
	       young, (unsigned long long)st0.young_cleared,
	       (unsigned long long)st1.young_cleared,
	       (unsigned long long)st2.young_cleared);
	close(fd);
	check(_metadata, r, 0, n, 1, 0);
}

/*
 * A THP-backed 2 MiB region: the guest writes, then MADV_DONTNEED of one
 * 4 KiB page splits the huge mapping; every page stays coherent.
 */
TEST_F(coh, thp_split)
{
	const unsigned long n = HUGE_2M / PG, hole = 100;
	char thp[64] = "", *raw, *mem;
	struct region r = self->r;
	__u64 *pm;

	if (kvmmu_read_file("/sys/kernel/mm/transparent_hugepage/enabled",
			    thp, sizeof(thp)) || strstr(thp, "[never]"))
		SKIP(return, "THP disabled (%s)", thp);
	raw = mmap(NULL, 2 * HUGE_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	mem = (char *)(((uintptr_t)raw + HUGE_2M - 1) & ~(HUGE_2M - 1));
	ASSERT_EQ(0, madvise(mem, HUGE_2M, MADV_HUGEPAGE));
	pm = calloc(n, sizeof(*pm));
	r.exp = calloc(n * NOFF, sizeof(*r.exp));
	ASSERT_TRUE(pm && r.exp);
	r.hva = mem;
	r.gpa = GPA_EXTRA;
	r.npages = n;

	kvmmu_poke(mem, 1);
	ASSERT_EQ(0, kvmmu_read_pagemap(mem, 1, pm));
	if (!(read_kpageflags(pm[0] & KVMMU_PM_PFN) & KPF_THP))
		SKIP(goto out, "no huge page could be allocated");
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, 0, r.gpa, HUGE_2M, mem));

	proc_fill(&r, 0, n, 1, 1);
	guest_fill(_metadata, &r, 0, n, 1, 2);
	check(_metadata, &r, 0, n, 1, 0);
	ASSERT_EQ(0, kvmmu_read_pagemap(mem, n, pm));
	EXPECT_EQ(0, pfn_mismatch(_metadata, &r, 0, n, pm));

	ASSERT_EQ(0, madvise(mem + hole * PG, PG, MADV_DONTNEED));
	EXPECT_FALSE(tr(_metadata, &r, hole).flags & KVMMU_TR_PRESENT);
	exp_zero(&r, hole, hole + 1, 1);
	check(_metadata, &r, hole, hole + 1, 1, CHK_FAULT);
	check(_metadata, &r, 0, n, 1, 0);
	ASSERT_EQ(0, kvmmu_read_pagemap(mem, n, pm));
	EXPECT_EQ(0, pfn_mismatch(_metadata, &r, 0, n, pm));
	guest_fill(_metadata, &r, 0, n, 1, 3);
	check(_metadata, &r, 0, n, 1, 0);
	proc_fill(&r, 0, n, 2, 4);
	check(_metadata, &r, 0, n, 1, 0);
out:
	munmap(raw, 2 * HUGE_2M);
	free(pm);
	free(r.exp);
}

/*
 * VM_PFNMAP memory: the BIOS area through /dev/mem, as a read-only slot.
 * The guest reads what the process reads, every qword, writes fail, and
 * munmap takes the mappings away.
 */
TEST_F(coh, pfnmap_devmem)
{
	const unsigned long n = 16, base = 0xf0000;
	struct kvmmu_vm_stats st0, st1;
	struct region r = self->r;
	struct kvmmu_access *a;
	unsigned int i, bad = 0;
	struct kvmmu_translation t;
	unsigned long pg;
	char *p;
	int fd;

	fd = open("/dev/mem", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "/dev/mem: %s", strerror(errno));
	p = mmap(NULL, n * PG, PROT_READ, MAP_SHARED, fd, base);
	close(fd);
	if (p == MAP_FAILED)
		SKIP(return, "mmap of /dev/mem at %#lx: %s", base,
		     strerror(errno));
	r.hva = p;
	r.gpa = GPA_EXTRA;
	r.npages = n;
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, KVMMU_MEM_READONLY, r.gpa,
				      n * PG, p));

	st0 = kvmmu_stats(_metadata, self->vm);
	a = calloc(n * PG / 8, sizeof(*a));
	ASSERT_NE(NULL, a);
	for (i = 0; i < n * PG / 8; i++) {
		a[i].gpa = r.gpa + i * 8;
		a[i].type = KVMMU_ACCESS_READ;
		a[i].size = 8;
	}
	ASSERT_EQ(0, kvmmu_access_batch(r.vcpu, a, n * PG / 8));
	for (i = 0; i < n * PG / 8; i++) {
		if (!a[i].result && a[i].data == kvmmu_peek(p + i * 8))
			continue;
		if (bad++ < 4)
			TH_LOG("+%#x: guest %#llx (%d), process %#llx", i * 8,
			       (unsigned long long)a[i].data, a[i].result,
			       (unsigned long long)kvmmu_peek(p + i * 8));
	}
	EXPECT_EQ(0, bad);
	free(a);
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LT(st0.pfnmap_faults, st1.pfnmap_faults);
	for (bad = 0, pg = 0; pg < n; pg++) {
		t = tr(_metadata, &r, pg);
		if (((t.flags & (KVMMU_TR_PRESENT | KVMMU_TR_WRITABLE)) !=
		     KVMMU_TR_PRESENT || t.pfn != base / PG + pg) && !bad++)
			TH_LOG("page %lu: spte flags %#x pfn %#llx", pg,
			       t.flags, (unsigned long long)t.pfn);
	}
	EXPECT_EQ(0, bad);
	expect_err(_metadata, &r, 0, n, 1, KVMMU_ACCESS_WRITE, -EACCES);

	ASSERT_EQ(0, munmap(p, n * PG));
	EXPECT_EQ(0, count_present(_metadata, &r, 0, n, 1));
	expect_err(_metadata, &r, 0, n, 1, KVMMU_ACCESS_READ, -EFAULT);
}

TEST_HARNESS_MAIN
