// SPDX-License-Identifier: GPL-2.0
/*
 * MIPS (KVMMU_VM_MIPS): a GPA page table with software accessed/modified
 * bits, and a software TLB per vCPU that guest accesses go through.
 *
 * What is specific to the format, seen through the statistics and
 * KVMMU_TRANSLATE (PRESENT, READABLE, ACCESSED = young; WRITABLE = the
 * hardware dirty/write-enable bit; DIRTY = modified):
 *  - a read maps a page young and clean, not writable to the TLB; the
 *    first write to it takes the fast path (fast_faults, no host lookup)
 *    if the host page could be written when it was mapped, else the slow
 *    path;
 *  - read-only slots and read-only host memory are never made writable or
 *    dirty, and writes fail with -EACCES however often they are tried;
 *  - host aging makes pages old (not ACCESSED), the next access takes the
 *    fast path, and idle page tracking sees which pages the guest used;
 *  - a host event on a page that two vCPUs have just used removes it from
 *    both TLBs: each then sees what the process sees, or is refused;
 *  - and a short stress of all of it from several vCPUs.
 *
 * Runs as root (pfns, swap, KSM).  The whole program skips if the module
 * offers no MIPS VMs; a test whose host feature is absent skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
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
#define QWORDS		(PG / 8)

/* 16 MiB of RAM at 0; a read-only slot (a "ROM") of 64 pages. */
#define RAM_SIZE	(16ULL << 20)
#define ROM_GPA		0x10000000ULL
#define ROM_PAGES	64
#define ROM_SIZE	(ROM_PAGES * PG)

#define RD		KVMMU_ACCESS_READ
#define WR		KVMMU_ACCESS_WRITE

#define TR_P		KVMMU_TR_PRESENT
#define TR_R		KVMMU_TR_READABLE
#define TR_W		KVMMU_TR_WRITABLE
#define TR_A		KVMMU_TR_ACCESSED
#define TR_D		KVMMU_TR_DIRTY
#define TR_MASK		(TR_P | TR_R | TR_W | TR_A | TR_D)

#define CCA_NONCOHERENT	3	/* TRANSLATE memtype */

/* What the process puts in the qword at @gpa of a page filled with @tag. */
static __u64 val(unsigned int tag, __u64 gpa)
{
	return 0x3eULL << 56 | (__u64)tag << 32 | gpa;
}

/* One 8-byte access; the ioctl's error, if any, replaces the result. */
static struct kvmmu_access one(int vcpu, int type, __u64 gpa, __u64 data)
{
	struct kvmmu_access a = {
		.gpa = gpa,
		.data = data,
		.type = type,
		.size = 8,
		.faults = 0xffff,
		.result = 1,
	};
	int r = kvmmu_access_batch(vcpu, &a, 1);

	if (r)
		a.result = r;
	return a;
}

/*
 * An access that must succeed (reads returning @want) after exactly
 * @faults fault-path runs (-1: any number).
 */
static bool acc_is(struct __test_metadata *_metadata, int vcpu, int type,
		   __u64 gpa, __u64 want, int faults)
{
	struct kvmmu_access a = one(vcpu, type, gpa, want);

	if (!a.result && a.data == want && (faults < 0 || a.faults == faults))
		return true;
	TH_LOG("%s of %#llx: result %d data %#llx faults %u, expected 0, %#llx, %d faults",
	       type == WR ? "write" : "read", (unsigned long long)gpa,
	       a.result, (unsigned long long)a.data, a.faults,
	       (unsigned long long)want, faults);
	return false;
}

static bool rd_is(struct __test_metadata *_metadata, int vcpu, __u64 gpa,
		  __u64 want)
{
	return acc_is(_metadata, vcpu, RD, gpa, want, -1);
}

static bool wr_ok(struct __test_metadata *_metadata, int vcpu, __u64 gpa,
		  __u64 v)
{
	return acc_is(_metadata, vcpu, WR, gpa, v, -1);
}

static bool err_is(struct __test_metadata *_metadata, int vcpu, int type,
		   __u64 gpa, int err)
{
	struct kvmmu_access a = one(vcpu, type, gpa, 0x77);

	if (a.result == err)
		return true;
	TH_LOG("%s of %#llx: result %d data %#llx, expected %d",
	       type == WR ? "write" : "read", (unsigned long long)gpa,
	       a.result, (unsigned long long)a.data, err);
	return false;
}

/*
 * @gpa's mapping has exactly the flags @want among PRESENT, READABLE,
 * WRITABLE, ACCESSED and DIRTY; a present one is 4 KiB, CCA 3 and maps
 * @pfn (unless 0).
 */
static bool tr_is(struct __test_metadata *_metadata, int vcpu, __u64 gpa,
		  unsigned int want, __u64 pfn)
{
	struct kvmmu_translation t;
	int r = kvmmu_translate(vcpu, gpa, &t);

	if (!r && (t.flags & TR_MASK) == want &&
	    (!(want & TR_P) || (t.level == 1 && t.memtype == CCA_NONCOHERENT &&
				(!pfn || t.pfn == pfn))))
		return true;
	TH_LOG("translate %#llx: %d, flags %#x level %u memtype %u pfn %#llx",
	       (unsigned long long)gpa, r, t.flags, t.level, t.memtype,
	       (unsigned long long)t.pfn);
	TH_LOG("... expected flags %#x pfn %#llx", want,
	       (unsigned long long)pfn);
	return false;
}

/* The counters a fault moves, as deltas between two snapshots. */
struct fdelta {
	long long faults, fast, slow;
};

static struct fdelta fdiff(const struct kvmmu_vm_stats *a,
			   const struct kvmmu_vm_stats *b)
{
	struct fdelta d = {
		.faults = b->faults - a->faults,
		.fast = b->fast_faults - a->fast_faults,
		.slow = b->gup_slow - a->gup_slow,
	};

	return d;
}

/* ------------------------------------------------------------------ */
/* The fixture: a MIPS VM, one vCPU, 16 MiB of RAM and a read-only slot */

FIXTURE(mips) {
	int vm;
	int vcpu;
	char *ram;
	char *rom;
	struct kvmmu_host_state hs;
};

static void fill(char *p, __u64 gpa, unsigned int tag)
{
	unsigned long i;

	for (i = 0; i < QWORDS; i++)
		kvmmu_poke(p + i * 8, val(tag, gpa + i * 8));
}

FIXTURE_SETUP(mips)
{
	unsigned int i;

	kvmmu_setup_vm(_metadata, KVMMU_VM_MIPS, 0, RAM_SIZE, &self->vm,
		       &self->vcpu, &self->ram);
	self->rom = kvmmu_alloc_anon(ROM_SIZE);
	ASSERT_NE(MAP_FAILED, self->rom);
	ASSERT_EQ(0, madvise(self->rom, ROM_SIZE, MADV_NOHUGEPAGE));
	for (i = 0; i < ROM_PAGES; i++)
		fill(self->rom + i * PG, ROM_GPA + i * PG, 0x70);
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, KVMMU_MEM_READONLY, ROM_GPA,
				      ROM_SIZE, self->rom));
}

FIXTURE_TEARDOWN(mips)
{
	kvmmu_host_restore(&self->hs);
	close(self->vcpu);
	close(self->vm);
	munmap(self->ram, RAM_SIZE);
	munmap(self->rom, ROM_SIZE);
}

/* Page @n of RAM, filled by the process (so the host maps it writable). */
static __u64 ram_page(struct _test_data_mips *self, unsigned int n,
		      unsigned int tag)
{
	fill(self->ram + (__u64)n * PG, (__u64)n * PG, tag);
	return (__u64)n * PG;
}

/* ------------------------------------------------------------------ */
/* 1. The ABI */

/* Capabilities; the PPC and x86 shadow ioctls are ENOTTY on MIPS. */
TEST(vm_types)
{
	struct kvmmu_ppc_hcall h;
	struct kvmmu_paging p;
	struct kvmmu_vm_stats st;
	struct kvmmu_translation t;
	__u32 order = 0;
	__u64 msr = 0, v = 0;
	int vm, vcpu;
	char *mem;

	vm = kvmmu_create_vm(KVMMU_VM_MIPS);
	ASSERT_LE(0, vm) TH_LOG("KVMMU_CREATE_VM(MIPS): %s", strerror(-vm));
	EXPECT_TRUE(ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_VM_TYPES) &
		    1 << KVMMU_VM_MIPS);
	EXPECT_EQ(48, ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_GPA_BITS));
	EXPECT_EQ(1, ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_READONLY_MEM));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB, &order));
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_PPC_GET_MSR, &msr));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_PPC_SET_MSR, &msr));
	memset(&h, 0, sizeof(h));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_PPC_HCALL, &h));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_GET_PAGING, &p));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));

	/* 48 bits: the last page below 2^48 maps, a slot past it does not. */
	mem = kvmmu_alloc_anon(2 * PG);
	ASSERT_NE(MAP_FAILED, mem);
	kvmmu_poke(mem, 0x1234567);
	EXPECT_EQ(0, kvmmu_set_region(vm, 0, 0, (1ULL << 48) - PG, PG, mem));
	EXPECT_EQ(0, kvmmu_read64(vcpu, (1ULL << 48) - PG, &v));
	EXPECT_EQ(0x1234567, v);
	EXPECT_EQ(0, kvmmu_translate(vcpu, (1ULL << 48) - PG, &t));
	EXPECT_EQ(CCA_NONCOHERENT, t.memtype);
	EXPECT_EQ(1, t.level);
	EXPECT_EQ(-EINVAL, kvmmu_set_region(vm, 1, 0, (1ULL << 48) - PG,
					    2 * PG, mem));
	EXPECT_EQ(-ENOENT, kvmmu_read64(vcpu, 1ULL << 48, &v));
	EXPECT_EQ(0, kvmmu_vm_stats(vm, &st));
	EXPECT_EQ(0, st.hpte_evictions + st.shadow_pages + st.pt_writes);
	close(vcpu);
	close(vm);
	munmap(mem, 2 * PG);
}

/* ------------------------------------------------------------------ */
/* 2. Young and dirty */

/*
 * A page the host maps writable: a read maps it young and clean (the TLB
 * may not write it); the first write takes the fast path: one fault for
 * the access, fast_faults + 1, no mapping installed, no host lookup; then
 * it is writable and dirty, and further accesses fault no more.
 */
TEST_F(mips, read_then_write_fast)
{
	const unsigned int n = 16;
	struct kvmmu_vm_stats s0, s1, s2;
	struct fdelta d;
	unsigned int i;
	__u64 gpa[16], pfn;

	for (i = 0; i < n; i++)
		gpa[i] = ram_page(self, 100 + 3 * i, 1);
	s0 = kvmmu_stats(_metadata, self->vm);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(acc_is(_metadata, self->vcpu, RD, gpa[i] + 8,
				   val(1, gpa[i] + 8), 1));
		EXPECT_TRUE(acc_is(_metadata, self->vcpu, RD, gpa[i] + 16,
				   val(1, gpa[i] + 16), 0));
		pfn = kvmmu_pfn_of(self->ram + gpa[i]);
		EXPECT_TRUE(tr_is(_metadata, self->vcpu, gpa[i],
				  TR_P | TR_R | TR_A, pfn));
	}
	s1 = kvmmu_stats(_metadata, self->vm);
	d = fdiff(&s0, &s1);
	EXPECT_EQ(n, d.faults);
	EXPECT_EQ(0, d.fast);
	EXPECT_EQ(n, s1.mapped_pages - s0.mapped_pages);

	for (i = 0; i < n; i++) {
		EXPECT_TRUE(acc_is(_metadata, self->vcpu, WR, gpa[i] + 24,
				   0x2400 + i, 1));
		EXPECT_TRUE(acc_is(_metadata, self->vcpu, WR, gpa[i] + 32,
				   0x3200 + i, 0));
		EXPECT_TRUE(acc_is(_metadata, self->vcpu, RD, gpa[i] + 24,
				   0x2400 + i, 0));
		EXPECT_EQ(0x3200 + i, kvmmu_peek(self->ram + gpa[i] + 32));
		EXPECT_TRUE(tr_is(_metadata, self->vcpu, gpa[i],
				  TR_P | TR_R | TR_W | TR_A | TR_D,
				  kvmmu_pfn_of(self->ram + gpa[i])));
	}
	s2 = kvmmu_stats(_metadata, self->vm);
	d = fdiff(&s1, &s2);
	EXPECT_EQ(0, d.faults) TH_LOG("a clean writable page took the slow path");
	EXPECT_EQ(n, d.fast);
	EXPECT_EQ(0, d.slow);
	EXPECT_EQ(s1.mapped_pages, s2.mapped_pages);
}

/*
 * A write as the first access: the slow path maps the page dirty at once,
 * nothing for the fast path to do; a read then faults no more.
 */
TEST_F(mips, write_first)
{
	struct kvmmu_vm_stats s0, s1;
	__u64 gpa = ram_page(self, 7, 2);
	struct fdelta d;

	s0 = kvmmu_stats(_metadata, self->vm);
	EXPECT_TRUE(acc_is(_metadata, self->vcpu, WR, gpa + 8, 0x88, 1));
	EXPECT_TRUE(acc_is(_metadata, self->vcpu, RD, gpa + 16,
			   val(2, gpa + 16), 0));
	EXPECT_TRUE(acc_is(_metadata, self->vcpu, RD, gpa + 8, 0x88, 0));
	s1 = kvmmu_stats(_metadata, self->vm);
	d = fdiff(&s0, &s1);
	EXPECT_EQ(1, d.faults);
	EXPECT_EQ(0, d.fast);
	EXPECT_TRUE(tr_is(_metadata, self->vcpu, gpa, TR_P | TR_R | TR_W | TR_A | TR_D,
			  kvmmu_pfn_of(self->ram + gpa)));
	EXPECT_EQ(0x88, kvmmu_peek(self->ram + gpa + 8));
}

/*
 * A page the process never touched: the read maps the shared zero page,
 * which may not be written, so the write must take the slow path (a new
 * page, the fast path refusing), and the process sees the write in it.
 * The same after fork() for a page the process had written: the write
 * protected page goes the slow way and the child keeps its copy.
 */
TEST_F(mips, clean_not_writable_slow)
{
	const __u64 gpa = 200 * PG;
	struct kvmmu_vm_stats s0, s1, s2;
	__u64 zero, p2 = ram_page(self, 201, 3);
	int vcpu = self->vcpu, status, p2c[2];
	struct fdelta d;
	pid_t pid;
	char c;

	EXPECT_TRUE(acc_is(_metadata, vcpu, RD, gpa + 8, 0, 1));
	zero = kvmmu_pfn_of(self->ram + gpa);
	EXPECT_TRUE(tr_is(_metadata, vcpu, gpa, TR_P | TR_R | TR_A, zero));
	s0 = kvmmu_stats(_metadata, self->vm);
	EXPECT_TRUE(acc_is(_metadata, vcpu, WR, gpa + 8, 0x77, -1));
	s1 = kvmmu_stats(_metadata, self->vm);
	d = fdiff(&s0, &s1);
	EXPECT_EQ(1, d.faults) TH_LOG("the write to the zero page was not slow");
	EXPECT_EQ(0, d.fast) TH_LOG("the fast path dirtied the zero page");
	EXPECT_EQ(0x77, kvmmu_peek(self->ram + gpa + 8));
	EXPECT_NE(zero, kvmmu_pfn_of(self->ram + gpa));
	EXPECT_TRUE(tr_is(_metadata, vcpu, gpa, TR_P | TR_R | TR_W | TR_A | TR_D,
			  kvmmu_pfn_of(self->ram + gpa)));
	EXPECT_TRUE(rd_is(_metadata, vcpu, gpa + 8, 0x77));

	/* fork: the parent's pte is write protected, the mapping goes. */
	EXPECT_TRUE(wr_ok(_metadata, vcpu, p2 + 8, 0x1008));
	ASSERT_EQ(0, pipe(p2c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (read(p2c[0], &c, 1) != 1)
			_exit(10);
		_exit(kvmmu_peek(self->ram + p2 + 8) == 0x1008 &&
		      kvmmu_peek(self->ram + p2 + 16) == val(3, p2 + 16) ? 0 : 11);
	}
	EXPECT_TRUE(tr_is(_metadata, vcpu, p2, 0, 0))
		TH_LOG("the mapping survived fork's write protection");
	EXPECT_TRUE(acc_is(_metadata, vcpu, RD, p2 + 8, 0x1008, 1));
	EXPECT_TRUE(tr_is(_metadata, vcpu, p2, TR_P | TR_R | TR_A, 0));
	s1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_TRUE(acc_is(_metadata, vcpu, WR, p2 + 16, 0x1016, -1));
	s2 = kvmmu_stats(_metadata, self->vm);
	d = fdiff(&s1, &s2);
	EXPECT_EQ(1, d.faults) TH_LOG("the write to a COW page was not slow");
	EXPECT_EQ(0, d.fast) TH_LOG("the fast path dirtied a COW page");
	EXPECT_EQ(0x1016, kvmmu_peek(self->ram + p2 + 16));
	EXPECT_EQ(1, write(p2c[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("11: the child's page changed");
	close(p2c[0]);
	close(p2c[1]);
}

/*
 * A read-only slot: reads map pages young, never writable nor dirty;
 * writes fail with -EACCES each time, after reads, after aging, and in
 * the workload; the process's memory is unchanged.
 */
TEST_F(mips, readonly_slot)
{
	struct kvmmu_vm_stats s0, s1;
	struct kvmmu_run run;
	unsigned int i, k;
	__u64 gpa;
	int fd;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < ROM_PAGES; i += 5) {
			gpa = ROM_GPA + i * PG;
			EXPECT_TRUE(err_is(_metadata, self->vcpu, WR, gpa + 8,
					   -EACCES));
			EXPECT_TRUE(rd_is(_metadata, self->vcpu, gpa + 8,
					  val(0x70, gpa + 8)));
			EXPECT_TRUE(err_is(_metadata, self->vcpu, WR, gpa + 8,
					   -EACCES));
			EXPECT_TRUE(tr_is(_metadata, self->vcpu, gpa,
					  TR_P | TR_R | TR_A,
					  kvmmu_pfn_of(self->rom + i * PG)));
		}
		if (k)
			break;
		/* Aged, then written: still refused, still clean. */
		fd = open(KVMMU_PAGE_IDLE, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			break;
		kvmmu_lru_drain_all(self->rom);
		for (i = 0; i < ROM_PAGES; i += 5) {
			__u64 pfn = kvmmu_pfn_of(self->rom + i * PG), bit;

			bit = 1ULL << (pfn % 64);
			EXPECT_EQ(8, pwrite(fd, &bit, 8, pfn / 64 * 8));
		}
		close(fd);
		for (i = 0; i < ROM_PAGES; i += 5) {
			gpa = ROM_GPA + i * PG;
			EXPECT_TRUE(tr_is(_metadata, self->vcpu, gpa, TR_P | TR_R,
					  0));
		}
		s0 = kvmmu_stats(_metadata, self->vm);
		for (i = 0; i < ROM_PAGES; i += 5)
			EXPECT_TRUE(err_is(_metadata, self->vcpu, WR,
					   ROM_GPA + i * PG, -EACCES));
		s1 = kvmmu_stats(_metadata, self->vm);
		EXPECT_EQ(0, s1.faults - s0.faults);
	}
	EXPECT_EQ(0, kvmmu_run_workload(self->vcpu, &run, ROM_GPA, ROM_SIZE, 0,
					1, 1, KVMMU_RUN_WRITE));
	EXPECT_EQ(-EACCES, run.error);
	for (i = 0; i < ROM_PAGES; i++) {
		gpa = ROM_GPA + i * PG;
		EXPECT_EQ(val(0x70, gpa + 8), kvmmu_peek(self->rom + i * PG + 8));
		EXPECT_EQ(val(0x70, gpa), kvmmu_peek(self->rom + i * PG));
	}
	for (i = 0; i < ROM_PAGES; i++) {
		struct kvmmu_translation t;

		EXPECT_EQ(0, kvmmu_translate(self->vcpu, ROM_GPA + i * PG, &t));
		EXPECT_EQ(0, t.flags & (TR_W | TR_D)) TH_LOG("rom page %u", i);
	}
}

/*
 * Read-only host memory (mprotect PROT_READ) in a writable slot, after the
 * guest had the pages writable and dirty: reads work, the pages are no
 * longer writable nor dirty to the guest, writes fail with -EACCES and
 * change nothing; read-write again lets writes through.
 */
TEST_F(mips, host_readonly)
{
	const unsigned int n = 8;
	unsigned int i, k;
	__u64 gpa[8];

	for (i = 0; i < n; i++) {
		gpa[i] = ram_page(self, 300 + i, 4);
		EXPECT_TRUE(wr_ok(_metadata, self->vcpu, gpa[i] + 8, 0x80 + i));
		EXPECT_TRUE(tr_is(_metadata, self->vcpu, gpa[i],
				  TR_P | TR_R | TR_W | TR_A | TR_D, 0));
	}
	ASSERT_EQ(0, mprotect(self->ram + gpa[0], n * PG, PROT_READ));
	for (k = 0; k < 2; k++) {
		for (i = 0; i < n; i++) {
			EXPECT_TRUE(err_is(_metadata, self->vcpu, WR, gpa[i] + 8,
					   -EACCES));
			EXPECT_TRUE(rd_is(_metadata, self->vcpu, gpa[i] + 8,
					  0x80 + i));
			EXPECT_TRUE(tr_is(_metadata, self->vcpu, gpa[i],
					  TR_P | TR_R | TR_A,
					  kvmmu_pfn_of(self->ram + gpa[i])));
		}
	}
	ASSERT_EQ(0, mprotect(self->ram + gpa[0], n * PG,
			      PROT_READ | PROT_WRITE));
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(wr_ok(_metadata, self->vcpu, gpa[i] + 16, 0x90 + i));
		EXPECT_EQ(0x90 + i, kvmmu_peek(self->ram + gpa[i] + 16));
		EXPECT_EQ(0x80 + i, kvmmu_peek(self->ram + gpa[i] + 8));
	}
}

/*
 * Host aging: marking the pages idle makes them old (present, not
 * accessed; dirty pages stay dirty); the next guest access takes the fast
 * path (one fault, fast_faults + 1, no mapping installed, no host lookup)
 * and the page is young again; idle page tracking then sees the pages the
 * guest used, and only those.  A clean page aged and then written takes
 * one fast fault for both.
 */
TEST_F(mips, aging_fast_young)
{
	const unsigned int n = 32;
	struct kvmmu_vm_stats s0, s1, s2, s3;
	unsigned int i, bad, want;
	__u64 gpa[32], pfn[32];
	int vcpu = self->vcpu, fd, idle;
	struct fdelta d;

	fd = open(KVMMU_PAGE_IDLE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no idle page tracking: %s", strerror(errno));
	/* Odd pages written by the guest, even ones read. */
	for (i = 0; i < n; i++) {
		gpa[i] = ram_page(self, 400 + 2 * i, 5);
		if (i % 2) {
			EXPECT_TRUE(wr_ok(_metadata, vcpu, gpa[i] + 8, i));
		} else {
			EXPECT_TRUE(rd_is(_metadata, vcpu, gpa[i] + 8,
					  val(5, gpa[i] + 8)));
		}
	}
	kvmmu_lru_drain_all(self->ram + gpa[0]);
	for (i = 0; i < n; i++) {
		pfn[i] = kvmmu_pfn_of(self->ram + gpa[i]);
		ASSERT_NE(0, pfn[i]);
	}

	s0 = kvmmu_stats(_metadata, self->vm);
	ASSERT_EQ(0, kvmmu_idle_mark(fd, pfn, n));
	s1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LE(s0.young_cleared + n, s1.young_cleared);
	EXPECT_EQ(s0.mapped_pages, s1.mapped_pages) TH_LOG("aging unmapped");
	for (bad = 0, i = 0; i < n; i++)
		bad += !tr_is(_metadata, vcpu, gpa[i],
			      TR_P | TR_R | (i % 2 ? TR_W | TR_D : 0), pfn[i]);
	EXPECT_EQ(0, bad) TH_LOG("not old after aging");

	/* Reads of all: one fast fault each. */
	for (bad = 0, i = 0; i < n; i++)
		bad += !acc_is(_metadata, vcpu, RD, gpa[i] + 8,
			       i % 2 ? i : val(5, gpa[i] + 8), 1);
	EXPECT_EQ(0, bad);
	s2 = kvmmu_stats(_metadata, self->vm);
	d = fdiff(&s1, &s2);
	EXPECT_EQ(n, d.fast);
	EXPECT_EQ(0, d.faults);
	EXPECT_EQ(0, d.slow);
	for (bad = 0, i = 0; i < n; i++)
		bad += !tr_is(_metadata, vcpu, gpa[i],
			      TR_P | TR_R | TR_A | (i % 2 ? TR_W | TR_D : 0),
			      pfn[i]);
	EXPECT_EQ(0, bad);
	for (bad = 0, i = 0; i < n; i++) {
		idle = kvmmu_idle_test(fd, pfn[i]);
		ASSERT_LE(0, idle);
		bad += idle;
	}
	EXPECT_EQ(0, bad) TH_LOG("pages the guest read are idle");

	/*
	 * Again; the guest uses pages 0 mod 4 (clean: written now, one fast
	 * fault for young and dirty) and 1 mod 4 (dirty: read); the rest
	 * stays idle and old.
	 */
	ASSERT_EQ(0, kvmmu_idle_mark(fd, pfn, n));
	for (bad = 0, i = 0; i < n; i++) {
		if (i % 4 == 0)
			bad += !acc_is(_metadata, vcpu, WR, gpa[i] + 16, 0x100 + i, 1);
		else if (i % 4 == 1)
			bad += !acc_is(_metadata, vcpu, RD, gpa[i] + 8, i, 1);
	}
	EXPECT_EQ(0, bad);
	s3 = kvmmu_stats(_metadata, self->vm);
	d = fdiff(&s2, &s3);
	EXPECT_EQ(n / 2, d.fast);
	EXPECT_EQ(0, d.faults);
	for (bad = 0, i = 0; i < n; i++) {
		want = i % 4 < 2 ? TR_P | TR_R | TR_A | TR_W | TR_D :
		       TR_P | TR_R | (i % 2 ? TR_W | TR_D : 0);
		bad += !tr_is(_metadata, vcpu, gpa[i], want, pfn[i]);
	}
	/* (reading the bitmap ages every page of its word: TRANSLATE first) */
	for (i = 0; i < n; i++) {
		idle = kvmmu_idle_test(fd, pfn[i]);
		ASSERT_LE(0, idle);
		if (idle != (i % 4 >= 2) && bad++ < 4)
			TH_LOG("page %u: %s", i,
			       idle ? "idle, but the guest used it"
				    : "not idle, nobody touched it");
	}
	EXPECT_EQ(0, bad);
	close(fd);
	for (i = 0; i < n; i += 4)
		EXPECT_EQ(0x100 + i, kvmmu_peek(self->ram + gpa[i] + 16));
}

/* ------------------------------------------------------------------ */
/* 3. Host events and the TLBs of two vCPUs */

/*
 * Both vCPUs use the page @gpa (and its pair neighbour, which shares
 * their TLB entry) right before the host event: the event must take the
 * page out of both TLBs.
 */
struct two {
	int vcpu[2];
	__u64 gpa;		/* even: the page of the event */
	__u64 pair;		/* gpa + PG: the other half of the entry */
	char *ram;
};

static void two_use(struct __test_metadata *_metadata, struct two *t,
		    bool write, __u64 v)
{
	int k;

	for (k = 0; k < 2; k++) {
		if (write)
			EXPECT_TRUE(wr_ok(_metadata, t->vcpu[k], t->gpa + 8 * k,
					  v + k));
		EXPECT_TRUE(rd_is(_metadata, t->vcpu[k], t->gpa + 8 * k,
				  kvmmu_peek(t->ram + t->gpa + 8 * k)));
		EXPECT_TRUE(rd_is(_metadata, t->vcpu[k], t->pair,
				  kvmmu_peek(t->ram + t->pair)));
	}
}

/* Both vCPUs read, at three offsets, what the process reads. */
static unsigned int two_check(struct __test_metadata *_metadata,
			      struct two *t)
{
	static const unsigned int off[] = { 0, 8, 2048 };
	unsigned int bad = 0, i;
	int k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < ARRAY_SIZE(off); i++)
			bad += !rd_is(_metadata, t->vcpu[k], t->gpa + off[i],
				      kvmmu_peek(t->ram + t->gpa + off[i]));
	for (k = 0; k < 2; k++)
		bad += !rd_is(_metadata, t->vcpu[k], t->pair,
			      kvmmu_peek(t->ram + t->pair));
	return bad;
}

static void two_setup(struct __test_metadata *_metadata,
		      struct _test_data_mips *self, struct two *t,
		      unsigned int page)
{
	t->vcpu[0] = self->vcpu;
	t->vcpu[1] = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, t->vcpu[1]);
	t->ram = self->ram;
	t->gpa = ram_page(self, page & ~1U, 6);
	t->pair = ram_page(self, (page & ~1U) + 1, 7);
}

/*
 * MADV_DONTNEED: both vCPUs read zeroes, the mapping is gone; then the
 * process writes the page (a new page replaces the zero page both vCPUs
 * now map) and both read that; a guest write by one is read by the other.
 */
TEST_F(mips, tlb_dontneed)
{
	struct two t;

	two_setup(_metadata, self, &t, 500);
	two_use(_metadata, &t, true, 0x500);
	ASSERT_EQ(0, madvise(self->ram + t.gpa, PG, MADV_DONTNEED));
	EXPECT_TRUE(tr_is(_metadata, t.vcpu[0], t.gpa, 0, 0));
	EXPECT_TRUE(tr_is(_metadata, t.vcpu[1], t.gpa, 0, 0));
	EXPECT_EQ(0, two_check(_metadata, &t));
	EXPECT_TRUE(rd_is(_metadata, t.vcpu[1], t.gpa + 8, 0));
	kvmmu_poke(self->ram + t.gpa + 8, 0x5108);
	EXPECT_EQ(0, two_check(_metadata, &t));
	EXPECT_TRUE(rd_is(_metadata, t.vcpu[0], t.gpa + 8, 0x5108));
	EXPECT_TRUE(wr_ok(_metadata, t.vcpu[0], t.gpa + 16, 0x5116));
	EXPECT_TRUE(rd_is(_metadata, t.vcpu[1], t.gpa + 16, 0x5116));
	EXPECT_EQ(0x5116, kvmmu_peek(self->ram + t.gpa + 16));
	EXPECT_EQ(0, two_check(_metadata, &t));
	close(t.vcpu[1]);
}

/*
 * mprotect: PROT_READ after both vCPUs wrote (their TLBs could write):
 * neither may write any more; PROT_NONE: neither may read (-EFAULT);
 * read-write: both write again.
 */
TEST_F(mips, tlb_mprotect)
{
	struct two t;
	int k;

	two_setup(_metadata, self, &t, 510);
	two_use(_metadata, &t, true, 0x510);
	ASSERT_EQ(0, mprotect(self->ram + t.gpa, PG, PROT_READ));
	for (k = 0; k < 2; k++)
		EXPECT_TRUE(err_is(_metadata, t.vcpu[k], WR, t.gpa + 64, -EACCES))
			TH_LOG("vcpu %d wrote read-only memory", k);
	EXPECT_EQ(val(6, t.gpa + 64), kvmmu_peek(self->ram + t.gpa + 64));
	EXPECT_EQ(0, two_check(_metadata, &t));
	ASSERT_EQ(0, mprotect(self->ram + t.gpa, PG, PROT_NONE));
	for (k = 0; k < 2; k++)
		EXPECT_TRUE(err_is(_metadata, t.vcpu[k], RD, t.gpa, -EFAULT))
			TH_LOG("vcpu %d read PROT_NONE memory", k);
	ASSERT_EQ(0, mprotect(self->ram + t.gpa, PG, PROT_READ | PROT_WRITE));
	for (k = 0; k < 2; k++)
		EXPECT_TRUE(wr_ok(_metadata, t.vcpu[k], t.gpa + 72 + 8 * k,
				  0x72 + k));
	EXPECT_EQ(0x73, kvmmu_peek(self->ram + t.gpa + 80));
	EXPECT_EQ(0, two_check(_metadata, &t));
	ASSERT_EQ(0, munmap(self->ram + t.gpa, PG));
	for (k = 0; k < 2; k++)
		EXPECT_TRUE(err_is(_metadata, t.vcpu[k], RD, t.gpa, -EFAULT));
	EXPECT_TRUE(rd_is(_metadata, t.vcpu[1], t.pair, val(7, t.pair)));
	close(t.vcpu[1]);
}

/*
 * move_pages() to the other node, then the process writes the new page:
 * a vCPU still using the old frame would read the old value.
 */
TEST_F(mips, tlb_migrate)
{
	void *pages[1];
	int node = -1, status = -1, r;
	__u64 old;
	struct two t;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");
	two_setup(_metadata, self, &t, 520);
	pages[0] = self->ram + t.gpa;
	for (r = 0; r < 2; r++) {
		two_use(_metadata, &t, r, 0x520);
		old = kvmmu_pfn_of(self->ram + t.gpa);
		ASSERT_EQ(0, kvmmu_move_pages(1, pages, NULL, &node, 0));
		ASSERT_LE(0, node);
		node = !node;
		ASSERT_EQ(0, kvmmu_move_pages(1, pages, &node, &status, MPOL_MF_MOVE));
		ASSERT_EQ(node, status);
		ASSERT_NE(old, kvmmu_pfn_of(self->ram + t.gpa));
		EXPECT_TRUE(tr_is(_metadata, t.vcpu[1], t.gpa, 0, 0));
		kvmmu_poke(self->ram + t.gpa + 8, 0x5200 + r);
		EXPECT_EQ(0, two_check(_metadata, &t));
		EXPECT_TRUE(tr_is(_metadata, t.vcpu[0], t.gpa,
				  TR_P | TR_R | TR_A, kvmmu_pfn_of(self->ram + t.gpa)));
	}
	close(t.vcpu[1]);
}

/*
 * KSM merges the page (both vCPUs had it dirty) with a twin; the process
 * then writes it (its own COW): both vCPUs read the process's new page,
 * and a guest write afterwards goes there too, never to the twin.
 */
TEST_F_TIMEOUT(mips, tlb_ksm, 90)
{
	__u64 twin = 530 * PG, merged = 0;
	unsigned int ms;
	char shared[32] = "?";
	struct two t;

	if (access(KVMMU_KSM_DIR "run", W_OK))
		SKIP(return, "no KSM in this kernel");
	two_setup(_metadata, self, &t, 532);
	two_use(_metadata, &t, true, 0x530);
	memcpy(self->ram + twin, self->ram + t.gpa, PG);
	ASSERT_EQ(0, madvise(self->ram + t.gpa, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, madvise(self->ram + twin, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, kvmmu_ksm_start(&self->hs, 1000, 5));
	merged = kvmmu_ksm_wait_merged(self->ram + t.gpa, self->ram + twin, 30000,
				       shared, sizeof(shared), &ms);
	ASSERT_NE(0, merged) TH_LOG("not merged after 30 s (pages_sharing %s)",
				    shared);

	/* Merged: readable by both, writable by neither without a fault. */
	EXPECT_EQ(0, two_check(_metadata, &t));
	EXPECT_TRUE(tr_is(_metadata, t.vcpu[0], t.gpa, TR_P | TR_R | TR_A,
			  merged));
	kvmmu_poke(self->ram + t.gpa + 8, 0x5308);
	EXPECT_NE(merged, kvmmu_pfn_of(self->ram + t.gpa));
	EXPECT_EQ(0, two_check(_metadata, &t));
	EXPECT_TRUE(wr_ok(_metadata, t.vcpu[1], t.gpa + 16, 0x5316));
	EXPECT_TRUE(rd_is(_metadata, t.vcpu[0], t.gpa + 16, 0x5316));
	EXPECT_EQ(0x5316, kvmmu_peek(self->ram + t.gpa + 16));
	EXPECT_EQ(merged, kvmmu_pfn_of(self->ram + twin));
	EXPECT_EQ(0x531, kvmmu_peek(self->ram + twin + 8));	/* vcpu 1's write */
	EXPECT_EQ(val(6, t.gpa + 16), kvmmu_peek(self->ram + twin + 16));
	close(t.vcpu[1]);
}

/* MADV_PAGEOUT until swapped out; true if it is. */
static bool page_out(char *p)
{
	int pass;

	for (pass = 0; pass < 10; pass++) {
		kvmmu_lru_drain_all(p);
		madvise(p, PG, MADV_PAGEOUT);
		if (kvmmu_pagemap_raw(p) & KVMMU_PM_SWAP)
			return true;
	}
	return false;
}

/*
 * Swap-out to zram: both vCPUs read the page back in; then out again and
 * the process writes it first: both read the process's value.
 */
TEST_F_TIMEOUT(mips, tlb_swap, 60)
{
	struct two t;
	int err;

	err = kvmmu_swap_on(_metadata, &self->hs);
	if (err == -ENODEV)
		SKIP(return, "no zram in this kernel or the initramfs");
	two_setup(_metadata, self, &t, 540);
	two_use(_metadata, &t, true, 0x540);
	ASSERT_TRUE(page_out(self->ram + t.gpa));
	EXPECT_TRUE(tr_is(_metadata, t.vcpu[0], t.gpa, 0, 0));
	EXPECT_TRUE(rd_is(_metadata, t.vcpu[1], t.gpa + 8, 0x541));
	EXPECT_EQ(0, two_check(_metadata, &t));
	two_use(_metadata, &t, true, 0x550);
	ASSERT_TRUE(page_out(self->ram + t.gpa));
	kvmmu_poke(self->ram + t.gpa + 8, 0x5508);
	EXPECT_EQ(0, two_check(_metadata, &t));
	EXPECT_TRUE(rd_is(_metadata, t.vcpu[0], t.gpa + 8, 0x5508));
	close(t.vcpu[1]);
}

/*
 * fork(): both vCPUs had the page writable in their TLBs; after the fork
 * their writes must go to the parent's own copy, never to the page the
 * child keeps.
 */
TEST_F(mips, tlb_fork)
{
	int status, p2c[2], k;
	struct two t;
	pid_t pid;
	char c;

	two_setup(_metadata, self, &t, 560);
	two_use(_metadata, &t, true, 0x560);
	ASSERT_EQ(0, pipe(p2c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (read(p2c[0], &c, 1) != 1)
			_exit(10);
		if (kvmmu_peek(self->ram + t.gpa) != 0x560 ||
		    kvmmu_peek(self->ram + t.gpa + 8) != 0x561 ||
		    kvmmu_peek(self->ram + t.gpa + 24) != val(6, t.gpa + 24) ||
		    kvmmu_peek(self->ram + t.pair + 24) != val(7, t.pair + 24))
			_exit(11);
		_exit(0);
	}
	for (k = 0; k < 2; k++) {
		EXPECT_TRUE(wr_ok(_metadata, t.vcpu[k], t.gpa + 8 * k, 0xf0 + k));
		EXPECT_TRUE(wr_ok(_metadata, t.vcpu[k], t.gpa + 24, 0xf2 + k));
		EXPECT_TRUE(wr_ok(_metadata, t.vcpu[k], t.pair + 24, 0xf4 + k));
	}
	EXPECT_EQ(0xf0, kvmmu_peek(self->ram + t.gpa));
	EXPECT_EQ(0xf1, kvmmu_peek(self->ram + t.gpa + 8));
	EXPECT_EQ(0xf3, kvmmu_peek(self->ram + t.gpa + 24));
	EXPECT_EQ(0xf5, kvmmu_peek(self->ram + t.pair + 24));
	EXPECT_EQ(0, two_check(_metadata, &t));
	EXPECT_EQ(1, write(p2c[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("11: a vCPU wrote the page the child keeps");
	close(p2c[0]);
	close(p2c[1]);
	close(t.vcpu[1]);
}

/*
 * Aging with two vCPUs: the page goes old in both TLBs, each vCPU's next
 * access takes the fast path; one vCPU's write to a page the other maps
 * clean is seen by the other.
 */
TEST_F(mips, tlb_aging)
{
	struct kvmmu_vm_stats s0, s1;
	struct two t;
	__u64 pfn;
	int fd;

	fd = open(KVMMU_PAGE_IDLE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no idle page tracking: %s", strerror(errno));
	two_setup(_metadata, self, &t, 570);
	two_use(_metadata, &t, false, 0);
	kvmmu_lru_drain_all(self->ram + t.gpa);
	pfn = kvmmu_pfn_of(self->ram + t.gpa);
	ASSERT_EQ(0, kvmmu_idle_mark(fd, &pfn, 1));
	EXPECT_TRUE(tr_is(_metadata, t.vcpu[1], t.gpa, TR_P | TR_R, pfn));
	s0 = kvmmu_stats(_metadata, self->vm);
	EXPECT_TRUE(acc_is(_metadata, t.vcpu[1], RD, t.gpa + 8,
			   val(6, t.gpa + 8), 1));
	/* vcpu 0 missed in its TLB too; the pte is young: it refills. */
	EXPECT_TRUE(acc_is(_metadata, t.vcpu[0], RD, t.gpa + 16,
			   val(6, t.gpa + 16), -1));
	EXPECT_TRUE(acc_is(_metadata, t.vcpu[0], WR, t.gpa + 16, 0x5716, 1));
	EXPECT_TRUE(acc_is(_metadata, t.vcpu[1], RD, t.gpa + 16, 0x5716, -1));
	s1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(0, s1.faults - s0.faults);
	EXPECT_LE(2, s1.fast_faults - s0.fast_faults);
	EXPECT_EQ(0, kvmmu_idle_test(fd, pfn));
	EXPECT_EQ(0, two_check(_metadata, &t));
	close(fd);
	close(t.vcpu[1]);
}

/*
 * Memslot changes: both vCPUs used pages of the read-only slot; once it is
 * deleted neither reaches them (-ENOENT), and registered again elsewhere
 * the pages are found at the new address only.
 */
TEST_F(mips, tlb_memslot)
{
	const __u64 moved = 0x20000000ULL;
	unsigned int i;
	int vcpu1, k, vcpu[2];

	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);
	vcpu[0] = self->vcpu;
	vcpu[1] = vcpu1;
	for (k = 0; k < 2; k++)
		for (i = 0; i < 8; i++)
			EXPECT_TRUE(rd_is(_metadata, vcpu[k], ROM_GPA + i * PG,
					  val(0x70, ROM_GPA + i * PG)));
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, KVMMU_MEM_READONLY, ROM_GPA,
				      0, self->rom));
	for (k = 0; k < 2; k++)
		for (i = 0; i < 8; i++)
			EXPECT_TRUE(err_is(_metadata, vcpu[k], RD,
					   ROM_GPA + i * PG, -ENOENT))
				TH_LOG("vcpu %d, deleted slot page %u", k, i);
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, KVMMU_MEM_READONLY, moved,
				      ROM_SIZE, self->rom));
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 8; i++) {
			EXPECT_TRUE(err_is(_metadata, vcpu[k], RD,
					   ROM_GPA + i * PG, -ENOENT));
			EXPECT_TRUE(rd_is(_metadata, vcpu[k], moved + i * PG,
					  val(0x70, ROM_GPA + i * PG)));
			EXPECT_TRUE(err_is(_metadata, vcpu[k], WR,
					   moved + i * PG, -EACCES));
		}
	}
	close(vcpu1);
}

/* ------------------------------------------------------------------ */
/* 4. Stress */

#define NR_DROP		32
#define DROP_PAGE	2048	/* drop slots: RAM pages from here */
#define W_GPA		(4ULL << 20)	/* the workload's 1 MiB */
#define W_SIZE		0x100000ULL
#define W_STRIDE	(PG + 8)
#define STRESS_MS	3000
#define STRESS_MAX_MS	30000

static __u64 dgpa(unsigned int j)
{
	return (DROP_PAGE + (__u64)j) * PG;
}

/*
 * Two vCPUs read the drop slots in a loop (one also runs the verified
 * workload) while the process drops and rewrites slot pages, ages the
 * workload's pages through page_idle and migrates them when there are two
 * nodes: every value read is checked, and aging shows as fast faults.
 */
TEST_F_TIMEOUT(mips, stress, 90)
{
	struct kvmmu_vm_stats s0, s1;
	struct kvmmu_stress s;
	struct kvmmu_stress_vcpu *th[2];
	unsigned long drops = 0, ages = 0, moves = 0;
	unsigned int i, j, rnd;
	bool numa = kvmmu_nr_nodes() > 1;
	int fd, vcpu1;
	__u64 pfn[16];

	kvmmu_stress_init(&s, STRESS_MS, STRESS_MAX_MS);
	for (j = 0; j < NR_DROP; j++)
		kvmmu_stress_add_read(&s, dgpa(j),
				      kvmmu_stress_add_drop(&s, j,
							    self->ram + dgpa(j)));
	fd = open(KVMMU_PAGE_IDLE, O_RDWR | O_CLOEXEC);
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);
	th[0] = kvmmu_stress_add_vcpu(&s, self->vcpu, true, 50);
	th[1] = kvmmu_stress_add_vcpu(&s, vcpu1, true, 20);
	th[1]->wl_gpa = W_GPA;
	th[1]->wl_size = W_SIZE;
	th[1]->wl_stride = W_STRIDE;
	s0 = kvmmu_stats(_metadata, self->vm);
	ASSERT_EQ(0, kvmmu_stress_start(&s));

	while (kvmmu_stress_running(&s, drops, 300)) {
		rnd = kvmmu_stress_rand(&s);
		j = rnd / 65536 % NR_DROP;
		EXPECT_EQ(0, kvmmu_stress_drop(&s, j));
		drops++;
		if (fd >= 0 && drops % 8 == 0) {
			if (drops % 128 == 8)
				kvmmu_lru_drain_all(self->ram + W_GPA);
			for (i = 0; i < 16; i++)
				pfn[i] = kvmmu_pfn_of(self->ram + W_GPA +
						      (rnd / 16 + i * 16) % (W_SIZE / PG) * PG);
			for (i = 0; i < 16; i++)
				if (pfn[i])
					kvmmu_idle_mark(fd, &pfn[i], 1);
			ages++;
		}
		if (numa && drops % 16 == 0)
			moves += kvmmu_migrate_page(self->ram + W_GPA +
						    rnd / 256 % (W_SIZE / PG) * PG);
	}
	kvmmu_stress_stop(&s);
	s1 = kvmmu_stats(_metadata, self->vm);

	for (i = 0; i < 2; i++) {
		kvmmu_stress_log(_metadata, th[i]);
		EXPECT_EQ(0, th[i]->bad);
		EXPECT_EQ(0, th[i]->run_bad);
		EXPECT_LE(10, th[i]->rounds);
	}
	TH_LOG("%lu workload runs, %lu bad; %lu drops, %lu agings, %lu migrations in %ld ms",
	       th[1]->runs, th[1]->run_bad, drops, ages, moves,
	       kvmmu_ms_since(&s.t0));
	TH_LOG("faults %llu, fast_faults %llu, gup_slow %llu",
	       (unsigned long long)(s1.faults - s0.faults),
	       (unsigned long long)(s1.fast_faults - s0.fast_faults),
	       (unsigned long long)(s1.gup_slow - s0.gup_slow));
	EXPECT_LE(5, th[1]->runs);
	EXPECT_LE(50, drops);
	if (fd >= 0 && ages)
		EXPECT_LT(0, s1.fast_faults - s0.fast_faults);

	/* At rest, everything is exact, and the workload data too. */
	th[0]->bad = 0;
	th[0]->loose = 0;
	kvmmu_stress_round(th[0]);
	EXPECT_EQ(0, th[0]->bad);
	EXPECT_EQ(0, th[0]->loose);
	if (fd >= 0)
		close(fd);
	close(vcpu1);
}

int main(int argc, char **argv)
{
	return kvmmu_backend_test_main(argc, argv, KVMMU_VM_MIPS, "MIPS",
				       false);
}
