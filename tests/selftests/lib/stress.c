// SPDX-License-Identifier: GPL-2.0
/*
 * The multi-vCPU stress loop (see kvmmu_stress.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "kvmmu_access.h"
#include "kvmmu_stress.h"
#include "kvmmu_util.h"
#include "kvmmu_vm.h"

void kvmmu_stress_init(struct kvmmu_stress *s, long min_ms, long max_ms)
{
	memset(s, 0, sizeof(*s));
	s->min_ms = min_ms;
	s->max_ms = max_ms;
	s->rnd = 1;
}

unsigned int kvmmu_stress_add_remap(struct kvmmu_stress *s, __u64 even,
				    __u64 odd)
{
	struct kvmmu_stress_slot *sl = &s->slot[s->nr_slots];

	sl->val[0] = even;
	sl->val[1] = odd;
	return s->nr_slots++;
}

unsigned int kvmmu_stress_add_drop(struct kvmmu_stress *s, unsigned int id,
				   void *page)
{
	struct kvmmu_stress_slot *sl = &s->slot[s->nr_slots];

	sl->drop = true;
	sl->id = id;
	sl->page = page;
	kvmmu_poke(page, kvmmu_stress_drop_val(id, 0));
	return s->nr_slots++;
}

void kvmmu_stress_add_read(struct kvmmu_stress *s, __u64 addr,
			   unsigned int slot)
{
	s->read_addr[s->nr_reads] = addr;
	s->read_slot[s->nr_reads] = slot;
	s->nr_reads++;
}

struct kvmmu_stress_vcpu *kvmmu_stress_add_vcpu(struct kvmmu_stress *s,
						int fd, bool read,
						unsigned long min_progress)
{
	struct kvmmu_stress_vcpu *t = &s->vcpu[s->nr_vcpus++];

	t->s = s;
	t->fd = fd;
	t->read = read;
	t->min_progress = min_progress;
	return t;
}

__u64 kvmmu_stress_drop_val(unsigned int id, unsigned int gen)
{
	return 0xd0ULL << 56 | (__u64)id << 32 | gen;
}

/*
 * A read of drop slot @sl that raced with changes from generation @gen
 * (its count was @s1, now @s2): the page was empty (dropped, not yet
 * rewritten) or holds one of the generations written meanwhile.
 */
static bool drop_loose_ok(const struct kvmmu_stress_slot *sl, __u64 data,
			  unsigned int gen, unsigned int s2)
{
	__u64 tag = kvmmu_stress_drop_val(sl->id, 0) & ~0xffffffffULL;

	return !data ||
	       ((data & ~0xffffffffULL) == tag &&
		(data & 0xffffffff) >= gen &&
		(data & 0xffffffff) <= s2 / 2 + 1);
}

static bool check(struct kvmmu_stress_vcpu *t,
		  const struct kvmmu_stress_slot *sl,
		  const struct kvmmu_access *a, unsigned int s1,
		  unsigned int s2)
{
	struct kvmmu_stress *s = t->s;
	unsigned int gen = s1 / 2;

	if (s1 == s2 && !(s2 % 2)) {
		t->checked++;
		if (a->result)
			return false;
		return a->data == (sl->drop ? kvmmu_stress_drop_val(sl->id, gen) :
					      sl->val[gen % 2]);
	}
	t->loose++;
	if (sl->drop)
		return !a->result && drop_loose_ok(sl, a->data, gen, s2);
	if (!a->result)
		return a->data == sl->val[0] || a->data == sl->val[1];
	return s->loose_fault && a->result == s->loose_result &&
	       a->data == s->loose_data;
}

void kvmmu_stress_round(struct kvmmu_stress_vcpu *t)
{
	struct kvmmu_stress *s = t->s;
	struct kvmmu_access a[KVMMU_STRESS_MAX_READS];
	unsigned int s1[KVMMU_STRESS_MAX_READS], s2, i;
	struct kvmmu_stress_slot *sl;

	memset(a, 0, sizeof(a));
	for (i = 0; i < s->nr_reads; i++) {
		a[i].gpa = s->read_addr[i];
		a[i].type = KVMMU_ACCESS_READ;
		a[i].size = 8;
		a[i].result = 1;	/* the kernel must overwrite it */
		s1[i] = kvmmu_seq_load(&s->slot[s->read_slot[i]].seq);
	}
	if (kvmmu_access_batch(t->fd, a, s->nr_reads)) {
		t->bad++;
		return;
	}
	t->rounds++;
	for (i = 0; i < s->nr_reads; i++) {
		sl = &s->slot[s->read_slot[i]];
		s2 = kvmmu_seq_load(&sl->seq);
		if (check(t, sl, &a[i], s1[i], s2))
			continue;
		if (t->bad++ < 4)
			fprintf(stderr,
				"# vcpu %d slot %u: result %d data %#llx, seq %u..%u\n",
				t->fd, i, a[i].result,
				(unsigned long long)a[i].data, s1[i], s2);
	}
}

/* The verified workload: write a pattern, then read and compare it. */
static void run_workload(struct kvmmu_stress_vcpu *t, __u64 seed)
{
	struct kvmmu_run run;

	t->runs++;
	if (kvmmu_run_workload(t->fd, &run, t->wl_gpa, t->wl_size,
			       t->wl_stride, seed, 1, KVMMU_RUN_WRITE) ||
	    run.error)
		t->run_bad++;
	if (!kvmmu_run_workload(t->fd, &run, t->wl_gpa, t->wl_size,
				t->wl_stride, seed, 1,
				KVMMU_RUN_READ | KVMMU_RUN_VERIFY) &&
	    !run.error && !run.mismatches)
		return;
	if (!t->run_bad++)
		fprintf(stderr,
			"# workload: error %d at %#llx, %llu mismatches from %#llx\n",
			run.error, (unsigned long long)run.error_gpa,
			(unsigned long long)run.mismatches,
			(unsigned long long)run.first_mismatch_gpa);
}

static void *stress_vcpu(void *arg)
{
	struct kvmmu_stress_vcpu *t = arg;
	__u64 seed = t->fd;

	while (!__atomic_load_n(&t->s->stop, __ATOMIC_SEQ_CST)) {
		if (t->read)
			kvmmu_stress_round(t);
		if (t->wl_size) {
			seed += 0x1000;
			run_workload(t, seed);
		}
		__atomic_store_n(&t->progress, t->rounds + t->runs,
				 __ATOMIC_RELAXED);
	}
	return NULL;
}

int kvmmu_stress_start(struct kvmmu_stress *s)
{
	unsigned int i;
	int err;

	s->stop = false;
	for (i = 0; i < s->nr_vcpus; i++) {
		err = pthread_create(&s->tid[i], NULL, stress_vcpu,
				     &s->vcpu[i]);
		if (err) {
			s->nr_vcpus = i;
			kvmmu_stress_stop(s);
			return -err;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	return 0;
}

bool kvmmu_stress_running(struct kvmmu_stress *s, unsigned long done,
			  unsigned long min_done)
{
	long ms = kvmmu_ms_since(&s->t0);
	unsigned int i;

	if (ms < s->min_ms)
		return true;
	if (ms >= s->max_ms)
		return false;
	if (done < min_done)
		return true;
	for (i = 0; i < s->nr_vcpus; i++)
		if (__atomic_load_n(&s->vcpu[i].progress, __ATOMIC_RELAXED) <
		    s->vcpu[i].min_progress)
			return true;
	return false;
}

unsigned int kvmmu_stress_rand(struct kvmmu_stress *s)
{
	s->rnd = s->rnd * 1103515245 + 12345;
	return s->rnd;
}

unsigned int kvmmu_stress_begin(struct kvmmu_stress *s, unsigned int slot)
{
	kvmmu_seq_bump(&s->slot[slot].seq);
	return (s->slot[slot].seq + 1) / 2;
}

void kvmmu_stress_end(struct kvmmu_stress *s, unsigned int slot)
{
	kvmmu_seq_bump(&s->slot[slot].seq);
}

unsigned int kvmmu_stress_gen(struct kvmmu_stress *s, unsigned int slot)
{
	return s->slot[slot].seq / 2;
}

int kvmmu_stress_drop(struct kvmmu_stress *s, unsigned int slot)
{
	struct kvmmu_stress_slot *sl = &s->slot[slot];
	unsigned int gen = kvmmu_stress_begin(s, slot);
	int err = madvise(sl->page, PAGE_SIZE_4K, MADV_DONTNEED) ? -errno : 0;

	kvmmu_poke(sl->page, kvmmu_stress_drop_val(sl->id, gen));
	kvmmu_stress_end(s, slot);
	return err;
}

void kvmmu_stress_stop(struct kvmmu_stress *s)
{
	unsigned int i;

	__atomic_store_n(&s->stop, true, __ATOMIC_SEQ_CST);
	for (i = 0; i < s->nr_vcpus; i++)
		pthread_join(s->tid[i], NULL);
}
