// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmu-demo: a small VMM.  vCPU threads run a guest memory workload
 * through kvmmu's secondary MMU while the host swaps the guest's memory
 * out, merges it with KSM, migrates it between NUMA nodes and discards
 * part of it; the guest must keep seeing exactly what the process sees.
 *
 * Guest RAM is one anonymous MADV_MERGEABLE mapping, one memslot at
 * GPA_BASE, in three areas:
 *
 *   [0, 1/2)    workload: each vCPU thread writes kvmmu_run_pattern() with
 *               a new seed per iteration, reads it back through the vCPU
 *               (KVMMU_RUN_VERIFY) and then checks the process's view
 *   [1/2, 3/4)  KSM: the process writes a few distinct page contents for
 *               KSM to merge; the guest reads it, and later writes to it
 *   [3/4, 1)    host: the process writes it, the guest reads it; part of
 *               it is discarded with MADV_DONTNEED and rewritten
 *
 * The main thread drives the phases, a monitor thread prints one row per
 * second, and the run ends with a coherency verdict over every page.
 *
 * kvmmu-demo --bench measures the workload's fault-in and mapped-access
 * rates next to the process's own on the same amount of fresh memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/kvmmu.h>

/* The selftests' library (tests/selftests/lib): VM setup, host events. */
#include "kvmmu_access.h"
#include "kvmmu_host.h"
#include "kvmmu_util.h"
#include "kvmmu_vm.h"

#define KSM_DIR		KVMMU_KSM_DIR
#define IDLE_BITMAP	KVMMU_PAGE_IDLE

#define GPA_BASE	0x40000000ULL	/* 1 GiB, so that gpa != offset */
#define PG		4096UL
#define MIB		(1024UL * 1024)
#define CHUNK		(4 * MIB)	/* bytes per workload ioctl */
#define MAX_WORKERS	2
#define KSM_CONTENTS	8		/* distinct page contents to merge */
#define CHECK_BATCH	4096		/* pages per KVMMU_GUEST_ACCESS */
#define MAX_REPORTS	10		/* FAIL lines printed */
#define BENCH_MIN	65536		/* accesses per second-pass round */
#define BENCH_ROUNDS	4		/* second-pass rounds: the fastest counts */

/* __u64 for printf's %llx */
#define U64(x)		((unsigned long long)(x))

/* Words of each page compared between the guest and the process. */
static const unsigned int check_offs[] = { 0, 8, 2048, PG - 8 };

static struct {
	unsigned long size;
	unsigned int duration;
	unsigned int workers;
	unsigned long stride;
	bool thp;
	bool bench;
	const char *sizes;
	unsigned int reps;
	int type;		/* KVMMU_VM_*; -1: every type offered (bench) */
} opt = {
	.size = 64 * MIB,
	.duration = 40,
	.workers = 2,
	.stride = PG,
	.sizes = "16,64,256",
	.reps = 5,
	.type = -1,
};

/* The KVMMU_VM_* types, named by kvmmu_vm_type_name() */
#define NR_TYPES	(KVMMU_VM_MIPS + 1)

static int vm_fd = -1;
static int main_vcpu = -1;
static uint8_t *ram;
static unsigned long ram_pages;
static unsigned long wl_size, ksm_off, ksm_size, host_off, host_size;
static int nr_nodes = 1;
static struct timespec t_start;
static const char *phase = "setup";
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* What the process last put in each page outside the workload area. */
enum { K_WORKLOAD, K_ZERO, K_HOST, K_KSM, K_KSM_COW };
static uint8_t *page_kind;
static uint32_t *page_gen;

/* Counters shared by the threads (__atomic builtins). */
static uint64_t total_accesses;
static uint64_t verify_mismatches;
static uint64_t host_mismatches;

/* The first failure, for the verdict. */
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long nr_failures;
static uint64_t fail_gpa = ~0ULL;
static char fail_msg[256];
/* The first failure from check_nr on, for check_area(). */
static char check_msg[sizeof(fail_msg)];
static unsigned long check_nr = ~0UL;

/* Worker control. */
static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ctl_cond = PTHREAD_COND_INITIALIZER;
static int pause_req, stop_req, nr_paused, nr_done;

struct worker {
	pthread_t thread;
	unsigned int id;
	int vcpu;
	uint64_t gpa;
	uint64_t size;
};

static struct worker workers[MAX_WORKERS];

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

static double max_d(double a, double b)
{
	return a > b ? a : b;
}

static double elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t_start.tv_sec) + (t.tv_nsec - t_start.tv_nsec) / 1e9;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* A "# "-prefixed event line, stamped with the elapsed time. */
static void event(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	printf("# %5.1fs ", elapsed());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* Record a failure; @gpa is ~0 when it is not about one address. */
static void fail(uint64_t gpa, const char *fmt, ...)
{
	char msg[sizeof(fail_msg)];
	unsigned long n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&fail_lock);
	n = nr_failures++;
	if (!n) {
		fail_gpa = gpa;
		strcpy(fail_msg, msg);
	}
	if (n == check_nr)
		strcpy(check_msg, msg);
	pthread_mutex_unlock(&fail_lock);
	if (n < MAX_REPORTS)
		event("FAIL: %s", msg);
	else if (n == MAX_REPORTS)
		event("FAIL: (further failures not shown)");
}

static unsigned long failures(void)
{
	unsigned long n;

	pthread_mutex_lock(&fail_lock);
	n = nr_failures;
	pthread_mutex_unlock(&fail_lock);
	return n;
}

static uint8_t *hva(uint64_t gpa)
{
	return ram + (gpa - GPA_BASE);
}

/* Values the process writes in the host and KSM areas. */
static uint64_t host_value(uint64_t gpa, uint32_t gen)
{
	return kvmmu_run_pattern(gpa, 0x686f737400000000ULL | gen);
}

static uint64_t ksm_value(uint32_t content)
{
	return 0x6b736d0000000000ULL | content;
}

static uint64_t cow_value(uint64_t gpa)
{
	return kvmmu_run_pattern(gpa, 0x636f770000000000ULL);
}

/* What the process should read at @gpa outside the workload area. */
static uint64_t expected(uint64_t gpa)
{
	unsigned long p = (gpa - GPA_BASE) / PG;

	switch (page_kind[p]) {
	case K_HOST:
		return host_value(gpa, page_gen[p]);
	case K_KSM_COW:
		if ((gpa & (PG - 1)) == 8)
			return cow_value(gpa);
		return ksm_value(page_gen[p]);
	case K_KSM:
		return ksm_value(page_gen[p]);
	default:
		return 0;
	}
}

static void fill_host(unsigned long first, unsigned long n, uint32_t gen)
{
	unsigned long p, w;
	uint64_t gpa;

	for (p = first; p < first + n; p++) {
		for (w = 0; w < PG; w += 8) {
			gpa = GPA_BASE + p * PG + w;
			kvmmu_poke(hva(gpa), host_value(gpa, gen));
		}
		page_kind[p] = K_HOST;
		page_gen[p] = gen;
	}
}

static void fill_ksm(unsigned long first, unsigned long n)
{
	unsigned long p, w;

	for (p = first; p < first + n; p++) {
		for (w = 0; w < PG; w += 8)
			kvmmu_poke(ram + p * PG + w, ksm_value(p % KSM_CONTENTS));
		page_kind[p] = K_KSM;
		page_gen[p] = p % KSM_CONTENTS;
	}
}

/* ------------------------------------------------------------ kvmmu */

static int vm_stats(struct kvmmu_vm_stats *st)
{
	return kvmmu_vm_stats(vm_fd, st);
}

/*
 * One KVMMU_RUN_WORKLOAD pass; failures are recorded against @who.
 * Returns true when the run completed without an access error.
 */
static bool run_pass(const char *who, int vcpu, uint64_t gpa, uint64_t size,
		     uint64_t stride, uint64_t seed, uint32_t flags,
		     struct kvmmu_run *r)
{
	int err = kvmmu_run_workload(vcpu, r, gpa, size, stride, seed, 1,
				     flags);

	if (err) {
		fail(~0ULL, "%s: KVMMU_RUN_WORKLOAD [%#llx, +%#llx): %s", who,
		     U64(gpa), U64(size), strerror(-err));
		return false;
	}
	__atomic_add_fetch(&total_accesses, r->accesses, __ATOMIC_RELAXED);
	if (r->mismatches) {
		__atomic_add_fetch(&verify_mismatches, r->mismatches,
				   __ATOMIC_RELAXED);
		fail(r->first_mismatch_gpa,
		     "%s: workload VERIFY: %llu mismatches, first at gpa %#llx",
		     who, U64(r->mismatches),
		     U64(r->first_mismatch_gpa));
	}
	if (r->error) {
		fail(r->error_gpa, "%s: guest access at %#llx: %s (%llu faults, %llu retries)",
		     who, U64(r->error_gpa), strerror(-r->error),
		     U64(r->faults), U64(r->retries));
		return false;
	}
	return true;
}

/*
 * Guest reads of @check_offs in pages [@first, @first + @n) through the
 * main vCPU, each compared with the process's read of the same address
 * and, outside the workload area, with what the process wrote there.
 * Returns the number of bad pages.
 */
static unsigned long check_pages(const char *tag, unsigned long first,
				 unsigned long n)
{
	const unsigned int nw = ARRAY_SIZE(check_offs);
	struct kvmmu_access *acc;
	unsigned long p, i, bad = 0, cnt;
	int err;
	uint64_t gpa, host, want;
	bool page_bad = false;

	acc = calloc(CHECK_BATCH * nw, sizeof(*acc));
	if (!acc) {
		fail(~0ULL, "check %s: out of memory", tag);
		return n;
	}
	for (p = first; p < first + n; p += cnt) {
		cnt = min_u64(CHECK_BATCH, first + n - p);
		memset(acc, 0, cnt * nw * sizeof(*acc));
		for (i = 0; i < cnt * nw; i++) {
			acc[i].gpa = GPA_BASE + (p + i / nw) * PG +
				     check_offs[i % nw];
			acc[i].type = KVMMU_ACCESS_READ;
			acc[i].size = 8;
		}
		err = kvmmu_access_batch(main_vcpu, acc, cnt * nw);
		if (err) {
			fail(~0ULL, "check %s: KVMMU_GUEST_ACCESS of %lu: %s",
			     tag, cnt * nw, strerror(-err));
			bad += cnt;
			continue;
		}
		__atomic_add_fetch(&total_accesses, cnt * nw, __ATOMIC_RELAXED);
		for (i = 0; i < cnt * nw; i++) {
			if (i % nw == 0)
				page_bad = false;
			gpa = acc[i].gpa;
			host = kvmmu_peek(hva(gpa));
			want = page_kind[(gpa - GPA_BASE) / PG] == K_WORKLOAD ?
			       host : expected(gpa);
			if (page_bad)
				continue;
			if (acc[i].result) {
				fail(gpa, "check %s: guest read of gpa %#llx: %s",
				     tag, U64(gpa),
				     strerror(-acc[i].result));
			} else if (acc[i].data != host) {
				fail(gpa, "check %s: gpa %#llx: guest %#llx, process %#llx",
				     tag, U64(gpa),
				     U64(acc[i].data), U64(host));
			} else if (host != want) {
				fail(gpa, "check %s: gpa %#llx: both read %#llx, wrote %#llx",
				     tag, U64(gpa), U64(host),
				     U64(want));
			} else {
				continue;
			}
			page_bad = true;
			bad++;
		}
	}
	free(acc);
	return bad;
}

static void check_area(const char *tag, unsigned long first, unsigned long n)
{
	unsigned long bad;

	/* Workers may fail meanwhile: the message printed may be theirs. */
	pthread_mutex_lock(&fail_lock);
	check_nr = nr_failures;
	check_msg[0] = '\0';
	pthread_mutex_unlock(&fail_lock);
	bad = check_pages(tag, first, n);
	if (bad)
		event("check %s: %lu of %lu pages bad, first: %s", tag, bad, n,
		      check_msg);
	else
		event("check %s: %lu pages, guest == process", tag, n);
}

/* ------------------------------------------------------------ workers */

static bool worker_pass(struct worker *w, const char *who, uint64_t gpa,
			uint64_t size, uint64_t seed, uint32_t flags)
{
	struct kvmmu_run r;
	uint64_t off, len;

	for (off = 0; off < size; off += len) {
		len = min_u64(CHUNK, size - off);
		if (!run_pass(who, w->vcpu, gpa + off, len, opt.stride, seed,
			      flags, &r))
			return false;
	}
	return true;
}

/* What the guest just wrote, as the process sees it. */
static void host_view_check(struct worker *w, const char *who, uint64_t seed)
{
	uint64_t gpa, v, n = 0;

	for (gpa = w->gpa; gpa < w->gpa + w->size; gpa += opt.stride) {
		v = kvmmu_peek(hva(gpa));
		if (v == kvmmu_run_pattern(gpa, seed))
			continue;
		if (!n++)
			fail(gpa, "%s: guest wrote %#llx at gpa %#llx, the process reads %#llx",
			     who, U64(kvmmu_run_pattern(gpa, seed)),
			     U64(gpa), U64(v));
	}
	if (n)
		__atomic_add_fetch(&host_mismatches, n, __ATOMIC_RELAXED);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t iter = 0, seed;
	uint32_t vflags;
	char who[16];
	bool stop;

	snprintf(who, sizeof(who), "vCPU %u", w->id);
	for (;;) {
		pthread_mutex_lock(&ctl_lock);
		if (pause_req && !stop_req) {
			nr_paused++;
			pthread_cond_broadcast(&ctl_cond);
			while (pause_req && !stop_req)
				pthread_cond_wait(&ctl_cond, &ctl_lock);
			nr_paused--;
		}
		stop = stop_req;
		pthread_mutex_unlock(&ctl_lock);
		if (stop)
			break;

		seed = (uint64_t)(w->id + 1) << 32 | ++iter;
		vflags = KVMMU_RUN_READ | KVMMU_RUN_VERIFY;
		if (iter & 1)
			vflags |= KVMMU_RUN_RANDOM;
		/*
		 * An access error is recorded as a failure; the iteration
		 * stops there (what it wrote is incomplete) and the next one
		 * starts afresh, so the later phases still run.
		 */
		if (!worker_pass(w, who, w->gpa, w->size, seed,
				 KVMMU_RUN_WRITE) ||
		    !worker_pass(w, who, w->gpa, w->size, seed, vflags))
			continue;
		host_view_check(w, who, seed);
		/* Keep the KSM and host areas mapped (and young). */
		worker_pass(w, who, GPA_BASE + ksm_off, ksm_size + host_size,
			    seed, KVMMU_RUN_READ);
	}
	pthread_mutex_lock(&ctl_lock);
	nr_done++;
	pthread_cond_broadcast(&ctl_cond);
	pthread_mutex_unlock(&ctl_lock);
	return NULL;
}

static void workers_pause(void)
{
	pthread_mutex_lock(&ctl_lock);
	pause_req = 1;
	while (nr_paused + nr_done < (int)opt.workers)
		pthread_cond_wait(&ctl_cond, &ctl_lock);
	pthread_mutex_unlock(&ctl_lock);
}

static void workers_resume(void)
{
	pthread_mutex_lock(&ctl_lock);
	pause_req = 0;
	pthread_cond_broadcast(&ctl_cond);
	pthread_mutex_unlock(&ctl_lock);
}

static void workers_stop(void)
{
	unsigned int i;

	pthread_mutex_lock(&ctl_lock);
	stop_req = 1;
	pthread_cond_broadcast(&ctl_cond);
	pthread_mutex_unlock(&ctl_lock);
	for (i = 0; i < opt.workers; i++)
		pthread_join(workers[i].thread, NULL);
}

/* ------------------------------------------------------------ monitor */

static uint64_t *pm_buf, *mon_pm;	/* main thread's, monitor's */
static void **mp_pages;
static int *mp_nodes, *mp_status, *mon_status;
static int monitor_stop;

/* Read the pagemap entries of pages [@first, @first + @n) into @buf. */
static int read_pagemap(uint64_t *buf, unsigned long first, unsigned long n)
{
	return kvmmu_read_pagemap(ram + first * PG, n, (__u64 *)buf);
}

static long move_pages(unsigned long n, void **pages, const int *nodes,
		       int *status)
{
	return kvmmu_move_pages(n, pages, nodes, status, MPOL_MF_MOVE);
}

static void residency(unsigned long *swapped, unsigned long *node0,
		      unsigned long *node1)
{
	unsigned long p;

	*swapped = *node0 = *node1 = 0;
	if (!read_pagemap(mon_pm, 0, ram_pages)) {
		for (p = 0; p < ram_pages; p++) {
			if (mon_pm[p] & KVMMU_PM_SWAP)
				(*swapped)++;
			else if (nr_nodes < 2 && mon_pm[p] & KVMMU_PM_PRESENT)
				(*node0)++;
		}
	}
	if (nr_nodes < 2)
		return;
	if (move_pages(ram_pages, mp_pages, NULL, mon_status) < 0)
		return;
	for (p = 0; p < ram_pages; p++) {
		if (mon_status[p] == 0)
			(*node0)++;
		else if (mon_status[p] == 1)
			(*node1)++;
	}
}

static void print_header(void)
{
	say("%5s %-9s %9s %6s %6s %6s %7s %7s %7s %7s %7s %6s %6s\n",
	    "t(s)", "phase", "access/s", "flt/s", "retr/s", "inv/s", "zap/s",
	    "young/s", "mapped", "swapped", "ksm-shr", "node0", "node1");
}

static void *monitor_main(void *arg)
{
	struct kvmmu_vm_stats prev, cur;
	unsigned long swapped, n0, n1, sharing;
	uint64_t acc, prev_acc = 0;
	struct timespec next = t_start;
	double t, prev_t = 0, dt;

	vm_stats(&prev);
	for (;;) {
		/* The next whole second: ticks missed while starved are skipped. */
		next.tv_sec = t_start.tv_sec + (time_t)elapsed() + 1;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		if (__atomic_load_n(&monitor_stop, __ATOMIC_ACQUIRE))
			break;
		t = elapsed();
		dt = t - prev_t;
		acc = __atomic_load_n(&total_accesses, __ATOMIC_RELAXED);
		if (vm_stats(&cur))
			cur = prev;
		residency(&swapped, &n0, &n1);
		if (kvmmu_read_ulong(KSM_DIR "pages_sharing", &sharing))
			sharing = 0;
		say("%5lu %-9s %9.0f %6.0f %6.0f %6.0f %7.0f %7.0f %7llu %7lu %7lu %6lu %6lu\n",
		    (unsigned long)t, __atomic_load_n(&phase, __ATOMIC_RELAXED),
		    (acc - prev_acc) / dt,
		    (cur.faults - prev.faults) / dt,
		    (cur.fault_retries - prev.fault_retries) / dt,
		    (cur.invalidations - prev.invalidations) / dt,
		    (cur.sptes_zapped - prev.sptes_zapped) / dt,
		    (cur.young_cleared - prev.young_cleared) / dt,
		    U64(cur.mapped_pages), swapped, sharing, n0, n1);
		prev = cur;
		prev_acc = acc;
		prev_t = t;
	}
	return NULL;
}

/* ------------------------------------------------------------ host side */

/* Swap and ksmd settings, restored by host_restore() */
static struct kvmmu_host_state swap_state, ksm_state;

/* Use the active swap, or set up a zram swap device of @bytes. */
static void swap_setup(unsigned long bytes)
{
	int err = kvmmu_swap_setup(&swap_state, bytes);

	if (err == -ENODEV)
		event("swap: none active, no zram: no swap-out");
	else if (err)
		event("swap: setting up zram swap failed: %s", strerror(-err));
	else if (!swap_state.swap_on)
		event("swap: using the active swap (/proc/swaps)");
	else
		event("swap: %s, %lu MiB zram", swap_state.swap_path,
		      bytes / MIB);
}

/*
 * ksmd scanning fast; stopped again (its settings restored) once the KSM
 * phase is over, leaving merged pages merged.
 */
static int ksm_start(void)
{
	/* Short batches: stopping ksmd waits for the one in progress. */
	return kvmmu_ksm_start(&ksm_state, 1024, 5);
}

static void host_restore(void)
{
	kvmmu_host_restore(&ksm_state);
	kvmmu_host_restore(&swap_state);
}

/* ------------------------------------------------------------ phases */

static double unit;		/* seconds per phase weight */
static double deadline;

static void phase_begin(const char *name, double weight)
{
	__atomic_store_n(&phase, name, __ATOMIC_RELAXED);
	deadline = elapsed() + weight * unit;
	event("phase %s", name);
}

static void sleep_until(double t)
{
	double d = t - elapsed();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* MADV_PAGEOUT of all guest RAM; returns the pages swapped out now. */
static unsigned long pageout(void)
{
	unsigned long p, swapped = 0;

	if (madvise(ram, opt.size, MADV_PAGEOUT)) {
		fail(~0ULL, "madvise(MADV_PAGEOUT): %s", strerror(errno));
		return 0;
	}
	if (!read_pagemap(pm_buf, 0, ram_pages))
		for (p = 0; p < ram_pages; p++)
			swapped += !!(pm_buf[p] & KVMMU_PM_SWAP);
	return swapped;
}

/*
 * Reclaim skips pages that are young, and the guest's accessed bits count
 * (clear_flush_young): memory the guest keeps using stays resident.  So
 * the guest is paused, a first MADV_PAGEOUT ages the pages (clearing the
 * accessed bits), a second swaps them out; resumed, the guest faults them
 * back in from swap.
 */
static void swap_cycle(bool running_first)
{
	unsigned long aged, out;
	double t0;

	if (running_first)
		event("MADV_PAGEOUT while the guest runs: %lu swapped out",
		      pageout());
	t0 = elapsed();
	workers_pause();
	aged = pageout();
	out = pageout();
	workers_resume();
	event("guest paused: MADV_PAGEOUT x2: %lu, then %lu swapped out (%.2fs)",
	      aged, out, elapsed() - t0);
}

static void phase_swap(void)
{
	bool first = true;

	phase_begin("swap", 2);
	while (elapsed() < deadline) {
		swap_cycle(first);
		first = false;
		sleep_until(min_d(elapsed() + 1.5, deadline));
	}
	check_area("after swap", ksm_off / PG, (ksm_size + host_size) / PG);
}

static void phase_ksm(void)
{
	unsigned long first = ksm_off / PG, n = ksm_size / PG;
	unsigned long p, sharing = 0, target = (n - KSM_CONTENTS) * 9 / 10;
	struct kvmmu_run r;
	double t0;
	int err;

	phase_begin("ksm", 3);
	if (access(KSM_DIR "run", W_OK)) {
		event("ksm: %s not available, phase skipped", KSM_DIR "run");
		sleep_until(deadline);
		return;
	}
	fill_ksm(first, n);
	run_pass("main", main_vcpu, GPA_BASE + ksm_off, ksm_size, PG, 0,
		 KVMMU_RUN_READ, &r);
	err = ksm_start();
	if (err) {
		fail(~0ULL, "ksm: starting ksmd: %s", strerror(-err));
		return;
	}
	t0 = elapsed();
	event("ksm: %lu pages of %d contents written, ksmd started", n,
	      KSM_CONTENTS);
	while (elapsed() < deadline) {
		if (!kvmmu_read_ulong(KSM_DIR "pages_sharing", &sharing) &&
		    sharing >= target)
			break;
		usleep(200000);
	}
	if (sharing >= target)
		event("ksm: %lu pages sharing after %.1fs", sharing,
		      elapsed() - t0);
	else
		event("ksm: only %lu pages sharing after %.1fs (wanted %lu): not all merged",
		      sharing, elapsed() - t0, target);
	check_area("after ksm merge", first, n);

	/* Guest writes break the sharing (COW); the rest must stay. */
	for (p = first; p < first + n; p += 8) {
		uint64_t gpa = GPA_BASE + p * PG + 8;
		int err = kvmmu_write64(main_vcpu, gpa, cow_value(gpa));

		if (err) {
			fail(gpa, "ksm: guest write to merged page gpa %#llx: %s",
			     U64(gpa), strerror(-err));
			break;
		}
		page_kind[p] = K_KSM_COW;
	}
	kvmmu_read_ulong(KSM_DIR "pages_sharing", &sharing);
	event("ksm: the guest wrote to %lu merged pages, %lu pages sharing now",
	      (n + 7) / 8, sharing);
	check_area("after guest COW", first, n);
	kvmmu_host_restore(&ksm_state);
	sleep_until(deadline);
}

static void phase_migrate(void)
{
	unsigned long p, on = 0;
	int target = 1;
	double t0;
	long ret;

	phase_begin("migrate", 2);
	if (nr_nodes < 2) {
		event("migrate: one NUMA node, phase skipped");
		sleep_until(deadline);
		return;
	}
	while (elapsed() < deadline) {
		for (p = 0; p < ram_pages; p++)
			mp_nodes[p] = target;
		t0 = elapsed();
		ret = move_pages(ram_pages, mp_pages, mp_nodes, mp_status);
		if (ret < 0) {
			fail(~0ULL, "move_pages to node %d: %s", target,
			     strerror(errno));
			break;
		}
		on = 0;
		if (move_pages(ram_pages, mp_pages, NULL, mp_status) == 0)
			for (p = 0; p < ram_pages; p++)
				on += mp_status[p] == target;
		event("move_pages to node %d: %lu pages there now, %ld not moved (%.2fs)",
		      target, on, ret, elapsed() - t0);
		target = !target;
		sleep_until(min_d(elapsed() + 1, deadline));
	}
	check_area("after migration", ksm_off / PG,
		   (ksm_size + host_size) / PG);
}

static void phase_dontneed(void)
{
	unsigned long first = (host_off + host_size / 2) / PG;
	unsigned long n = host_size / 2 / PG, p;

	phase_begin("dontneed", 1);
	if (madvise(ram + first * PG, n * PG, MADV_DONTNEED)) {
		fail(~0ULL, "madvise(MADV_DONTNEED): %s", strerror(errno));
		return;
	}
	for (p = first; p < first + n; p++)
		page_kind[p] = K_ZERO;
	event("MADV_DONTNEED of %lu host pages", n);
	check_area("after dontneed (zeros)", first, n);
	fill_host(first, n / 2, 2);
	event("the process rewrote %lu of them", n / 2);
	check_area("after rewrite", first, n);
	sleep_until(deadline);
}

/*
 * Idle page tracking over the workload area: with the workers paused and
 * every page mapped by the guest, mark the pages idle (which clears the
 * accessed bits, kvmmu's included), let the guest read every other page,
 * and read the bitmap back.  Pages the guest touched must be young; pages
 * nobody touched must have stayed idle.
 */
static int accessed_verdict = -1;	/* -1 not run, 0 FAIL, 1 PASS */

static void phase_idle(void)
{
	unsigned long n = wl_size / PG, p, absent = 0;
	unsigned long touched = 0, young = 0, untouched = 0, idle = 0;
	struct kvmmu_vm_stats st0, st1;
	__u64 *pfn = NULL;
	struct kvmmu_run r;
	bool is_idle;
	int fd, ret, err = 0;

	phase_begin("idle", 1);
	fd = open(IDLE_BITMAP, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		event("accessed: %s: %s, skipped", IDLE_BITMAP, strerror(errno));
		sleep_until(deadline);
		return;
	}
	workers_pause();
	pfn = calloc(n, sizeof(*pfn));
	if (!pfn)
		goto out;
	/* Everything mapped by the guest; new pages onto the LRU lists. */
	if (!run_pass("main", main_vcpu, GPA_BASE, wl_size, PG, 0,
		      KVMMU_RUN_READ, &r))
		goto out;
	kvmmu_lru_drain_all(ram);
	if (read_pagemap(pm_buf, 0, n)) {
		fail(~0ULL, "accessed: reading pagemap failed");
		goto out;
	}
	for (p = 0; p < n; p++)
		pfn[p] = pm_buf[p] & KVMMU_PM_PRESENT ? pm_buf[p] & KVMMU_PM_PFN : 0;
	vm_stats(&st0);
	for (p = 0; p < n && !err; p++)
		if (pfn[p])
			err = kvmmu_idle_mark(fd, &pfn[p], 1);
	if (!err && !run_pass("main", main_vcpu, GPA_BASE, wl_size, 2 * PG, 0,
			      KVMMU_RUN_READ, &r))
		goto out;
	for (p = 0; p < n && !err; p++) {
		if (!pfn[p]) {
			absent++;
			continue;
		}
		ret = kvmmu_idle_test(fd, pfn[p]);
		err = ret < 0 ? ret : 0;
		is_idle = ret == 1;
		if (p % 2 == 0) {
			touched++;
			young += !is_idle;
		} else {
			untouched++;
			idle += is_idle;
		}
	}
	vm_stats(&st1);
	if (err) {
		fail(~0ULL, "accessed: %s: %s", IDLE_BITMAP, strerror(-err));
		goto out;
	}
	event("accessed: touched young %lu/%lu, untouched idle %lu/%lu, absent %lu, cleared +%llu",
	      young, touched, idle, untouched, absent,
	      U64(st1.young_cleared - st0.young_cleared));
	accessed_verdict = touched && young == touched && idle * 10 >= untouched * 9;
out:
	free(pfn);
	close(fd);
	workers_resume();
	sleep_until(deadline);
}

/* ------------------------------------------------------------ demo */

static int setup_vm(int type, unsigned int nvcpus)
{
	int i, fd;

	vm_fd = kvmmu_create_vm(type);
	if (vm_fd < 0) {
		fprintf(stderr, "kvmmu-demo: KVMMU_CREATE_VM %s: %s\n",
			kvmmu_vm_type_name(type), strerror(-vm_fd));
		return -1;
	}
	for (i = 0; i < (int)nvcpus; i++) {
		fd = kvmmu_create_vcpu(vm_fd, i);
		if (fd < 0) {
			fprintf(stderr, "kvmmu-demo: KVMMU_CREATE_VCPU %d: %s\n",
				i, strerror(-fd));
			return -1;
		}
		if (i < (int)opt.workers)
			workers[i].vcpu = fd;
		else
			main_vcpu = fd;
	}
	return 0;
}

static int set_region(uint32_t slot, uint64_t gpa, uint64_t size, void *addr)
{
	int err = kvmmu_set_region(vm_fd, slot, 0, gpa, size, addr);

	if (err) {
		fprintf(stderr, "kvmmu-demo: KVMMU_SET_USER_MEMORY_REGION: %s\n",
			strerror(-err));
		return -1;
	}
	return 0;
}

static void *fresh_memory(size_t size)
{
	void *p = kvmmu_alloc_anon(size);

	if (p == MAP_FAILED)
		return NULL;
	if (!opt.thp)
		madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

static int run_demo(void)
{
	struct kvmmu_vm_stats st;
	pthread_t monitor;
	unsigned long p, bad;
	unsigned int i;
	bool pass;

	ram_pages = opt.size / PG;
	wl_size = opt.size / 2;
	ksm_off = wl_size;
	ksm_size = opt.size / 4;
	host_off = ksm_off + ksm_size;
	host_size = opt.size - host_off;
	nr_nodes = kvmmu_nr_nodes();
	unit = opt.duration / 10.0;

	ram = fresh_memory(opt.size);
	page_kind = calloc(ram_pages, sizeof(*page_kind));
	page_gen = calloc(ram_pages, sizeof(*page_gen));
	pm_buf = calloc(ram_pages, sizeof(*pm_buf));
	mp_pages = calloc(ram_pages, sizeof(*mp_pages));
	mp_nodes = calloc(ram_pages, sizeof(*mp_nodes));
	mp_status = calloc(ram_pages, sizeof(*mp_status));
	mon_pm = calloc(ram_pages, sizeof(*mon_pm));
	mon_status = calloc(ram_pages, sizeof(*mon_status));
	if (!ram || !page_kind || !page_gen || !pm_buf || !mp_pages ||
	    !mp_nodes || !mp_status || !mon_pm || !mon_status) {
		fprintf(stderr, "kvmmu-demo: setup: %s\n", strerror(errno));
		return 1;
	}
	if (madvise(ram, opt.size, MADV_MERGEABLE))
		fprintf(stderr, "kvmmu-demo: MADV_MERGEABLE: %s\n",
			strerror(errno));
	for (p = 0; p < ram_pages; p++)
		mp_pages[p] = ram + p * PG;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	say("kvmmu-demo: %lu MiB at gpa %#llx, %u+1 vCPUs, stride %lu, %d nodes, ~%us\n",
	    opt.size / MIB, U64(GPA_BASE), opt.workers, opt.stride,
	    nr_nodes, opt.duration);
	say("  workload [%#llx, +%#lx)  ksm [%#llx, +%#lx)  host [%#llx, +%#lx)\n",
	    U64(GPA_BASE), wl_size, U64(GPA_BASE) + ksm_off,
	    ksm_size, U64(GPA_BASE) + host_off, host_size);
	if (setup_vm(opt.type < 0 ? KVMMU_VM_X86_EPT : opt.type,
		     opt.workers + 1) ||
	    set_region(0, GPA_BASE, opt.size, ram))
		return 1;
	swap_setup(2 * opt.size);
	fill_host(ksm_off / PG, (ksm_size + host_size) / PG, 1);

	print_header();
	phase_begin("fault-in", 1);
	if (pthread_create(&monitor, NULL, monitor_main, NULL)) {
		fprintf(stderr, "kvmmu-demo: pthread_create failed\n");
		return 1;
	}
	for (i = 0; i < opt.workers; i++) {
		workers[i].id = i;
		workers[i].size = wl_size / opt.workers;
		workers[i].gpa = GPA_BASE + i * workers[i].size;
		if (pthread_create(&workers[i].thread, NULL, worker_main,
				   &workers[i])) {
			fprintf(stderr, "kvmmu-demo: pthread_create failed\n");
			return 1;
		}
	}
	sleep_until(deadline);
	check_area("after fault-in", ksm_off / PG,
		   (ksm_size + host_size) / PG);
	phase_swap();
	phase_ksm();
	phase_migrate();
	phase_dontneed();
	phase_idle();

	phase_begin("final", 0);
	workers_stop();
	p = pageout();
	event("MADV_PAGEOUT x2 with the guest stopped: %lu, then %lu swapped out",
	      p, pageout());
	__atomic_store_n(&phase, "verdict", __ATOMIC_RELAXED);
	bad = check_pages("verdict", 0, ram_pages);
	__atomic_store_n(&monitor_stop, 1, __ATOMIC_RELEASE);
	pthread_join(monitor, NULL);

	vm_stats(&st);
	say("stats: faults %llu, retries %llu, gup_slow %llu, invalidations %llu (%llu hit)\n",
	    U64(st.faults), U64(st.fault_retries), U64(st.gup_slow),
	    U64(st.invalidations), U64(st.invalidations_hit));
	say("stats: sptes zapped %llu, tlb flushes %llu, young cleared %llu, change_pte %llu\n",
	    U64(st.sptes_zapped), U64(st.tlb_flushes), U64(st.young_cleared),
	    U64(st.change_pte));
	say("stats: mapped %llu, table pages %llu\n", U64(st.mapped_pages),
	    U64(st.table_pages));
	say("workload: %llu guest accesses, %llu VERIFY mismatches, %llu process-view mismatches\n",
	    U64(total_accesses), U64(verify_mismatches),
	    U64(host_mismatches));
	if (accessed_verdict >= 0)
		say("accessed: %s\n", accessed_verdict ? "PASS" : "FAIL");
	pass = !failures() && !bad;
	if (pass)
		say("coherency: PASS (%lu pages checked)\n", ram_pages);
	else if (fail_gpa != ~0ULL)
		say("coherency: FAIL at gpa %#llx (%lu failures): %s\n",
		    U64(fail_gpa), failures(), fail_msg);
	else
		say("coherency: FAIL (%lu failures): %s\n", failures(),
		    fail_msg);

	close(main_vcpu);
	for (i = 0; i < opt.workers; i++)
		close(workers[i].vcpu);
	close(vm_fd);
	munmap(ram, opt.size);
	return pass && accessed_verdict != 0 ? 0 : 1;
}

/* ------------------------------------------------------------ bench */

struct bench_sample {
	double guest1, host1, guest2, host2;	/* pages/s */
	uint64_t faults1, faults2;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(struct bench_sample *s, unsigned int n, size_t off)
{
	double v[16];
	unsigned int i;

	for (i = 0; i < n; i++)
		memcpy(&v[i], (char *)&s[i] + off, sizeof(double));
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Second-pass repetitions, so that small sizes are timed long enough. */
static unsigned int bench_passes(unsigned long n)
{
	return n >= BENCH_MIN ? 1 : (BENCH_MIN + n - 1) / n;
}

/* The process's own first and later writes to each page of @size. */
static int bench_host(size_t size, struct bench_sample *s)
{
	unsigned long i, n = size / PG, passes = bench_passes(n), k;
	uint8_t *p = fresh_memory(size);
	uint64_t t0, t1;
	unsigned int round;

	if (!p)
		return -errno;
	t0 = kvmmu_now_ns();
	for (i = 0; i < n; i++)
		kvmmu_poke(p + i * PG, i);
	t1 = kvmmu_now_ns();
	s->host1 = n * 1e9 / (t1 - t0);
	s->host2 = 0;
	for (round = 0; round < BENCH_ROUNDS; round++) {
		t0 = kvmmu_now_ns();
		for (k = 1; k <= passes; k++)
			for (i = 0; i < n; i++)
				kvmmu_poke(p + i * PG, i + k);
		t1 = kvmmu_now_ns();
		s->host2 = max_d(s->host2, n * passes * 1e9 / (t1 - t0));
	}
	munmap(p, size);
	return 0;
}

/* The same through the vCPU: KVMMU_RUN_WORKLOAD, one write per page. */
static int bench_guest(size_t size, uint64_t seed, struct bench_sample *s)
{
	unsigned long i, n = size / PG;
	struct kvmmu_run r1, r2;
	unsigned int round;
	uint8_t *p;
	int err = 0;

	p = fresh_memory(size);
	if (!p)
		return -errno;
	if (set_region(0, GPA_BASE, size, p)) {
		munmap(p, size);
		return -EIO;
	}
	if (!run_pass("bench", main_vcpu, GPA_BASE, size, PG, seed,
		      KVMMU_RUN_WRITE, &r1))
		err = -EIO;
	s->guest2 = 0;
	s->faults2 = 0;
	for (round = 0; round < BENCH_ROUNDS && !err; round++) {
		err = kvmmu_run_workload(main_vcpu, &r2, GPA_BASE, size, PG,
					 seed + 1, bench_passes(n),
					 KVMMU_RUN_WRITE);
		if (err || r2.error) {
			fail(~0ULL, "bench: second pass: %s",
			     strerror(err ? -err : -r2.error));
			err = -EIO;
		} else if (!r2.ns || r2.accesses != n * r2.passes) {
			fail(~0ULL, "bench: %llu accesses in %llu ns, %lu pages",
			     U64(r2.accesses), U64(r2.ns), n);
			err = -EIO;
		} else {
			s->guest2 = max_d(s->guest2, r2.accesses * 1e9 / r2.ns);
			s->faults2 += r2.faults;
		}
	}
	for (i = 0; i < n && !err; i++) {
		if (kvmmu_peek(p + i * PG) != kvmmu_run_pattern(GPA_BASE + i * PG,
								seed + 1)) {
			fail(GPA_BASE + i * PG, "bench: guest write to %#llx not seen",
			     U64(GPA_BASE + i * PG));
			err = -EIO;
		}
	}
	if (!err && (!r1.ns || r1.accesses != n)) {
		fail(~0ULL, "bench: %llu accesses in %llu ns, %lu pages",
		     U64(r1.accesses), U64(r1.ns), n);
		err = -EIO;
	}
	if (set_region(0, GPA_BASE, 0, p))
		err = -EIO;
	munmap(p, size);
	if (err)
		return err;
	s->guest1 = n * 1e9 / r1.ns;
	s->faults1 = r1.faults;
	return 0;
}

/* The VM types offered, as a mask of BIT(KVMMU_VM_*). */
static unsigned long offered_types(void)
{
	long mask = kvmmu_vm_types();

	return mask > 0 ? mask : 0;
}

#define BENCH_MAX_SIZES	8

/* First-touch rate of each size for each type, for the closing table. */
static double bench_first[NR_TYPES][BENCH_MAX_SIZES];

/* The size table for one VM type; its first-touch medians go to @first. */
static int bench_type(int type, double *first)
{
	struct bench_sample s[16];
	unsigned long mib, n;
	const char *c = opt.sizes;
	double g1, h1, g2, h2;
	unsigned int r, k = 0;
	char *end;

	if (setup_vm(type, 1))
		return 1;
	/* A discarded sample: the first one runs slow under TCG. */
	if (bench_host(16 * MIB, &s[0]) || bench_guest(16 * MIB, 0, &s[0])) {
		say("bench: %s: warm-up failed\n", kvmmu_vm_type_name(type));
		return 1;
	}
	while (*c && k < BENCH_MAX_SIZES) {
		mib = strtoul(c, &end, 10);
		if (end == c || !mib)
			break;
		c = *end == ',' ? end + 1 : end;
		n = mib * MIB / PG;
		for (r = 0; r < opt.reps; r++) {
			if (bench_host(mib * MIB, &s[r]) ||
			    bench_guest(mib * MIB, r * 2 + 1, &s[r])) {
				say("bench: %s: %lu MiB run %u failed\n",
				    kvmmu_vm_type_name(type), mib, r);
				return 1;
			}
		}
		g1 = median(s, opt.reps, offsetof(struct bench_sample, guest1));
		h1 = median(s, opt.reps, offsetof(struct bench_sample, host1));
		g2 = median(s, opt.reps, offsetof(struct bench_sample, guest2));
		h2 = median(s, opt.reps, offsetof(struct bench_sample, host2));
		first[k++] = g1;
		say("%-10s %6lu | %12.0f %12.0f %6.2f %8llu | %12.0f %12.0f %6.2f %7llu\n",
		    kvmmu_vm_type_name(type), mib, g1, h1, g1 / h1, U64(s[0].faults1),
		    g2, h2, g2 / h2, U64(s[0].faults2));
		if (s[0].faults1 < n)
			say("  note: %llu faults for %lu fresh pages\n",
			    U64(s[0].faults1), n);
	}
	close(main_vcpu);
	close(vm_fd);
	return 0;
}

static int run_bench(void)
{
	unsigned long mask = offered_types();
	unsigned int t, k, nsizes = 0;
	const char *c;

	opt.workers = 0;
	if (opt.type >= 0)
		mask &= 1UL << opt.type;
	if (!mask) {
		fprintf(stderr, "kvmmu-demo: no such VM type offered\n");
		return 1;
	}
	for (c = opt.sizes; *c; c++)
		nsizes += *c == ',';
	nsizes = nsizes + 1 < BENCH_MAX_SIZES ? nsizes + 1 : BENCH_MAX_SIZES;
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	say("kvmmu-demo --bench: one 8-byte write per 4 KiB page of anonymous memory\n");
	say("  (%s), median of %u runs.  guest: KVMMU_RUN_WORKLOAD, rate\n",
	    opt.thp ? "THP allowed" : "MADV_NOHUGEPAGE", opt.reps);
	say("  from its ns; process: a store loop timed with clock_gettime.\n");
	say("  Second pass: the same memory, now mapped; fastest of %d rounds\n",
	    BENCH_ROUNDS);
	say("  of >= %d accesses.  One VM type after the other, same run.\n",
	    BENCH_MIN);
	say("%-10s %6s | %-41s | %s\n", "", "", "  first touch of fresh memory",
	    "  second pass (mapped)");
	say("%-10s %6s | %12s %12s %6s %8s | %12s %12s %6s %7s\n", "type",
	    "MiB", "guest pg/s", "process pg/s", "ratio", "faults",
	    "guest pg/s", "process pg/s", "ratio", "faults");
	for (t = 0; t < NR_TYPES; t++)
		if (mask & (1UL << t) && bench_type(t, bench_first[t]))
			return 1;
	say("ratio: guest rate / process rate (1.00 = as fast as the process's own access)\n");
	if (!(mask & 1UL << KVMMU_VM_X86_EPT) || mask == 1UL << KVMMU_VM_X86_EPT)
		return failures() ? 1 : 0;
	say("first-touch rate relative to x86_ept, per size:\n");
	for (t = 1; t < NR_TYPES; t++) {
		if (!(mask & (1UL << t)))
			continue;
		say("  %-10s", kvmmu_vm_type_name(t));
		for (k = 0; k < nsizes; k++)
			say(" %6.2f", bench_first[t][k] /
			    bench_first[KVMMU_VM_X86_EPT][k]);
		say("\n");
	}
	return failures() ? 1 : 0;
}

/* ------------------------------------------------------------ main */

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: kvmmu-demo [options]\n"
		"  -s, --size MIB       guest RAM (default 64, multiple of 4)\n"
		"  -d, --duration SEC   approximate run time (default 40)\n"
		"  -t, --threads N      vCPU workload threads, 1 or 2 (default 2)\n"
		"      --stride BYTES   workload stride, power of 2, 8..4096 (default 4096)\n"
		"      --thp            allow transparent huge pages under guest RAM\n"
		"      --bench          measure fault-in and access rates instead\n"
		"      --sizes LIST     bench sizes in MiB (default 16,64,256)\n"
		"      --reps N         bench repetitions per size (default 5)\n"
		"      --type NAME      VM type: x86_ept, x86_shadow, ppc_hv, mips\n"
		"                       (demo default x86_ept; bench default: all)\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, 't' },
		{ "stride", required_argument, NULL, 'S' },
		{ "thp", no_argument, NULL, 'H' },
		{ "bench", no_argument, NULL, 'b' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "reps", required_argument, NULL, 'r' },
		{ "type", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	unsigned int i;
	int c, ret;

	while ((c = getopt_long(argc, argv, "s:d:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'd':
			opt.duration = strtoul(optarg, NULL, 0);
			break;
		case 't':
			opt.workers = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			opt.stride = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			opt.thp = true;
			break;
		case 'b':
			opt.bench = true;
			break;
		case 'z':
			opt.sizes = optarg;
			break;
		case 'r':
			opt.reps = strtoul(optarg, NULL, 0);
			break;
		case 'T':
			for (i = 0; i < NR_TYPES; i++)
				if (!strcmp(optarg, kvmmu_vm_type_name(i)))
					opt.type = i;
			if (opt.type < 0) {
				print_usage(stderr);
				return 2;
			}
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || opt.size < 4 * MIB || opt.size % (4 * MIB) ||
	    opt.workers < 1 || opt.workers > MAX_WORKERS || opt.stride < 8 ||
	    opt.stride > PG || opt.stride & (opt.stride - 1) || !opt.reps ||
	    opt.reps > 16) {
		print_usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (opt.bench)
		return run_bench();
	ret = run_demo();
	host_restore();
	return ret;
}
