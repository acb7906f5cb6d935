// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the rmap chains: the head-word encodings, the descriptor
 * layout at every size boundary, compact removal and the collapse back to
 * a single pointer, walks that remove what they visit, and long random
 * add/remove/walk sequences checked after every step against a bitmap of
 * which sptes should be in the chain.  The sptes are entries of an array
 * nothing ever reads; the VM is a real one (fake_vm.h), and every chain
 * operation holds its mmu_lock, as the rmap code asserts.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "kvmmu/mmu.h"
#include "kvmmu/rmap.h"
#include "kvmmu/rmap_internal.h"
#include "kvmmu/vm.h"

#include "fake_vm.h"

/* Fake sptes: enough for chains past KVMMU_RMAP_RECYCLE_THRESHOLD. */
#define RMAP_POOL	1200
#define RMAP_MAX_DESCS	DIV_ROUND_UP(RMAP_POOL, KVMMU_RMAP_DESC_SPTES)

/* A copy of a chain, to tell that an operation changed nothing. */
struct rmap_snapshot {
	unsigned long head;
	unsigned int ndescs;
	struct kvmmu_rmap_desc descs[RMAP_MAX_DESCS];
};

struct rmap_test {
	struct kvmmu_vm *vm;
	struct kvmmu_obj_cache cache;
	unsigned long head;
	u64 *pool;
	/* The reference model: bit i set iff &pool[i] is in the chain. */
	unsigned long *in;
	/* Visits of each pool entry during one walk. */
	u8 *seen;
	/* The sptes one walk visited, in order. */
	u64 **visits;
	struct rmap_snapshot *snap;
};

static int rmap_test_init(struct kunit *test)
{
	struct rmap_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->vm = kvmmu_test_vm(test, &kvmmu_x86_shadow_ops);
	t->pool = kunit_kcalloc(test, RMAP_POOL, sizeof(u64), GFP_KERNEL);
	t->in = kunit_kcalloc(test, BITS_TO_LONGS(RMAP_POOL), sizeof(long),
			      GFP_KERNEL);
	t->seen = kunit_kzalloc(test, RMAP_POOL, GFP_KERNEL);
	t->visits = kunit_kcalloc(test, RMAP_POOL + 1, sizeof(u64 *),
				  GFP_KERNEL);
	t->snap = kunit_kzalloc(test, sizeof(*t->snap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->pool);
	KUNIT_ASSERT_NOT_NULL(test, t->in);
	KUNIT_ASSERT_NOT_NULL(test, t->seen);
	KUNIT_ASSERT_NOT_NULL(test, t->visits);
	KUNIT_ASSERT_NOT_NULL(test, t->snap);
	t->cache.kc = kvmmu_rmap_desc_cache();
	KUNIT_ASSERT_NOT_NULL(test, t->cache.kc);
	test->priv = t;
	return 0;
}

static void rmap_test_exit(struct kunit *test)
{
	struct rmap_test *t = test->priv;

	/* Whatever a failed case left behind; kmemleak checks the rest. */
	kvmmu_rmap_destroy(&t->head);
	kvmmu_obj_cache_free(&t->cache);
}

static unsigned int model_count(struct rmap_test *t)
{
	return bitmap_weight(t->in, RMAP_POOL);
}

/* The pool index of @sptep, or -1 if it is not a pool entry. */
static int pool_index(struct rmap_test *t, u64 *sptep)
{
	if (sptep < t->pool || sptep >= t->pool + RMAP_POOL)
		return -1;
	return sptep - t->pool;
}

static struct kvmmu_rmap_desc *head_desc(unsigned long head)
{
	return (struct kvmmu_rmap_desc *)(head & ~1UL);
}

static unsigned int desc_count(unsigned long head)
{
	struct kvmmu_rmap_desc *desc;
	unsigned int n = 0;

	if (!(head & 1))
		return 0;
	for (desc = head_desc(head); desc; desc = desc->more)
		n++;
	return n;
}

/* Add pool[@i] to the chain and the model; the add must succeed. */
static void add(struct kunit *test, unsigned int i)
{
	struct rmap_test *t = test->priv;
	unsigned int want = model_count(t) + 1;
	int r;

	KUNIT_ASSERT_EQ(test, kvmmu_obj_cache_topup(&t->cache, 1), 0);
	spin_lock(&t->vm->mmu_lock);
	r = kvmmu_rmap_add(t->vm, &t->head, &t->pool[i], &t->cache);
	spin_unlock(&t->vm->mmu_lock);
	KUNIT_ASSERT_EQ_MSG(test, r, (int)want, "adding pool[%u]", i);
	__set_bit(i, t->in);
}

/* Remove pool[@i], which the model says is in the chain. */
static void del(struct kunit *test, unsigned int i)
{
	struct rmap_test *t = test->priv;
	bool r;

	spin_lock(&t->vm->mmu_lock);
	r = kvmmu_rmap_remove(t->vm, &t->head, &t->pool[i]);
	spin_unlock(&t->vm->mmu_lock);
	KUNIT_ASSERT_TRUE_MSG(test, r, "removing pool[%u]", i);
	__clear_bit(i, t->in);
}

/*
 * Check the chain's layout against the header's rules and its contents
 * against the model: the encoding fits the length, every descriptor but
 * the first is full, every @tail_count is exact, the first descriptor's
 * unused slots are clear, and each spte the model holds is there once.
 */
static void check_layout(struct kunit *test, const char *what)
{
	struct rmap_test *t = test->priv;
	unsigned int n = model_count(t), got = 0, ndescs = 0, i;
	unsigned long head = t->head;
	struct kvmmu_rmap_desc *desc;

	KUNIT_ASSERT_EQ_MSG(test, kvmmu_rmap_count(&t->head), n, "%s", what);
	if (n == 0) {
		KUNIT_ASSERT_EQ_MSG(test, head, 0UL, "%s", what);
		return;
	}
	if (n == 1) {
		i = find_first_bit(t->in, RMAP_POOL);
		KUNIT_ASSERT_EQ_MSG(test, head, (unsigned long)&t->pool[i],
				    "%s: one entry is the single form", what);
		return;
	}
	KUNIT_ASSERT_TRUE_MSG(test, head & 1, "%s: %u entries need a desc",
			      what, n);

	memset(t->seen, 0, RMAP_POOL);
	desc = head_desc(head);
	KUNIT_ASSERT_GE_MSG(test, desc->spte_count, 1U, "%s", what);
	KUNIT_ASSERT_LE_MSG(test, desc->spte_count,
			    (u32)KVMMU_RMAP_DESC_SPTES, "%s", what);
	KUNIT_ASSERT_EQ_MSG(test, desc->tail_count, n - desc->spte_count,
			    "%s: first desc's tail_count", what);
	for (i = desc->spte_count; i < KVMMU_RMAP_DESC_SPTES; i++)
		KUNIT_ASSERT_NULL_MSG(test, desc->sptes[i],
				      "%s: stale slot %u", what, i);
	for (; desc; desc = desc->more) {
		if (ndescs++) {
			KUNIT_ASSERT_EQ_MSG(test, desc->spte_count,
					    (u32)KVMMU_RMAP_DESC_SPTES,
					    "%s: desc %u not full", what,
					    ndescs - 1);
		}
		KUNIT_ASSERT_EQ_MSG(test, desc->tail_count + desc->spte_count,
				    n - got, "%s: desc %u tail_count", what,
				    ndescs - 1);
		KUNIT_ASSERT_LE_MSG(test, ndescs, (unsigned int)RMAP_MAX_DESCS,
				    "%s: chain loops", what);
		for (i = 0; i < desc->spte_count; i++) {
			int idx = pool_index(t, desc->sptes[i]);

			KUNIT_ASSERT_GE_MSG(test, idx, 0, "%s: desc %u slot %u",
					    what, ndescs - 1, i);
			KUNIT_ASSERT_TRUE_MSG(test, test_bit(idx, t->in),
					      "%s: pool[%d] should be gone",
					      what, idx);
			KUNIT_ASSERT_EQ_MSG(test, ++t->seen[idx], 1,
					    "%s: pool[%d] twice", what, idx);
			got++;
		}
	}
	KUNIT_ASSERT_EQ_MSG(test, got, n, "%s: entries", what);
	KUNIT_ASSERT_EQ_MSG(test, ndescs, DIV_ROUND_UP(n, KVMMU_RMAP_DESC_SPTES),
			    "%s: descs", what);
}

/*
 * Walk the chain; the @remove(@k)-th visit (k counted from 0) removes
 * the visited spte, from the chain and the model.  Returns the number of
 * visits, recorded in t->visits; the walk's own misuse check must stay
 * quiet.  Asserts come after the walk: none may abort under the lock.
 */
static unsigned int walk(struct kunit *test, bool (*remove)(u32 k, void *arg),
			 void *arg)
{
	struct rmap_test *t = test->priv;
	struct kvmmu_rmap_iter iter;
	unsigned int nv = 0, i;
	bool removed_ok = true;
	u64 *sptep;

	spin_lock(&t->vm->mmu_lock);
	for (sptep = kvmmu_rmap_iter_first(t->vm, &iter, &t->head); sptep;
	     sptep = kvmmu_rmap_iter_next(t->vm, &iter)) {
		int idx = pool_index(t, sptep);

		t->visits[nv] = sptep;
		if (++nv > RMAP_POOL)
			break;
		if (idx >= 0 && remove && remove(nv - 1, arg)) {
			removed_ok &= kvmmu_rmap_remove(t->vm, &t->head, sptep);
			__clear_bit(idx, t->in);
		}
	}
	spin_unlock(&t->vm->mmu_lock);

	KUNIT_ASSERT_LE_MSG(test, nv, (unsigned int)RMAP_POOL,
			    "more visits than sptes");
	KUNIT_ASSERT_TRUE(test, removed_ok);
	KUNIT_ASSERT_FALSE_MSG(test, READ_ONCE(t->vm->bugged),
			       "misuse reported");
	memset(t->seen, 0, RMAP_POOL);
	for (i = 0; i < nv; i++) {
		int idx = pool_index(t, t->visits[i]);

		KUNIT_ASSERT_GE_MSG(test, idx, 0, "visit %u: not an spte", i);
		KUNIT_ASSERT_EQ_MSG(test, ++t->seen[idx], 1,
				    "visit %u: pool[%d] again", i, idx);
	}
	return nv;
}

/* A walk that removes nothing visits exactly what the model holds. */
static void check(struct kunit *test, const char *what)
{
	struct rmap_test *t = test->priv;
	unsigned int n = model_count(t), i;

	check_layout(test, what);
	KUNIT_ASSERT_EQ_MSG(test, walk(test, NULL, NULL), n, "%s: walk", what);
	for (i = 0; i < RMAP_POOL; i++)
		KUNIT_ASSERT_EQ_MSG(test, t->seen[i], test_bit(i, t->in) ? 1 : 0,
				    "%s: walk and pool[%u]", what, i);
}

static void snapshot(struct rmap_test *t)
{
	struct kvmmu_rmap_desc *desc;

	t->snap->head = t->head;
	t->snap->ndescs = 0;
	if (!(t->head & 1))
		return;
	for (desc = head_desc(t->head); desc; desc = desc->more)
		t->snap->descs[t->snap->ndescs++] = *desc;
}

/* Nothing in the chain, descriptors included, differs from the snapshot. */
static void expect_unchanged(struct kunit *test, const char *what)
{
	struct rmap_test *t = test->priv;
	struct kvmmu_rmap_desc *desc;
	unsigned int i = 0;

	KUNIT_ASSERT_EQ_MSG(test, t->head, t->snap->head, "%s", what);
	if (!(t->head & 1))
		return;
	for (desc = head_desc(t->head); desc; desc = desc->more, i++) {
		KUNIT_ASSERT_LT_MSG(test, i, t->snap->ndescs, "%s", what);
		KUNIT_ASSERT_TRUE_MSG(test, !memcmp(desc, &t->snap->descs[i],
						    sizeof(*desc)),
				      "%s: desc %u changed", what, i);
	}
	KUNIT_ASSERT_EQ_MSG(test, i, t->snap->ndescs, "%s", what);
}

static void rmap_empty_and_single(struct kunit *test)
{
	struct rmap_test *t = test->priv;
	struct kvmmu_rmap_iter iter;
	u64 *first, *next;

	KUNIT_EXPECT_EQ(test, kvmmu_rmap_count(&t->head), 0U);
	spin_lock(&t->vm->mmu_lock);
	first = kvmmu_rmap_iter_first(t->vm, &iter, &t->head);
	spin_unlock(&t->vm->mmu_lock);
	KUNIT_EXPECT_NULL(test, first);
	KUNIT_EXPECT_EQ(test, walk(test, NULL, NULL), 0U);

	add(test, 5);
	/* The single form is the spte pointer itself, no descriptor. */
	KUNIT_EXPECT_EQ(test, t->head, (unsigned long)&t->pool[5]);
	KUNIT_EXPECT_EQ(test, t->cache.nobjs, KVMMU_OBJ_CACHE_SIZE);
	KUNIT_EXPECT_EQ(test, kvmmu_rmap_count(&t->head), 1U);
	spin_lock(&t->vm->mmu_lock);
	first = kvmmu_rmap_iter_first(t->vm, &iter, &t->head);
	next = kvmmu_rmap_iter_next(t->vm, &iter);
	spin_unlock(&t->vm->mmu_lock);
	KUNIT_EXPECT_PTR_EQ(test, first, &t->pool[5]);
	KUNIT_EXPECT_NULL(test, next);
	check(test, "single");

	del(test, 5);
	KUNIT_EXPECT_EQ(test, t->head, 0UL);
	check(test, "empty again");
	KUNIT_EXPECT_FALSE(test, t->vm->bugged);
}

static void rmap_one_two_one(struct kunit *test)
{
	struct rmap_test *t = test->priv;
	struct kvmmu_rmap_desc *desc;

	add(test, 1);
	add(test, 2);
	/* The second entry takes exactly one descriptor from the cache. */
	KUNIT_EXPECT_EQ(test, t->cache.nobjs, KVMMU_OBJ_CACHE_SIZE - 1);
	KUNIT_ASSERT_TRUE(test, t->head & 1);
	desc = head_desc(t->head);
	KUNIT_EXPECT_PTR_EQ(test, desc->sptes[0], &t->pool[1]);
	KUNIT_EXPECT_PTR_EQ(test, desc->sptes[1], &t->pool[2]);
	KUNIT_EXPECT_EQ(test, desc->spte_count, 2U);
	KUNIT_EXPECT_EQ(test, desc->tail_count, 0U);
	KUNIT_EXPECT_NULL(test, desc->more);
	check(test, "two");

	/* Back to one: the single form, holding the survivor. */
	del(test, 1);
	KUNIT_EXPECT_EQ(test, t->head, (unsigned long)&t->pool[2]);
	check(test, "two minus the older");

	add(test, 1);
	check(test, "two again");
	del(test, 1);
	KUNIT_EXPECT_EQ(test, t->head, (unsigned long)&t->pool[2]);
	add(test, 3);
	del(test, 2);
	KUNIT_EXPECT_EQ(test, t->head, (unsigned long)&t->pool[3]);
	del(test, 3);
	check(test, "empty");
}

/* Grow to 29 and shrink back, newest first, across every boundary. */
static void rmap_desc_boundaries(struct kunit *test)
{
	struct rmap_test *t = test->priv;
	struct kvmmu_rmap_desc *desc;
	char what[32];
	int i;

	for (i = 0; i < 29; i++) {
		add(test, i);
		snprintf(what, sizeof(what), "grown to %d", i + 1);
		check(test, what);
		KUNIT_EXPECT_EQ_MSG(test, desc_count(t->head),
				    i ? DIV_ROUND_UP(i + 1, 14) : 0, "%s", what);
		if (i + 1 == 14) {
			desc = head_desc(t->head);
			KUNIT_EXPECT_EQ(test, desc->spte_count, 14U);
			KUNIT_EXPECT_NULL(test, desc->more);
		}
		if (i + 1 == 15 || i + 1 == 29) {
			/* A fresh first descriptor, prepended to full ones. */
			desc = head_desc(t->head);
			KUNIT_EXPECT_EQ(test, desc->spte_count, 1U);
			KUNIT_EXPECT_EQ(test, desc->tail_count, (u32)i);
			KUNIT_EXPECT_PTR_EQ(test, desc->sptes[0], &t->pool[i]);
			KUNIT_ASSERT_NOT_NULL(test, desc->more);
			KUNIT_EXPECT_EQ(test, desc->more->spte_count, 14U);
			KUNIT_EXPECT_EQ(test, desc->more->tail_count,
					(u32)i - 14);
		}
	}
	for (i = 28; i >= 0; i--) {
		del(test, i);
		snprintf(what, sizeof(what), "shrunk to %d", i);
		check(test, what);
		KUNIT_EXPECT_EQ_MSG(test, desc_count(t->head),
				    i > 1 ? DIV_ROUND_UP(i, 14) : 0, "%s", what);
	}
}

/* Removal fills the hole with the first descriptor's last entry. */
static void rmap_remove_compacts(struct kunit *test)
{
	struct rmap_test *t = test->priv;
	struct kvmmu_rmap_desc *first, *tail;
	int i;

	for (i = 0; i < 20; i++)
		add(test, i);
	first = head_desc(t->head);
	tail = first->more;
	KUNIT_ASSERT_NOT_NULL(test, tail);
	KUNIT_EXPECT_PTR_EQ(test, tail->sptes[3], &t->pool[3]);

	del(test, 3);
	KUNIT_EXPECT_PTR_EQ(test, tail->sptes[3], &t->pool[19]);
	KUNIT_EXPECT_EQ(test, first->spte_count, 5U);
	check(test, "20 minus pool[3]");

	/* Down to 15, then 14: the emptied first descriptor goes. */
	for (i = 15; i < 19; i++)
		del(test, i);
	KUNIT_EXPECT_EQ(test, first->spte_count, 1U);
	KUNIT_EXPECT_PTR_EQ(test, first->sptes[0], &t->pool[14]);
	del(test, 0);
	KUNIT_EXPECT_EQ(test, t->head, (unsigned long)tail | 1);
	KUNIT_EXPECT_PTR_EQ(test, tail->sptes[0], &t->pool[14]);
	check(test, "14 left");
}

struct walk_pattern {
	const char *name;
	bool (*remove)(u32 k, void *arg);
	/* Entries a chain of @len has left after the walk. */
	unsigned int (*left)(unsigned int len);
};

static unsigned int left_all(unsigned int len)
{
	return len;
}

static unsigned int left_none(unsigned int len)
{
	return 0;
}

static unsigned int left_half_down(unsigned int len)
{
	return len / 2;
}

static unsigned int left_half_up(unsigned int len)
{
	return len - len / 2;
}

static bool remove_all(u32 k, void *arg)
{
	return true;
}

static bool remove_even(u32 k, void *arg)
{
	return !(k & 1);
}

static bool remove_odd(u32 k, void *arg)
{
	return k & 1;
}

static bool remove_random(u32 k, void *arg)
{
	return prandom_u32_state(arg) % 3 == 0;
}

static void rmap_walk_with_removal(struct kunit *test)
{
	static const unsigned int lens[] = { 1, 2, 3, 14, 15, 16, 28, 29, 1000 };
	static const struct walk_pattern patterns[] = {
		{ "none", NULL, left_all },
		{ "all", remove_all, left_none },
		{ "even visits", remove_even, left_half_down },
		{ "odd visits", remove_odd, left_half_up },
	};
	struct rmap_test *t = test->priv;
	unsigned int l, p, i, nv, len;
	char what[48];

	for (l = 0; l < ARRAY_SIZE(lens); l++) {
		for (p = 0; p < ARRAY_SIZE(patterns); p++) {
			len = lens[l];
			snprintf(what, sizeof(what), "length %u, remove %s",
				 len, patterns[p].name);
			for (i = 0; i < len; i++)
				add(test, i);
			nv = walk(test, patterns[p].remove, NULL);
			KUNIT_ASSERT_EQ_MSG(test, nv, len, "%s", what);
			/* Last added first, whatever the walk removes. */
			for (i = 0; i < len; i++)
				KUNIT_ASSERT_PTR_EQ_MSG(test, t->visits[i],
							&t->pool[len - 1 - i],
							"%s: visit %u", what,
							i);
			KUNIT_ASSERT_EQ_MSG(test, model_count(t),
					    patterns[p].left(len), "%s: left",
					    what);
			check(test, what);
			kvmmu_rmap_destroy(&t->head);
			bitmap_zero(t->in, RMAP_POOL);
			KUNIT_ASSERT_EQ(test, t->head, 0UL);
		}
	}
}

/* Start a walk, under mmu_lock as kvmmu_rmap_iter_first() asserts. */
static u64 *iter_first(struct rmap_test *t, struct kvmmu_rmap_iter *iter)
{
	u64 *sptep;

	spin_lock(&t->vm->mmu_lock);
	sptep = kvmmu_rmap_iter_first(t->vm, iter, &t->head);
	spin_unlock(&t->vm->mmu_lock);
	return sptep;
}

/* The WARN-free halves of the bug checks: misuse is seen, nothing changes. */
static void rmap_misuse_detected(struct kunit *test)
{
	static const unsigned int lens[] = { 0, 1, 2, 15 };
	struct rmap_test *t = test->priv;
	struct kvmmu_rmap_iter iter;
	unsigned int l, i;
	bool misuse;
	u64 *sptep;

	for (l = 0; l < ARRAY_SIZE(lens); l++) {
		for (i = 0; i < lens[l]; i++)
			add(test, i);
		snapshot(t);
		KUNIT_EXPECT_FALSE(test, __kvmmu_rmap_remove(&t->head,
							     &t->pool[500]));
		/* Misaligned: no entry can be it. */
		sptep = (u64 *)((char *)&t->pool[0] + 4);
		KUNIT_EXPECT_FALSE(test, __kvmmu_rmap_remove(&t->head, sptep));
		KUNIT_EXPECT_FALSE(test, __kvmmu_rmap_remove(&t->head, NULL));
		expect_unchanged(test, "absent removal");
		check(test, "absent removal");
		kvmmu_rmap_destroy(&t->head);
		bitmap_zero(t->in, RMAP_POOL);
	}

	/* An add during a walk ends it. */
	for (i = 0; i < 20; i++)
		add(test, i);
	sptep = iter_first(t, &iter);
	KUNIT_EXPECT_PTR_EQ(test, sptep, &t->pool[19]);
	add(test, 20);
	KUNIT_EXPECT_NULL(test, __kvmmu_rmap_iter_next(&iter, &misuse));
	KUNIT_EXPECT_TRUE(test, misuse);
	KUNIT_EXPECT_NULL(test, __kvmmu_rmap_iter_next(&iter, &misuse));

	/* So does removing more than the current entry. */
	sptep = iter_first(t, &iter);
	KUNIT_EXPECT_PTR_EQ(test, sptep, &t->pool[20]);
	sptep = __kvmmu_rmap_iter_next(&iter, &misuse);
	KUNIT_EXPECT_FALSE(test, misuse);
	KUNIT_EXPECT_PTR_EQ(test, sptep, &t->pool[19]);
	del(test, 19);
	del(test, 3);
	KUNIT_EXPECT_NULL(test, __kvmmu_rmap_iter_next(&iter, &misuse));
	KUNIT_EXPECT_TRUE(test, misuse);

	/* Removing the current entry is not misuse. */
	sptep = iter_first(t, &iter);
	del(test, pool_index(t, sptep));
	sptep = __kvmmu_rmap_iter_next(&iter, &misuse);
	KUNIT_EXPECT_FALSE(test, misuse);
	KUNIT_EXPECT_NOT_NULL(test, sptep);
	check(test, "after the misused walks");
	KUNIT_EXPECT_FALSE(test, t->vm->bugged);
}

/*
 * Random adds, removals and walks that remove some of what they visit,
 * from seed @seed for @ops steps, with the chain swinging between empty
 * and @max entries; the chain is checked against the model after each.
 */
static void random_run(struct kunit *test, u64 seed, unsigned int ops,
		       unsigned int max)
{
	struct rmap_test *t = test->priv;
	struct rnd_state rnd;
	unsigned int op, n, i, nv;
	bool grow = true;
	char what[64];
	u32 r;

	prandom_seed_state(&rnd, seed);
	for (op = 0; op < ops; op++) {
		n = model_count(t);
		if (n >= max)
			grow = false;
		else if (!n)
			grow = true;
		r = prandom_u32_state(&rnd);
		snprintf(what, sizeof(what), "seed %llu op %u (%u entries)",
			 seed, op, n);

		if (r % 61 == 0) {
			/* A walk removing about one visit in three. */
			struct rnd_state walk_rnd;

			prandom_seed_state(&walk_rnd, r);
			nv = walk(test, remove_random, &walk_rnd);
			KUNIT_ASSERT_EQ_MSG(test, nv, n, "%s: walk", what);
			check(test, what);
			n = model_count(t);
		}

		i = (r >> 8) % RMAP_POOL;
		if (!n || (n < max && (r & 0xff) < (grow ? 180 : 76))) {
			i = find_next_zero_bit(t->in, RMAP_POOL, i);
			if (i >= RMAP_POOL)
				i = find_first_zero_bit(t->in, RMAP_POOL);
			add(test, i);
		} else {
			i = find_next_bit(t->in, RMAP_POOL, i);
			if (i >= RMAP_POOL)
				i = find_first_bit(t->in, RMAP_POOL);
			del(test, i);
		}
		check(test, what);
	}
	kvmmu_rmap_destroy(&t->head);
	bitmap_zero(t->in, RMAP_POOL);
}

static void rmap_random_long(struct kunit *test)
{
	random_run(test, 1, 6000, 1100);
	random_run(test, 4, 6000, 1100);
}

static void rmap_random_short(struct kunit *test)
{
	random_run(test, 2, 3000, 40);
	random_run(test, 3, 3000, 20);
}

static struct kunit_case rmap_test_cases[] = {
	KUNIT_CASE(rmap_empty_and_single),
	KUNIT_CASE(rmap_one_two_one),
	KUNIT_CASE(rmap_desc_boundaries),
	KUNIT_CASE(rmap_remove_compacts),
	KUNIT_CASE(rmap_walk_with_removal),
	KUNIT_CASE(rmap_misuse_detected),
	KUNIT_CASE(rmap_random_long),
	KUNIT_CASE(rmap_random_short),
	{}
};

static struct kunit_suite rmap_test_suite = {
	.name = "kvmmu_rmap",
	.init = rmap_test_init,
	.exit = rmap_test_exit,
	.test_cases = rmap_test_cases,
};

kunit_test_suite(rmap_test_suite);
