// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmu_rmap_bench.ko: what the rmap chains cost.  Loading it measures, for
 * chains of 1, 2, 14, 15 and 1000 sptes, the time per add (growing the
 * chains), per count, per walk (per chain and per entry) and per removal
 * (draining the chains newest first, then oldest first: removal searches
 * from the newest entry), takes the median over the repetitions and
 * prints one table to the kernel log, each line prefixed "rmap_bench:".
 * It does its work at load and returns 0; unload it afterwards.
 *
 * It calls into kvmmu.ko, which must be loaded, through the symbols
 * exported for the KUnit suites.
 */
/* The harness picks the table out of the kernel log by this prefix. */
#undef pr_fmt
#define pr_fmt(fmt) "rmap_bench: " fmt

#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "kvmmu/mmu.h"
#include "kvmmu/rmap.h"
#include "kvmmu/vm.h"

#define BENCH_MAX_REPS	31
/* Counting is too quick to time one pass over the chains. */
#define BENCH_COUNT_PASSES	16

static unsigned int reps = 15;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions per measurement, the median is shown (1-31, default 15)");

static unsigned int entries = 16384;
module_param(entries, uint, 0444);
MODULE_PARM_DESC(entries, "sptes per repetition, over as many chains as that makes (default 16384)");

static const unsigned int bench_lens[] = { 1, 2, 14, 15, 1000 };

enum bench_op {
	B_ADD,
	B_COUNT,
	B_WALK,		/* per chain */
	B_WALK_ENTRY,
	B_RM_NEW,
	B_RM_OLD,
	B_NR,
};

/* One chain length's state and its results, in tenths of a ns. */
struct bench {
	struct kvmmu_vm *vm;
	struct kvmmu_obj_cache cache;
	unsigned long *heads;
	u64 *sptes;
	unsigned int len;
	unsigned int nchains;
	u64 dt[B_NR][BENCH_MAX_REPS];
};

/* Tenths of a ns per operation. */
static u64 per_op(u64 ns, u64 ops)
{
	return div64_u64(ns * 10, ops);
}

/*
 * Grow every chain to @b->len; *@ns gets the time spent adding.
 * Descriptors come from the object cache, refilled (which may sleep) with
 * the clock stopped and mmu_lock dropped, as the fault path refills it
 * before taking mmu_lock.  Every chain operation holds mmu_lock, as the
 * rmap code asserts.
 */
static int bench_fill(struct bench *b, u64 *ns)
{
	unsigned int c, i;
	u64 t = 0, t0;
	int r = 0;

	spin_lock(&b->vm->mmu_lock);
	t0 = ktime_get_ns();
	for (c = 0; c < b->nchains && !r; c++) {
		for (i = 0; i < b->len; i++) {
			if (!b->cache.nobjs) {
				t += ktime_get_ns() - t0;
				spin_unlock(&b->vm->mmu_lock);
				r = kvmmu_obj_cache_topup(&b->cache, 1);
				spin_lock(&b->vm->mmu_lock);
				if (r)
					break;
				t0 = ktime_get_ns();
			}
			r = kvmmu_rmap_add(b->vm, &b->heads[c], &b->sptes[i],
					   &b->cache);
			if (r != (int)i + 1) {
				r = r < 0 ? r : -EIO;
				break;
			}
			r = 0;
		}
	}
	*ns = t + ktime_get_ns() - t0;
	spin_unlock(&b->vm->mmu_lock);
	return r;
}

/* Drain every chain, newest or oldest spte first, timed into *@ns. */
static int bench_drain(struct bench *b, bool newest_first, u64 *ns)
{
	unsigned int c, i;
	bool ok = true;
	u64 t0;

	spin_lock(&b->vm->mmu_lock);
	t0 = ktime_get_ns();
	for (c = 0; c < b->nchains; c++) {
		for (i = 0; i < b->len; i++) {
			unsigned int k = newest_first ? b->len - 1 - i : i;

			ok &= kvmmu_rmap_remove(b->vm, &b->heads[c],
						&b->sptes[k]);
		}
	}
	*ns = ktime_get_ns() - t0;
	spin_unlock(&b->vm->mmu_lock);
	return ok ? 0 : -EIO;
}

static int bench_rep(struct bench *b, unsigned int rep)
{
	u64 ops = (u64)b->nchains * b->len, sum = 0, t0, ns;
	struct kvmmu_rmap_iter iter;
	unsigned int c, pass;
	u64 *sptep;
	int r;

	r = bench_fill(b, &ns);
	if (r)
		return r;
	b->dt[B_ADD][rep] = per_op(ns, ops);

	t0 = ktime_get_ns();
	for (pass = 0; pass < BENCH_COUNT_PASSES; pass++)
		for (c = 0; c < b->nchains; c++)
			sum += kvmmu_rmap_count(&b->heads[c]);
	ns = ktime_get_ns() - t0;
	if (sum != ops * BENCH_COUNT_PASSES)
		return -EIO;
	b->dt[B_COUNT][rep] = per_op(ns, (u64)b->nchains * BENCH_COUNT_PASSES);

	/* Touch each spte, as every real walk does. */
	sum = 0;
	spin_lock(&b->vm->mmu_lock);
	t0 = ktime_get_ns();
	for (c = 0; c < b->nchains; c++)
		for (sptep = kvmmu_rmap_iter_first(b->vm, &iter, &b->heads[c]);
		     sptep; sptep = kvmmu_rmap_iter_next(b->vm, &iter))
			sum += READ_ONCE(*sptep) + 1;
	ns = ktime_get_ns() - t0;
	spin_unlock(&b->vm->mmu_lock);
	if (sum != ops)
		return -EIO;
	b->dt[B_WALK][rep] = per_op(ns, b->nchains);
	b->dt[B_WALK_ENTRY][rep] = per_op(ns, ops);

	r = bench_drain(b, true, &ns);
	if (r)
		return r;
	b->dt[B_RM_NEW][rep] = per_op(ns, ops);

	r = bench_fill(b, &ns);
	if (!r)
		r = bench_drain(b, false, &ns);
	if (r)
		return r;
	b->dt[B_RM_OLD][rep] = per_op(ns, ops);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	return v[n / 2];
}

/* Run every repetition for chains of @len; print its row of the table. */
static int bench_len(struct kvmmu_vm *vm, unsigned int len)
{
	struct bench *b;
	u64 m[B_NR];
	unsigned int rep, c;
	int r = -ENOMEM, op;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->vm = vm;
	b->cache.kc = kvmmu_rmap_desc_cache();
	b->len = len;
	b->nchains = max(1U, entries / len);
	b->heads = kvcalloc(b->nchains, sizeof(*b->heads), GFP_KERNEL);
	b->sptes = kvcalloc(len, sizeof(*b->sptes), GFP_KERNEL);
	if (!b->heads || !b->sptes)
		goto out;

	for (rep = 0; rep < reps; rep++) {
		r = bench_rep(b, rep);
		if (r)
			goto out;
		cond_resched();
	}
	for (op = 0; op < B_NR; op++)
		m[op] = median(b->dt[op], reps);
	pr_info("%5u %7u %9llu.%llu %9llu.%llu %9llu.%llu %9llu.%llu %9llu.%llu %9llu.%llu\n",
		len, b->nchains,
		m[B_ADD] / 10, m[B_ADD] % 10,
		m[B_COUNT] / 10, m[B_COUNT] % 10,
		m[B_WALK] / 10, m[B_WALK] % 10,
		m[B_WALK_ENTRY] / 10, m[B_WALK_ENTRY] % 10,
		m[B_RM_NEW] / 10, m[B_RM_NEW] % 10,
		m[B_RM_OLD] / 10, m[B_RM_OLD] % 10);
out:
	if (r)
		pr_err("chains of %u: error %d\n", len, r);
	if (b->heads)
		for (c = 0; c < b->nchains; c++)
			kvmmu_rmap_destroy(&b->heads[c]);
	kvmmu_obj_cache_free(&b->cache);
	kvfree(b->heads);
	kvfree(b->sptes);
	kfree(b);
	return r;
}

static int __init rmap_bench_init(void)
{
	struct kvmmu_vm *vm;
	unsigned int l;
	int r = 0;

	if (!reps || reps > BENCH_MAX_REPS || !entries)
		return -EINVAL;
	if (!kvmmu_rmap_desc_cache())
		return -ENODEV;
	/*
	 * Its mmu_lock is held around the chains, and kvmmu_bug_on() marks
	 * it; nothing else of it is used, so its backend is not set up.
	 */
	vm = kvmmu_vm_alloc(&kvmmu_x86_shadow_ops, false);
	if (!vm)
		return -ENOMEM;

	pr_info("ns per operation, median of %u runs of %u sptes\n",
		reps, entries);
	pr_info("%5s %7s %11s %11s %11s %11s %11s %11s\n",
		"len", "chains", "add", "count", "walk/chain", "walk/spte",
		"rm newest", "rm oldest");
	for (l = 0; l < ARRAY_SIZE(bench_lens) && !r; l++)
		r = bench_len(vm, bench_lens[l]);
	if (!r && READ_ONCE(vm->bugged))
		r = -EIO;
	kvmmu_vm_free(vm);
	return r;
}

/* Nothing to undo: everything was freed at load. */
static void __exit rmap_bench_exit(void)
{
}

module_init(rmap_bench_init);
module_exit(rmap_bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvmmu rmap chain micro-benchmark");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
