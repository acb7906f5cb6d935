// SPDX-License-Identifier: GPL-2.0
/*
 * Fixed-time stress of the secondary MMU against the host mm: vCPU threads
 * read and write guest memory (access batches and in-kernel workloads)
 * while one thread churns memslots over part of that memory and another
 * zaps, unmaps, remaps, protects and pages it out.  Every value read is
 * checked, and so is every access result.
 *
 * Memory: four regions of RPAGES pages.
 *   S  slot 0 at GPA_S (stable), and slot 4 at GPA_S_ALIAS (created and
 *      deleted by the slot churner: two slots on the same hva)
 *   A  slot 2 at GPA_A_ALIAS (stable), and slot 1 at GPA_A1 or GPA_A2
 *   B  slot 1 at GPA_B1 or GPA_B2 (slot 1 is deleted and re-created with
 *      B's hva, then moved, then deleted: each gpa has one possible hva)
 *   W  slot 3 at GPA_W: in-kernel workloads, one sub-range per vCPU
 * The memory churner may destroy the content of S, A and B (DONTNEED,
 * munmap + mmap, MADV_FREE) but only protects or pages out W.
 *
 * Values: in S, A and B, WPP words per page are checked; word k of a page
 * belongs to vCPU thread k % NR_VCPUS alone, which writes
 * VAL(word id, generation), the generation growing with every write.  So
 * a read of a word may only return 0 (after a host zap) or the last value
 * its owner wrote successfully.  Host operations are published through
 * sequence counters (odd while one runs), which make some reads exact:
 *   - no content-changing op since the write began: the last value;
 *   - a zeroing op that began after the write ended and finished before
 *     the read began: 0;
 *   - once a read saw 0, the word stays 0 until its owner writes again;
 *   - the access results while a protection window is certainly in force
 *     (-EACCES writes under PROT_READ, -EFAULT under PROT_NONE), and 0 when
 *     no host op at all overlapped the batch.
 * Translations are checked against the windows (no writable spte under
 * PROT_READ, nothing readable under PROT_NONE) and, when no host op runs,
 * their pfn against /proc/self/pagemap.  Workloads write kvmmu_run_pattern()
 * once and then verify it: no mismatch ever, and errors only in windows.
 *
 * The duration is KVMMU_STRESS_SECONDS (default 10, or 4 on a kernel with
 * kmemleak or KASAN), extended (to at most 4 times that, 30 s at least)
 * until every check below has had something to check.  If no swap is on
 * and zram0 is free (zram loaded from the initramfs where it is a
 * module), zram0 becomes swap for the run, so MADV_PAGEOUT really swaps.
 *
 * Every VM is of the type kvmmu_vm_type() names: tests/qemu/init runs this
 * once per VM type the module offers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvmmu_test.h"

#define PG		PAGE_SIZE_4K
#define NR_VCPUS	3
#define RPAGES		64		/* pages per region */
enum { R_S, R_A, R_B, R_W, NR_REGIONS };
#define NR_PAGES	(NR_REGIONS * RPAGES)
#define NR_DPAGES	(R_W * RPAGES)	/* pages of S, A and B */
#define WPP		16		/* checked words per page */
#define WSTRIDE		(PG / WPP)
#define NR_WORDS	(NR_DPAGES * WPP)
#define W_PAGES		(RPAGES / NR_VCPUS)	/* workload pages per vCPU */
#define BATCH_MAX	(4 * WPP * 2)
#define MAX_FAILS	16
#define MAX_SECONDS	100

#define GPA_S		0x0ULL
#define GPA_A1		0x1000000ULL
#define GPA_A2		0x2000000ULL
#define GPA_B1		0x3000000ULL
#define GPA_B2		0x4000000ULL
#define GPA_A_ALIAS	0x5000000ULL
#define GPA_W		0x6000000ULL
#define GPA_S_ALIAS	0x7000000ULL

enum { SLOT_S, SLOT_MOVING, SLOT_A_ALIAS, SLOT_W, SLOT_S_ALIAS };

#define TAG(wid)	(0x5eed0000U | (wid))
#define VAL(wid, gen)	((__u64)TAG(wid) << 32 | (gen))

/* The ways to a word: stable slot, or a slot the churner moves/deletes. */
enum { P_STABLE, P_TRANSIENT };

enum {
	C_BATCHES, C_OK, C_ENOENT, C_EFAULT, C_EACCES, C_READS, C_ZEROS,
	C_EXACT_LAST, C_EXACT_ZERO, C_IN_WINDOW, C_TR_WINDOW, C_TR_PFN,
	C_WL_RUNS, C_WL_DONE, C_WL_ERR, C_WL_ACCESSES, C_WL_FAULTS,
	C_WL_RETRIES, NR_CNT
};

static const char * const cnt_name[NR_CNT] = {
	"batches", "ok", "enoent", "efault", "eacces", "reads", "zeroes",
	"exact-last", "exact-zero", "in-window", "tr-window", "tr-pfn",
	"wl-runs", "wl-done", "wl-err", "wl-accesses", "wl-faults",
	"wl-retries",
};

enum {
	OP_DONTNEED, OP_REMAP, OP_FREE, OP_RO, OP_NONE, OP_PAGEOUT, OP_CHECK,
	NR_OPS
};

static const char * const op_name[NR_OPS] = {
	"dontneed", "munmap+mmap", "free", "ro-window", "none-window",
	"pageout", "host-check",
};

struct stress {
	int vm, pagemap;
	char *mem;
	__u64 seed;
	int stop;
	/*
	 * Host operations, published by the memory churner:
	 * dseq: odd while an op that may change content runs;
	 * zseq[page]: dseq at the end of the last op that zeroed the page;
	 * wseq: protection windows, 4k+1 changing, 4k+2 in force over
	 *	 win_first/win_pages with win_prot, 4k+3 changing back;
	 * oseq: odd while any host op runs.
	 */
	__u64 dseq, wseq, oseq;
	__u64 zseq[NR_DPAGES];
	int win_first, win_pages, win_prot;
	int w_ready[NR_VCPUS];
	__u64 slot_ops, slot_cycles;
	__u64 ops[NR_OPS];
	int pageout_unsupported;
	pthread_mutex_t lock;
	int nfail;
	char fail[MAX_FAILS][240];
};

struct vcpu_thread {
	struct stress *s;
	pthread_t th;
	int id, fd;
	__u64 rng;
	__u32 gen;
	int guess_a, guess_b;
	__u32 last[NR_WORDS];		/* last generation written, 0: none */
	__u64 ws[NR_WORDS], we[NR_WORDS];	/* dseq around that write */
	unsigned char zero_seen[NR_WORDS];
	__u64 n[NR_CNT];
};

/* What a batch's checks know about the host ops that overlapped it. */
struct batch_ctx {
	__u64 ds1, ds2, ws1, ws2, os1, os2;
	int win_first, win_pages, win_prot;
	bool certain;		/* one window in force throughout */
};

struct acc_meta {
	int wid, path;
	__u32 gen;
};

static __u64 ld(__u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void st(__u64 *p, __u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static void bump(__u64 *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST);
}

/*
 * Has the run seen everything its checks ask for at least once: every
 * vCPU accessing and finishing a workload, every host operation, an
 * access inside a protection window, an exact read?  On a slow kernel
 * (debug, a loaded machine) the fixed duration may not be enough for all
 * of it; the run goes on until it is, up to a cap.  The counters are read
 * while their threads write them: a stale value only delays the end.
 */
static bool covered(struct stress *s, struct vcpu_thread *t)
{
	__u64 in_window = 0, exact = 0;
	int i;

	for (i = 0; i < NR_VCPUS; i++) {
		if (!ld(&t[i].n[C_OK]) || !ld(&t[i].n[C_READS]) ||
		    !ld(&t[i].n[C_WL_DONE]))
			return false;
		in_window += ld(&t[i].n[C_IN_WINDOW]);
		exact += ld(&t[i].n[C_EXACT_LAST]);
	}
	for (i = 0; i < NR_OPS; i++)
		if (!ld(&s->ops[i]))
			return false;
	return in_window && exact && ld(&s->slot_cycles);
}

static int ld_int(int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void st_int(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static __u64 rnd(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Between churn steps: mostly none, sometimes a yield, sometimes a sleep
 * (which lasts a jiffy or more on the test kernels).
 */
static void pause_a_bit(__u64 *rng)
{
	switch (rnd(rng) % 4) {
	case 0:
		usleep(100);
		break;
	case 1:
		sched_yield();
		break;
	}
}

static void fail(struct stress *s, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&s->lock);
	if (s->nfail < MAX_FAILS) {
		va_start(ap, fmt);
		vsnprintf(s->fail[s->nfail], sizeof(s->fail[0]), fmt, ap);
		va_end(ap);
	}
	if (++s->nfail >= 100)
		st_int(&s->stop, 1);
	pthread_mutex_unlock(&s->lock);
}

static __u64 *word_hva(struct stress *s, int wid)
{
	return (__u64 *)(s->mem + (wid / WPP) * PG + (wid % WPP) * WSTRIDE);
}

/* gpa of word @wid by @path; -1 if there is no such path. */
static __u64 word_gpa(struct vcpu_thread *t, int wid, int path)
{
	int page = wid / WPP;
	__u64 off = (page % RPAGES) * PG + (wid % WPP) * WSTRIDE;

	switch (page / RPAGES) {
	case R_S:
		return (path == P_STABLE ? GPA_S : GPA_S_ALIAS) + off;
	case R_A:
		if (path == P_STABLE)
			return GPA_A_ALIAS + off;
		return (t->guess_a ? GPA_A2 : GPA_A1) + off;
	default:
		if (path == P_STABLE)
			return -1ULL;
		return (t->guess_b ? GPA_B2 : GPA_B1) + off;
	}
}

/* A gpa on a stable slot for global page @page, or -1 (region B). */
static __u64 page_gpa_stable(int page)
{
	__u64 off = (page % RPAGES) * PG;

	switch (page / RPAGES) {
	case R_S:
		return GPA_S + off;
	case R_A:
		return GPA_A_ALIAS + off;
	case R_W:
		return GPA_W + off;
	default:
		return -1ULL;
	}
}

static void ctx_begin(struct stress *s, struct batch_ctx *c)
{
	c->os1 = ld(&s->oseq);
	c->ds1 = ld(&s->dseq);
	c->ws1 = ld(&s->wseq);
	c->win_first = ld_int(&s->win_first);
	c->win_pages = ld_int(&s->win_pages);
	c->win_prot = ld_int(&s->win_prot);
}

static void ctx_end(struct stress *s, struct batch_ctx *c)
{
	c->ws2 = ld(&s->wseq);
	c->ds2 = ld(&s->dseq);
	c->os2 = ld(&s->oseq);
	c->certain = c->ws1 == c->ws2 && c->ws1 % 4 == 2;
}

static bool in_window(struct batch_ctx *c, int page)
{
	return c->certain && page >= c->win_first &&
	       page < c->win_first + c->win_pages;
}

/* No host op that could fail an access overlapped the batch at @page. */
static bool quiet(struct batch_ctx *c, int page)
{
	return c->ds1 == c->ds2 && !(c->ds1 & 1) && c->ws1 == c->ws2 &&
	       (c->ws1 % 4 == 0 || (c->ws1 % 4 == 2 && !in_window(c, page)));
}

static __u64 even_up(__u64 x)
{
	return (x + 1) & ~1ULL;
}

/* Checks one access's result and, for a read, its value; updates state. */
static void check_access(struct vcpu_thread *t, struct batch_ctx *c,
			 struct acc_meta *m, struct kvmmu_access *a)
{
	struct stress *s = t->s;
	bool wr = a->type == KVMMU_ACCESS_WRITE;
	int wid = m->wid, page = wid / WPP, r = a->result, want;
	bool exact_last, exact_zero;
	__u64 v = a->data, z;

	if (r == -ENOENT) {
		if (m->path == P_STABLE)
			fail(s, "vcpu %d: %s of gpa %#llx on a stable slot: ENOENT",
			     t->id, wr ? "write" : "read", a->gpa);
		t->n[C_ENOENT]++;
		return;
	}
	if (in_window(c, page)) {
		if (c->win_prot == PROT_READ)
			want = wr ? -EACCES : 0;
		else
			want = -EFAULT;
		if (r != want)
			fail(s, "vcpu %d: %s of gpa %#llx (page %d) under %s: result %d, want %d",
			     t->id, wr ? "write" : "read", a->gpa, page,
			     c->win_prot == PROT_READ ? "PROT_READ" : "PROT_NONE",
			     r, want);
		t->n[C_IN_WINDOW]++;
	} else if (quiet(c, page)) {
		if (r)
			fail(s, "vcpu %d: %s of %#llx (page %d), no host op: result %d, %u faults",
			     t->id, wr ? "write" : "read", a->gpa, page, r,
			     a->faults);
	} else if (r && r != -EFAULT && !(wr && r == -EACCES)) {
		fail(s, "vcpu %d: %s of gpa %#llx (page %d): result %d",
		     t->id, wr ? "write" : "read", a->gpa, page, r);
	}
	if (r == -EFAULT)
		t->n[C_EFAULT]++;
	else if (r == -EACCES)
		t->n[C_EACCES]++;
	if (r)
		return;
	t->n[C_OK]++;

	if (wr) {
		t->last[wid] = m->gen;
		t->ws[wid] = c->ds1;
		t->we[wid] = c->ds2;
		t->zero_seen[wid] = 0;
		return;
	}

	t->n[C_READS]++;
	exact_last = t->last[wid] && t->ws[wid] == c->ds2 && !(c->ds2 & 1);
	z = ld(&s->zseq[page]);
	exact_zero = !t->last[wid] ||
		     (z >= even_up(t->we[wid]) + 2 && z <= c->ds1);
	t->n[C_EXACT_LAST] += exact_last;
	t->n[C_EXACT_ZERO] += exact_zero && t->last[wid];
	if (!v) {
		t->n[C_ZEROS]++;
		if (exact_last)
			fail(s, "vcpu %d: lost write: gpa %#llx (word %d) reads 0, not gen %u",
			     t->id, a->gpa, wid, t->last[wid]);
		t->zero_seen[wid] = 1;
		return;
	}
	if (v >> 32 != TAG(wid))
		fail(s, "vcpu %d: gpa %#llx (word %d) reads %#llx: another word's data",
		     t->id, a->gpa, wid, v);
	else if ((__u32)v != t->last[wid])
		fail(s, "vcpu %d: gpa %#llx (word %d) reads gen %u, last written %u",
		     t->id, a->gpa, wid, (__u32)v, t->last[wid]);
	else if (t->zero_seen[wid])
		fail(s, "vcpu %d: gpa %#llx (word %d) reads gen %u after it read 0",
		     t->id, a->gpa, wid, (__u32)v);
	else if (exact_zero)
		fail(s, "vcpu %d: stale: gpa %#llx (word %d) gen %u, zeroed %llu, wrote %llu..%llu",
		     t->id, a->gpa, wid, (__u32)v, z, t->ws[wid],
		     t->we[wid]);
}

/* One batch of reads and writes of this thread's words on 4 pages. */
static void access_batch(struct vcpu_thread *t)
{
	static const char * const plans[] = { "r", "w", "wr", "" };
	struct kvmmu_access acc[BATCH_MAX];
	struct acc_meta meta[BATCH_MAX];
	struct kvmmu_access_batch b = { .accesses = (uintptr_t)acc };
	struct stress *s = t->s;
	bool enoent_a = false, enoent_b = false;
	int i, j, k, n = 0, win_first, win_pages;
	struct batch_ctx c;
	bool win;

	memset(acc, 0, sizeof(acc));
	/* The first page from an open protection window, if there is one. */
	win = ld(&s->wseq) % 4 == 2;
	win_first = ld_int(&s->win_first);
	win_pages = ld_int(&s->win_pages);
	for (i = 0; i < 4; i++) {
		int page = rnd(&t->rng) % NR_DPAGES, path;

		if (!i && win && win_pages > 0 &&
		    win_first + win_pages <= NR_DPAGES)
			page = win_first + rnd(&t->rng) % win_pages;

		switch (page / RPAGES) {
		case R_S:
			path = rnd(&t->rng) % 4 ? P_STABLE : P_TRANSIENT;
			break;
		case R_A:
			path = rnd(&t->rng) % 2 ? P_STABLE : P_TRANSIENT;
			break;
		default:
			path = P_TRANSIENT;
		}
		for (k = t->id; k < WPP; k += NR_VCPUS) {
			const char *plan = plans[rnd(&t->rng) % 4];
			int wid = page * WPP + k;
			__u64 gpa = word_gpa(t, wid, path);

			for (j = 0; plan[j]; j++) {
				bool wr = plan[j] == 'w';

				acc[n].gpa = gpa;
				acc[n].size = 8;
				acc[n].type = wr ? KVMMU_ACCESS_WRITE :
						   KVMMU_ACCESS_READ;
				meta[n].wid = wid;
				meta[n].path = path;
				meta[n].gen = 0;
				if (wr) {
					meta[n].gen = ++t->gen;
					acc[n].data = VAL(wid, t->gen);
				}
				n++;
			}
		}
	}
	if (!n)
		return;
	b.nr = n;
	ctx_begin(s, &c);
	if (ioctl(t->fd, KVMMU_GUEST_ACCESS, &b)) {
		fail(s, "vcpu %d: GUEST_ACCESS: %s", t->id, strerror(errno));
		st_int(&s->stop, 1);
		return;
	}
	ctx_end(s, &c);
	if (b.nr_done != n)
		fail(s, "vcpu %d: GUEST_ACCESS did %u of %d", t->id, b.nr_done,
		     n);
	t->n[C_BATCHES]++;
	for (i = 0; i < n; i++) {
		check_access(t, &c, &meta[i], &acc[i]);
		if (acc[i].result == -ENOENT && meta[i].path == P_TRANSIENT) {
			if (meta[i].wid / WPP / RPAGES == R_A)
				enoent_a = true;
			else if (meta[i].wid / WPP / RPAGES == R_B)
				enoent_b = true;
		}
	}
	/* Follow slot 1 where it moved. */
	t->guess_a ^= enoent_a;
	t->guess_b ^= enoent_b;
}

/* The host's pfn for @hva from /proc/self/pagemap; 0 if not present. */
static __u64 host_pfn(struct stress *s, void *hva)
{
	__u64 e;

	if (pread(s->pagemap, &e, 8, (uintptr_t)hva / PG * 8) != 8)
		return 0;
	if (!(e & (1ULL << 63)))
		return 0;
	return e & ((1ULL << 55) - 1);
}

/*
 * Translations: inside a protection window in force, a page must not be
 * mapped with more rights than the host gives; when no host op runs, a
 * present mapping's pfn is the host's.
 */
static void translate_checks(struct vcpu_thread *t)
{
	struct kvmmu_translation tr, tr2;
	struct stress *s = t->s;
	struct batch_ctx c;
	__u64 gpa, v = 0, pfn;
	int page;

	ctx_begin(s, &c);
	if (c.ws1 % 4 == 2) {
		page = c.win_first + rnd(&t->rng) % c.win_pages;
		gpa = page_gpa_stable(page);
		if (gpa != -1ULL) {
			kvmmu_access1(t->fd, KVMMU_ACCESS_READ, gpa, 8,
				      (__u64 *)&v);
			if (kvmmu_translate(t->fd, gpa, &tr)) {
				fail(s, "vcpu %d: TRANSLATE %#llx: %s", t->id,
				     gpa, strerror(errno));
				return;
			}
			ctx_end(s, &c);
			if (c.certain) {
				t->n[C_TR_WINDOW]++;
				if (c.win_prot == PROT_READ &&
				    (tr.flags & KVMMU_TR_WRITABLE))
					fail(s, "vcpu %d: gpa %#llx writable under PROT_READ: %#x",
					     t->id, gpa, tr.flags);
				if (c.win_prot == PROT_NONE &&
				    (tr.flags & (KVMMU_TR_READABLE |
						 KVMMU_TR_WRITABLE)))
					fail(s, "vcpu %d: gpa %#llx mapped under PROT_NONE: %#x",
					     t->id, gpa, tr.flags);
			}
		}
	}

	page = rnd(&t->rng) % NR_PAGES;
	gpa = page_gpa_stable(page);
	if (gpa == -1ULL)
		return;
	ctx_begin(s, &c);
	if (c.os1 & 1)
		return;
	if (kvmmu_translate(t->fd, gpa, &tr))
		return;
	pfn = host_pfn(s, s->mem + page * PG);
	if (kvmmu_translate(t->fd, gpa, &tr2))
		return;
	ctx_end(s, &c);
	if (c.os1 != c.os2 || !(tr.flags & KVMMU_TR_PRESENT) ||
	    !(tr2.flags & KVMMU_TR_PRESENT) || tr.pfn != tr2.pfn || !tr.pfn)
		return;
	t->n[C_TR_PFN]++;
	if (pfn != tr.pfn)
		fail(s, "vcpu %d: gpa %#llx (page %d) maps pfn %#llx, the host has %#llx",
		     t->id, gpa, page, tr.pfn, pfn);
}

/* An in-kernel workload over this vCPU's part of W. */
static void run_wl(struct vcpu_thread *t)
{
	struct stress *s = t->s;
	const __u64 gpa = GPA_W + t->id * W_PAGES * PG, size = W_PAGES * PG;
	bool ready = ld_int(&s->w_ready[t->id]);
	struct kvmmu_run run = {
		.gpa = gpa,
		.size = size,
		.stride = 8,
		.seed = s->seed,
		.passes = 1,
	};
	struct batch_ctx c;
	int ret;

	if (!ready)
		run.flags = KVMMU_RUN_WRITE;
	else
		run.flags = KVMMU_RUN_READ | KVMMU_RUN_VERIFY |
			    (rnd(&t->rng) & 1 ? KVMMU_RUN_RANDOM : 0);
	ctx_begin(s, &c);
	ret = ioctl(t->fd, KVMMU_RUN_WORKLOAD, &run);
	ctx_end(s, &c);
	t->n[C_WL_RUNS]++;
	if (ret && !(run.error && errno == -run.error)) {
		fail(s, "vcpu %d: RUN_WORKLOAD: %s", t->id, strerror(errno));
		return;
	}
	t->n[C_WL_ACCESSES] += run.accesses;
	t->n[C_WL_FAULTS] += run.faults;
	t->n[C_WL_RETRIES] += run.retries;
	if (run.mismatches)
		fail(s, "vcpu %d: workload: %llu mismatches, first at %#llx",
		     t->id, run.mismatches, run.first_mismatch_gpa);
	if (run.error) {
		t->n[C_WL_ERR]++;
		if (c.ws1 == c.ws2 && c.ws1 % 4 == 0)
			fail(s, "vcpu %d: workload error %d at %#llx, no window, %llu faults",
			     t->id, run.error, run.error_gpa, run.faults);
		else if (run.error != -EFAULT &&
			 !(!ready && run.error == -EACCES))
			fail(s, "vcpu %d: workload error %d at %#llx",
			     t->id, run.error, run.error_gpa);
		if (run.error_gpa < gpa || run.error_gpa >= gpa + size)
			fail(s, "vcpu %d: workload error_gpa %#llx out of the run",
			     t->id, run.error_gpa);
		return;
	}
	if (run.accesses != size / 8)
		fail(s, "vcpu %d: complete workload did %llu accesses, not %llu",
		     t->id, run.accesses, size / 8);
	t->n[C_WL_DONE]++;
	if (!ready)
		st_int(&s->w_ready[t->id], 1);
}

static void *vcpu_fn(void *arg)
{
	struct vcpu_thread *t = arg;
	__u64 i;

	for (i = 0; !ld_int(&t->s->stop); i++) {
		access_batch(t);
		if (i % 8 == 3)
			translate_checks(t);
		if (i % 8 == 7)
			run_wl(t);
	}
	return NULL;
}

static int set_slot(struct stress *s, int slot, __u64 gpa, int region,
		    bool del)
{
	int r = kvmmu_set_region(s->vm, slot, 0, gpa, del ? 0 : RPAGES * PG,
				 s->mem + region * RPAGES * PG);

	if (r)
		fail(s, "slot %d %s at %#llx: %s", slot,
		     del ? "delete" : "set", gpa, strerror(-r));
	else
		s->slot_ops++;
	return r;
}

/* Creates, moves and deletes slot 1 (over A, then B) and slot 4 (S). */
static void *slot_fn(void *arg)
{
	static const struct { int slot, region; __u64 gpa; bool del; } seq[] = {
		{ SLOT_MOVING, R_A, GPA_A1, false },
		{ SLOT_S_ALIAS, R_S, GPA_S_ALIAS, false },
		{ SLOT_MOVING, R_A, GPA_A2, false },
		{ SLOT_MOVING, R_A, GPA_A1, false },
		{ SLOT_MOVING, R_A, GPA_A1, true },
		{ SLOT_S_ALIAS, R_S, GPA_S_ALIAS, true },
		{ SLOT_MOVING, R_B, GPA_B1, false },
		{ SLOT_MOVING, R_B, GPA_B2, false },
		{ SLOT_MOVING, R_B, GPA_B2, true },
	};
	struct stress *s = arg;
	__u64 rng = s->seed ^ 0x51075107;
	int i;

	while (!ld_int(&s->stop)) {
		for (i = 0; i < ARRAY_SIZE(seq); i++) {
			if (set_slot(s, seq[i].slot, seq[i].gpa, seq[i].region,
				     seq[i].del))
				return NULL;
			pause_a_bit(&rng);
		}
		s->slot_cycles++;
	}
	return NULL;
}

/* Host view of pages [@first, @first + @n): only values someone wrote. */
static void host_check(struct stress *s, int first, int n)
{
	int p, k, i;

	for (p = first; p < first + n; p++) {
		__u64 *w = (__u64 *)(s->mem + p * PG);

		if (p < NR_DPAGES) {
			for (k = 0; k < WPP; k++) {
				int wid = p * WPP + k;
				__u64 v = __atomic_load_n(word_hva(s, wid),
							  __ATOMIC_RELAXED);

				if (v && v >> 32 != TAG(wid))
					fail(s, "host: page %d word %d holds %#llx",
					     p, k, v);
				if (w[k * WSTRIDE / 8 + 1])
					fail(s, "host: page %d offset %lu: %#llx, never written",
					     p, k * WSTRIDE + 8,
					     w[k * WSTRIDE / 8 + 1]);
			}
			continue;
		}
		k = (p - NR_DPAGES) / W_PAGES;
		if (k < NR_VCPUS && !ld_int(&s->w_ready[k]))
			continue;
		for (i = 0; i < PG / 8; i++) {
			__u64 gpa = GPA_W + (p - NR_DPAGES) * PG + i * 8;
			__u64 want = k < NR_VCPUS ?
				     kvmmu_run_pattern(gpa, s->seed) : 0;

			if (w[i] != want) {
				fail(s, "host: workload gpa %#llx holds %#llx, want %#llx",
				     gpa, w[i], want);
				break;
			}
		}
	}
}

static void dop_begin(struct stress *s)
{
	bump(&s->oseq);
	bump(&s->dseq);
}

static void dop_end(struct stress *s, int first, int n, bool zeroed)
{
	__u64 done = ld(&s->dseq) + 1;
	int p;

	for (p = first; zeroed && p < first + n; p++)
		st(&s->zseq[p], done);
	bump(&s->dseq);
	bump(&s->oseq);
}

static void window(struct stress *s, int first, int n, int prot, __u64 *rng)
{
	char *addr = s->mem + first * PG;

	bump(&s->oseq);
	bump(&s->wseq);
	if (mprotect(addr, n * PG, prot))
		fail(s, "mprotect(%d): %s", prot, strerror(errno));
	st_int(&s->win_first, first);
	st_int(&s->win_pages, n);
	st_int(&s->win_prot, prot);
	bump(&s->wseq);
	usleep(500 + rnd(rng) % 2000);
	bump(&s->wseq);
	if (mprotect(addr, n * PG, PROT_READ | PROT_WRITE))
		fail(s, "mprotect(RW): %s", strerror(errno));
	bump(&s->wseq);
	bump(&s->oseq);
}

/* Zaps, unmaps and remaps, protects and pages out parts of the memory. */
static void *mem_fn(void *arg)
{
	struct stress *s = arg;
	__u64 rng = s->seed ^ 0x3e3e3e3e;

	while (!ld_int(&s->stop)) {
		int region = rnd(&rng) % NR_REGIONS;
		int first = region * RPAGES + rnd(&rng) % RPAGES;
		int n = 1 + rnd(&rng) % 8, op = rnd(&rng) % NR_OPS;
		char *addr;
		void *p;

		if (first + n > (region + 1) * RPAGES)
			n = (region + 1) * RPAGES - first;
		addr = s->mem + first * PG;
		if (region == R_W && op <= OP_FREE)
			op = OP_CHECK;
		switch (op) {
		case OP_DONTNEED:
			dop_begin(s);
			if (madvise(addr, n * PG, MADV_DONTNEED))
				fail(s, "MADV_DONTNEED: %s", strerror(errno));
			dop_end(s, first, n, true);
			break;
		case OP_REMAP:
			dop_begin(s);
			if (munmap(addr, n * PG))
				fail(s, "munmap: %s", strerror(errno));
			usleep(rnd(&rng) % 300);
			p = mmap(addr, n * PG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				 -1, 0);
			if (p != addr) {
				fail(s, "mmap(MAP_FIXED): %s", strerror(errno));
				st_int(&s->stop, 1);
			}
			dop_end(s, first, n, true);
			break;
		case OP_FREE:
			dop_begin(s);
			if (madvise(addr, n * PG, MADV_FREE))
				fail(s, "MADV_FREE: %s", strerror(errno));
			dop_end(s, first, n, false);
			break;
		case OP_RO:
			window(s, first, n, PROT_READ, &rng);
			break;
		case OP_NONE:
			window(s, first, n, PROT_NONE, &rng);
			break;
		case OP_PAGEOUT:
			bump(&s->oseq);
			if (madvise(addr, n * PG, MADV_PAGEOUT))
				s->pageout_unsupported = errno;
			bump(&s->oseq);
			break;
		case OP_CHECK:
			host_check(s, first, n);
			break;
		}
		s->ops[op]++;
		pause_a_bit(&rng);
	}
	return NULL;
}

static bool debug_kernel(void)
{
	char buf[4096] = "";
	int fd;

	if (!access("/sys/kernel/debug/kmemleak", F_OK))
		return true;
	fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = 0;
		close(fd);
	}
	return strstr(buf, "kasan");
}

/* pswpout from /proc/vmstat, or 0. */
static __u64 swapouts(void)
{
	char line[128];
	__u64 v = 0;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "pswpout %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

#define ZRAM_BYTES	(32 << 20)

FIXTURE(stress) {
	struct stress *s;
	struct vcpu_thread *t;
	struct kvmmu_host_state hs;	/* the zram swap, if set up */
};

FIXTURE_SETUP(stress)
{
	struct stress *s;
	int i;

	s = calloc(1, sizeof(*s));
	self->s = s;
	self->t = calloc(NR_VCPUS, sizeof(*self->t));
	ASSERT_TRUE(s && self->t);
	pthread_mutex_init(&s->lock, NULL);
	s->seed = kvmmu_now_ns() | 1;
	s->pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_LE(0, s->pagemap);
	s->mem = kvmmu_alloc_anon(NR_PAGES * PG);
	ASSERT_NE(MAP_FAILED, s->mem);
	s->vm = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, s->vm) TH_LOG("KVMMU_CREATE_VM: %s", strerror(-s->vm));
	ASSERT_EQ(0, set_slot(s, SLOT_S, GPA_S, R_S, false));
	ASSERT_EQ(0, set_slot(s, SLOT_A_ALIAS, GPA_A_ALIAS, R_A, false));
	ASSERT_EQ(0, set_slot(s, SLOT_W, GPA_W, R_W, false));
	for (i = 0; i < NR_VCPUS; i++) {
		self->t[i].s = s;
		self->t[i].id = i;
		self->t[i].rng = s->seed * (i + 3);
		self->t[i].fd = kvmmu_create_vcpu(s->vm, i);
		ASSERT_LE(0, self->t[i].fd);
	}
	/* Best effort: the test pages out only if there is swap. */
	kvmmu_swap_setup(&self->hs, ZRAM_BYTES);
}

FIXTURE_TEARDOWN(stress)
{
	int i;

	kvmmu_host_restore(&self->hs);
	for (i = 0; self->t && i < NR_VCPUS; i++)
		if (self->t[i].fd > 0)
			close(self->t[i].fd);
	if (self->s && self->s->vm >= 0)
		close(self->s->vm);
}

/* Joins @th by @deadline (ns); false if it is still running. */
static bool join_by(pthread_t th, __u64 deadline)
{
	struct timespec ts;
	__u64 left = deadline > kvmmu_now_ns() ? deadline - kvmmu_now_ns() : 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += left / 1000000000ULL + 1;
	return !pthread_timedjoin_np(th, NULL, &ts);
}

/*
 * Quiet now: every word, read through the guest by its owner, equals what
 * the host sees, and what the owner's history allows.
 */
static void final_sweep(struct __test_metadata *_metadata, struct stress *s,
			struct vcpu_thread *threads)
{
	struct batch_ctx c;
	struct acc_meta m;
	int i, wid, checked = 0;

	ASSERT_EQ(0, set_slot(s, SLOT_MOVING, GPA_B1, R_B, false));
	for (i = 0; i < NR_VCPUS; i++) {
		struct vcpu_thread *t = &threads[i];

		t->guess_b = 0;
		for (wid = 0; wid < NR_WORDS; wid++) {
			struct kvmmu_access a = {
				.type = KVMMU_ACCESS_READ,
				.size = 8,
			};
			struct kvmmu_access_batch b = {
				.nr = 1,
				.accesses = (uintptr_t)&a,
			};
			int region = wid / WPP / RPAGES;

			if (wid % WPP % NR_VCPUS != t->id)
				continue;
			m.wid = wid;
			m.path = region == R_B ? P_TRANSIENT : P_STABLE;
			m.gen = 0;
			a.gpa = word_gpa(t, wid, m.path);
			ctx_begin(s, &c);
			ASSERT_EQ(0, ioctl(t->fd, KVMMU_GUEST_ACCESS, &b));
			ctx_end(s, &c);
			ASSERT_EQ(0, a.result) TH_LOG("final read of %#llx",
						      a.gpa);
			check_access(t, &c, &m, &a);
			EXPECT_EQ(*word_hva(s, wid), a.data)
				TH_LOG("word %d: guest and host differ", wid);
			checked++;
		}
	}
	EXPECT_EQ(NR_WORDS, checked);
	host_check(s, 0, NR_PAGES);
}

TEST_F_TIMEOUT(stress, mixed, MAX_SECONDS + 60)
{
	struct stress *s = self->s;
	struct vcpu_thread *t = self->t;
	__u64 tot[NR_CNT] = {}, t0, deadline, swp0 = swapouts();
	const char *env = getenv("KVMMU_STRESS_SECONDS");
	struct kvmmu_vm_stats vs;
	pthread_t slot_th, mem_th;
	int i, j, secs, cap;
	bool stuck = false;

	secs = env ? atoi(env) : debug_kernel() ? 4 : 10;
	if (secs < 1 || secs > MAX_SECONDS)
		secs = secs < 1 ? 1 : MAX_SECONDS;
	TH_LOG("%d s, %d vCPU threads, seed %#llx, swap %s", secs, NR_VCPUS,
	       s->seed, self->hs.swap_on ? self->hs.swap_path : "off");

	t0 = kvmmu_now_ns();
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_create(&t[i].th, NULL, vcpu_fn, &t[i]));
	ASSERT_EQ(0, pthread_create(&slot_th, NULL, slot_fn, s));
	ASSERT_EQ(0, pthread_create(&mem_th, NULL, mem_fn, s));
	cap = secs * 4 > 30 ? secs * 4 : 30;
	if (cap > MAX_SECONDS)
		cap = MAX_SECONDS;
	while (!ld_int(&s->stop) &&
	       (kvmmu_now_ns() - t0 < secs * 1000000000ULL ||
		(!covered(s, t) && kvmmu_now_ns() - t0 < cap * 1000000000ULL)))
		usleep(50000);
	st_int(&s->stop, 1);

	deadline = kvmmu_now_ns() + 30 * 1000000000ULL;
	for (i = 0; i < NR_VCPUS; i++)
		if (!join_by(t[i].th, deadline)) {
			TH_LOG("vCPU thread %d did not stop within 30 s", i);
			stuck = true;
		}
	if (!join_by(slot_th, deadline)) {
		TH_LOG("slot thread did not stop within 30 s");
		stuck = true;
	}
	if (!join_by(mem_th, deadline)) {
		TH_LOG("memory thread did not stop within 30 s");
		stuck = true;
	}
	ASSERT_FALSE(stuck);
	TH_LOG("ran %llu ms", (kvmmu_now_ns() - t0) / 1000000);

	if (!s->nfail)
		final_sweep(_metadata, s, t);

	for (i = 0; i < NR_VCPUS; i++) {
		char line[512];
		int len = 0;

		for (j = 0; j < NR_CNT; j++) {
			tot[j] += t[i].n[j];
			len += snprintf(line + len, sizeof(line) - len,
					" %s=%llu", cnt_name[j], t[i].n[j]);
		}
		TH_LOG("vcpu %d:%s", i, line);
		EXPECT_LT(0, t[i].n[C_OK]) TH_LOG("vcpu %d made no access", i);
		EXPECT_LT(0, t[i].n[C_READS]);
		EXPECT_LT(0, t[i].n[C_WL_DONE]) TH_LOG("vcpu %d: no workload", i);
	}
	TH_LOG("slots: %llu ops, %llu cycles", s->slot_ops, s->slot_cycles);
	for (j = 0; j < NR_OPS; j++) {
		TH_LOG("host op %s: %llu", op_name[j], s->ops[j]);
		EXPECT_LT(0, s->ops[j]);
	}
	if (s->pageout_unsupported)
		TH_LOG("MADV_PAGEOUT: %s", strerror(s->pageout_unsupported));
	TH_LOG("pswpout: %llu", swapouts() - swp0);

	ASSERT_EQ(0, kvmmu_vm_stats(s->vm, &vs));
	TH_LOG("stats: faults=%llu fault_retries=%llu gup_slow=%llu",
	       vs.faults, vs.fault_retries, vs.gup_slow);
	TH_LOG("stats: invalidations=%llu hit=%llu zapped=%llu tlb_flushes=%llu",
	       vs.invalidations, vs.invalidations_hit, vs.sptes_zapped,
	       vs.tlb_flushes);
	TH_LOG("stats: memslot_updates=%llu mapped=%llu tables=%llu shadow=%llu",
	       vs.memslot_updates, vs.mapped_pages, vs.table_pages,
	       vs.shadow_pages);
	EXPECT_LT(0, s->slot_cycles);
	EXPECT_LT(0, tot[C_EXACT_LAST]);
	EXPECT_LT(0, tot[C_IN_WINDOW]);
	EXPECT_LT(0, vs.faults);
	EXPECT_LT(0, vs.invalidations_hit);
	EXPECT_LE(vs.invalidations_hit, vs.invalidations);
	EXPECT_LE(s->slot_ops, vs.memslot_updates);
	/* Slots 0 (S), 1 (B now), 2 (A) and 3 (W). */
	EXPECT_GE(4 * RPAGES, vs.mapped_pages);
	EXPECT_EQ(0, vs.released);

	for (i = 0; i < s->nfail && i < MAX_FAILS; i++)
		TH_LOG("%s", s->fail[i]);
	EXPECT_EQ(0, s->nfail);
}

struct zapper {
	char *mem;
	size_t size;
	int rounds;
	/* 4i+1: populated, 4i+2: zap running, 4i+3: zapped; -1: done */
	int phase, ready;
	int err;
	__u64 ns_populate, ns_wait, ns_zap;
};

/*
 * Populates the memory while the reader idles, waits until the reader is
 * reading, then zaps it all with one MADV_DONTNEED.
 */
static void *zapper_fn(void *arg)
{
	struct zapper *z = arg;
	__u64 t0, start = kvmmu_now_ns();
	size_t off;
	int i;

	for (i = 0; i < z->rounds; i++) {
		/* A slow (loaded, debug) kernel does fewer rounds. */
		if (i && kvmmu_now_ns() - start > 8 * 1000000000ULL) {
			z->rounds = i;
			break;
		}
		t0 = kvmmu_now_ns();
		for (off = 0; off < z->size; off += PG)
			*(__u64 *)(z->mem + off) = off | 1;
		z->ns_populate += kvmmu_now_ns() - t0;
		st_int(&z->phase, 4 * i + 1);
		t0 = kvmmu_now_ns();
		while (ld_int(&z->ready) != 4 * i + 1 &&
		       kvmmu_now_ns() - t0 < 10 * 1000000000ULL)
			sched_yield();
		z->ns_wait += kvmmu_now_ns() - t0;
		st_int(&z->phase, 4 * i + 2);
		t0 = kvmmu_now_ns();
		if (madvise(z->mem, z->size, MADV_DONTNEED))
			z->err = errno;
		z->ns_zap += kvmmu_now_ns() - t0;
		st_int(&z->phase, 4 * i + 3);
	}
	st_int(&z->phase, -1);
	return NULL;
}

/*
 * One long invalidation: MADV_DONTNEED of a large populated slot while a
 * vCPU reads pages inside it.  The reads must wait for the invalidation
 * and then see the old value or zero: DONTNEED never makes memory
 * inaccessible, however long the zap takes.
 */
TEST(access_during_long_invalidation)
{
	size_t size = (debug_kernel() ? 16 : 64) << 20;
	__u64 rng = kvmmu_now_ns() | 1, n = 0, during = 0, bad = 0, max_faults = 0;
	struct zapper z = { .rounds = 3 };
	struct kvmmu_access a;
	struct kvmmu_access_batch b = { .nr = 1, .accesses = (uintptr_t)&a };
	__u64 t0 = kvmmu_now_ns();
	pthread_t th;
	int vm, vcpu, phase;

	z.size = size;
	z.mem = kvmmu_alloc_anon(size);
	ASSERT_NE(MAP_FAILED, z.mem);
	vm = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, vm);
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	ASSERT_EQ(0, kvmmu_set_region(vm, 0, 0, 0, size, z.mem));
	ASSERT_EQ(0, pthread_create(&th, NULL, zapper_fn, &z));
	while ((phase = ld_int(&z.phase)) >= 0) {
		__u64 off = rnd(&rng) % (size / PG) * PG;

		if (phase % 4 == 0 || phase % 4 == 3) {
			sched_yield();
			continue;
		}
		st_int(&z.ready, phase);
		memset(&a, 0, sizeof(a));
		a.gpa = off;
		a.size = 8;
		a.type = KVMMU_ACCESS_READ;
		if (ioctl(vcpu, KVMMU_GUEST_ACCESS, &b)) {
			bad++;
			break;
		}
		n++;
		during += phase % 4 == 2;
		if (a.faults > max_faults)
			max_faults = a.faults;
		if (a.result || (a.data && a.data != (off | 1))) {
			if (bad++ < 5)
				TH_LOG("read of %#llx (phase %d): result %d, %u faults, data %#llx",
				       off, phase, a.result, a.faults, a.data);
		}
	}
	pthread_join(th, NULL);
	TH_LOG("%d rounds in %llu ms: %llu reads, %llu during a zap; at most %llu faults for one",
	       z.rounds, (kvmmu_now_ns() - t0) / 1000000, n, during, max_faults);
	TH_LOG("populating %llu ms, waiting %llu ms, zapping %llu ms",
	       z.ns_populate / 1000000, z.ns_wait / 1000000,
	       z.ns_zap / 1000000);
	EXPECT_EQ(0, z.err);
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, during);
	EXPECT_EQ(0, close(vcpu));
	EXPECT_EQ(0, close(vm));
	munmap(z.mem, size);
}

struct prober {
	int vcpu;
	__u64 gpa;
	int stop;
	int err;
	__u64 reads, max_ns;
};

/* Reads one page of another slot in a loop, keeping the slowest read. */
static void *prober_fn(void *arg)
{
	struct prober *p = arg;
	__u64 t0, ns, val = 0;

	while (!ld_int(&p->stop)) {
		t0 = kvmmu_now_ns();
		p->err = kvmmu_read64(p->vcpu, p->gpa, &val);
		ns = kvmmu_now_ns() - t0;
		if (p->err)
			break;
		p->reads++;
		if (ns > p->max_ns)
			p->max_ns = ns;
	}
	return NULL;
}

/*
 * A munmap of a large slot the guest has mapped in full (1 GiB, 128 MiB
 * on the debug kernel) is one invalidation that may sleep: its zap lets
 * mmu_lock go at least every 1024 entries, so it is not held for the
 * zap's whole length.  A vCPU reading another slot meanwhile shows what
 * that means for the guest; the numbers are printed, the yields counted.
 */
FIXTURE(long_zap) {};
FIXTURE_SETUP(long_zap) {}
FIXTURE_TEARDOWN(long_zap) {}

#define NUMA_BALANCING	"/proc/sys/kernel/numa_balancing"

/* Filling 1 GiB a page at a time takes its time under TCG. */
TEST_F_TIMEOUT(long_zap, yields, 180)
{
	size_t size = (debug_kernel() ? 128ULL : 1024ULL) << 20;
	struct prober p = { .gpa = size };
	struct kvmmu_vm_stats s0, s1;
	__u64 t0, ns_munmap, gfns = size / PG;
	struct kvmmu_run run;
	char *mem, *other, numa[16] = "";
	pthread_t th;
	int vm, vcpu;

	mem = kvmmu_alloc_anon(size);
	ASSERT_NE(MAP_FAILED, mem);
	/*
	 * No THP: a khugepaged collapse is an invalidation, which would zap
	 * part of the guest's mappings before the munmap does.
	 */
	ASSERT_EQ(0, madvise(mem, size, MADV_NOHUGEPAGE));
	/* Nor NUMA balancing's scans, which unmap to sample accesses. */
	if (!kvmmu_read_file(NUMA_BALANCING, numa, sizeof(numa)))
		kvmmu_write_file(NUMA_BALANCING, "0");
	other = kvmmu_alloc_anon(PG);
	ASSERT_NE(MAP_FAILED, other);
	vm = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, vm);
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	p.vcpu = kvmmu_create_vcpu(vm, 1);
	ASSERT_LE(0, p.vcpu);
	ASSERT_EQ(0, kvmmu_set_region(vm, 0, 0, 0, size, mem));
	ASSERT_EQ(0, kvmmu_set_region(vm, 1, 0, p.gpa, PG, other));
	ASSERT_EQ(0, kvmmu_run_workload(vcpu, &run, 0, size, PG, 1, 1,
					KVMMU_RUN_WRITE));

	ASSERT_EQ(0, pthread_create(&th, NULL, prober_fn, &p));
	while (!ld_int(&p.stop) && !p.reads && !p.err)
		sched_yield();
	ASSERT_EQ(0, kvmmu_vm_stats(vm, &s0));
	t0 = kvmmu_now_ns();
	ASSERT_EQ(0, munmap(mem, size));
	ns_munmap = kvmmu_now_ns() - t0;
	st_int(&p.stop, 1);
	pthread_join(th, NULL);
	ASSERT_EQ(0, kvmmu_vm_stats(vm, &s1));

	TH_LOG("%zu MiB munmap: %llu ms, mmu_lock let go %llu times, held at most %llu us",
	       size >> 20, ns_munmap / 1000000,
	       s1.lock_yields - s0.lock_yields, s1.max_lock_hold_ns / 1000);
	TH_LOG("a vCPU read of another slot took at most %llu us (%llu reads)",
	       p.max_ns / 1000, p.reads);
	EXPECT_EQ(0, p.err);
	EXPECT_LE(gfns, run.faults);
	/* Only the prober's page is left mapped. */
	EXPECT_EQ(1, s1.mapped_pages);
	/*
	 * At least a yield per 1024 leaves the munmap zapped: every zap
	 * visits each leaf it removes.  Automatic NUMA balancing (on in
	 * distribution kernels) may have unmapped part of the memory before.
	 */
	TH_LOG("%llu of %llu pages mapped were zapped by the munmap",
	       s1.sptes_zapped - s0.sptes_zapped, gfns);
	EXPECT_LE((s1.sptes_zapped - s0.sptes_zapped) / 1024,
		  s1.lock_yields - s0.lock_yields + 1);
	EXPECT_EQ(0, close(p.vcpu));
	EXPECT_EQ(0, close(vcpu));
	EXPECT_EQ(0, close(vm));
	munmap(other, PG);
	if (numa[0])
		kvmmu_write_file(NUMA_BALANCING, numa);
}

TEST_HARNESS_MAIN
