// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the radix walker (mmu/walk.c), on a format of its own so
 * that what the walker does is seen apart from any backend: the order and
 * range of a walk, per-table counts and the freeing of emptied tables,
 * yielding mmu_lock in zaps that may block (and only in those), and the
 * flushes a yield owes.  The pfns are made up and never touched: mappings
 * are requested as not refcounted.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "kvmmu/walk.h"
#include "fake_vm.h"

/*
 * The test format: bit 0 present, 1 writable, 2 accessed, 3 dirty, pfn
 * from bit 12.  Its flush_gfns records every gfn flushed below
 * WT_GFNS in the bitmap of the test being run.
 */
#define WT_PRESENT	BIT_ULL(0)
#define WT_WRITE	BIT_ULL(1)
#define WT_ACCESSED	BIT_ULL(2)
#define WT_DIRTY	BIT_ULL(3)
#define WT_GFNS		8192

struct walk_test {
	struct kvmmu_vm *vm;
	struct kvmmu_vcpu *vcpu;
	struct kvmmu_radix *rt;
	struct kvmmu_page_cache cache;
	unsigned long *flushed;
	unsigned int flush_calls;
};

static struct walk_test *current_wt;

static u64 wt_make_leaf(const struct kvmmu_map_request *req, u64 old)
{
	return ((u64)req->pfn << PAGE_SHIFT) | WT_PRESENT | WT_ACCESSED |
	       (req->writable ? WT_WRITE : 0) |
	       (old & WT_DIRTY);
}

static u64 wt_repoint(u64 old, unsigned long pfn, bool refcounted)
{
	return ((u64)pfn << PAGE_SHIFT) | WT_PRESENT | (old & WT_ACCESSED);
}

static void wt_describe(u64 pte, struct kvmmu_mapping *m)
{
	m->readable = true;
	m->writable = pte & WT_WRITE;
}

static bool wt_flush_gfns(struct kvmmu_vm *vm, u64 start, u64 end)
{
	struct walk_test *t = current_wt;

	t->flush_calls++;
	if (start < WT_GFNS)
		bitmap_set(t->flushed, start, min_t(u64, end, WT_GFNS) - start);
	return true;
}

static const struct kvmmu_radix_ops wt_ops = {
	.present_mask = WT_PRESENT,
	.pfn_mask = PAGE_MASK,
	.table_bits = WT_PRESENT | WT_WRITE,
	.accessed_mask = WT_ACCESSED,
	.dirty_mask = WT_DIRTY,
	.hw_writable_mask = WT_WRITE,
	.make_leaf = wt_make_leaf,
	.repoint = wt_repoint,
	.describe = wt_describe,
	.flush_gfns = wt_flush_gfns,
};

static int wt_init_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_radix *rt = kzalloc(sizeof(*rt), GFP_KERNEL);
	int r;

	if (!rt)
		return -ENOMEM;
	r = kvmmu_radix_init(vm, rt, &wt_ops);
	if (r) {
		kfree(rt);
		return r;
	}
	vm->arch = rt;
	return 0;
}

static void wt_destroy_vm(struct kvmmu_vm *vm)
{
	kvmmu_radix_destroy(vm, kvmmu_vm_radix(vm));
	kfree(vm->arch);
	vm->arch = NULL;
}

/* The test format as a backend of the shared fake VM. */
static const struct kvmmu_arch_ops wt_arch_ops = {
	.name = "walk-test",
	.gpa_bits = 48,
	.cache_pages = KVMMU_RADIX_LEVELS - 1,
	.init_vm = wt_init_vm,
	.destroy_vm = wt_destroy_vm,
	.map = kvmmu_radix_map,
	.lookup = kvmmu_radix_lookup,
	.zap_gfn_range = kvmmu_radix_zap_gfn_range,
	.age_gfn_range = kvmmu_radix_age_gfn_range,
	.change_pte = kvmmu_radix_change_pte,
};

static int walk_test_init(struct kunit *test)
{
	struct walk_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->flushed = kunit_kzalloc(test, BITS_TO_LONGS(WT_GFNS) *
				   sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->flushed);
	current_wt = t;
	t->vm = kvmmu_test_vm(test, &wt_arch_ops);
	t->rt = kvmmu_vm_radix(t->vm);
	t->vcpu = kvmmu_test_vcpu(test, t->vm, 0);
	test->priv = t;
	return 0;
}

/* The fake VM zaps and frees the tables after this. */
static void walk_test_exit(struct kunit *test)
{
	struct walk_test *t = test->priv;

	kvmmu_page_cache_free(&t->cache);
	KUNIT_EXPECT_FALSE(test, t->vm->bugged);
}

static u64 stat(atomic64_t *v)
{
	return atomic64_read(v);
}

static void map(struct kunit *test, u64 gfn, bool writable)
{
	struct walk_test *t = test->priv;
	struct kvmmu_map_request req = {
		.gfn = gfn, .pfn = 0x1000 + gfn, .writable = writable,
	};

	KUNIT_ASSERT_EQ(test, kvmmu_page_cache_topup(&t->cache,
						     KVMMU_RADIX_LEVELS - 1), 0);
	spin_lock(&t->vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, kvmmu_radix_map(t->vm, &t->cache, &req),
			0);
	spin_unlock(&t->vm->mmu_lock);
}

static void map_range(struct kunit *test, u64 start, u64 end)
{
	u64 gfn;

	for (gfn = start; gfn < end; gfn++)
		map(test, gfn, true);
}

static bool zap(struct kunit *test, u64 start, u64 end, bool may_block)
{
	struct walk_test *t = test->priv;
	struct kvmmu_gfn_range range = {
		.start = start, .end = end, .may_block = may_block,
	};
	bool r;

	spin_lock(&t->vm->mmu_lock);
	r = kvmmu_radix_zap_gfn_range(t->vm, &range);
	spin_unlock(&t->vm->mmu_lock);
	return r;
}

static bool mapped(struct kunit *test, u64 gfn)
{
	struct walk_test *t = test->priv;
	struct kvmmu_mapping m;

	spin_lock(&t->vm->mmu_lock);
	kvmmu_radix_lookup(t->vcpu, gfn << PAGE_SHIFT, &m);
	spin_unlock(&t->vm->mmu_lock);
	return m.present;
}

/*
 * Pre-order over present entries: each table entry comes right before the
 * entries of the table it points at, and leaves come in gfn order across
 * tables of every level.
 */
static void walk_preorder(struct kunit *test)
{
	static const u64 gfns[] = { 0, 1, 511, 512, 1ULL << 18, 1ULL << 27 };
	static const struct { int level; u64 gfn; } want[] = {
		{ 4, 0 }, { 3, 0 }, { 2, 0 }, { 1, 0 }, { 1, 1 }, { 1, 511 },
		{ 2, 512 }, { 1, 512 },
		{ 3, 1ULL << 18 }, { 2, 1ULL << 18 }, { 1, 1ULL << 18 },
		{ 4, 1ULL << 27 }, { 3, 1ULL << 27 }, { 2, 1ULL << 27 },
		{ 1, 1ULL << 27 },
	};
	struct walk_test *t = test->priv;
	struct kvmmu_radix_iter iter;
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(gfns); i++)
		map(test, gfns[i], false);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages),
			ARRAY_SIZE(gfns));
	/* 1 root, 2 at level 3, 3 at level 2, 4 at level 1 */
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 10);

	spin_lock(&t->vm->mmu_lock);
	for_each_radix_pte(iter, t->vm, t->rt, 0,
			   kvmmu_radix_span(KVMMU_RADIX_LEVELS + 1), 1, 0) {
		if (!(iter.old & WT_PRESENT))
			continue;
		if (n < ARRAY_SIZE(want)) {
			KUNIT_EXPECT_EQ_MSG(test, iter.level, want[n].level,
					    "entry %u", n);
			KUNIT_EXPECT_EQ_MSG(test, iter.gfn, want[n].gfn,
					    "entry %u", n);
		}
		n++;
	}
	spin_unlock(&t->vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, n, ARRAY_SIZE(want));
}

/* A walk of [start, end) visits exactly the leaves of that range. */
static void walk_range_bounds(struct kunit *test)
{
	struct walk_test *t = test->priv;
	struct kvmmu_radix_iter iter;
	u64 first = ~0ULL, last = 0, leaves = 0;

	map_range(test, 0, 1100);
	spin_lock(&t->vm->mmu_lock);
	for_each_radix_pte(iter, t->vm, t->rt, 5, 1030, 1, 0) {
		if (iter.level != 1)
			continue;
		first = min(first, iter.gfn);
		last = max(last, iter.gfn);
		leaves++;
	}
	spin_unlock(&t->vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, first, 5);
	KUNIT_EXPECT_EQ(test, last, 1029);
	KUNIT_EXPECT_EQ(test, leaves, 1025);
	/* An empty range visits nothing. */
	spin_lock(&t->vm->mmu_lock);
	for_each_radix_pte(iter, t->vm, t->rt, 7, 7, 1, 0)
		KUNIT_FAIL(test, "visited gfn %llu of an empty range", iter.gfn);
	spin_unlock(&t->vm->mmu_lock);
}

/* A zap frees exactly the tables it empties, on every level. */
static void zap_frees_emptied_tables(struct kunit *test)
{
	struct walk_test *t = test->priv;

	map_range(test, 0, 1025);
	/* root, 1 + 1 + 3 level-1 tables */
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 6);
	KUNIT_EXPECT_TRUE(test, zap(test, 0, 511, false));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 6);
	KUNIT_EXPECT_TRUE(test, zap(test, 511, 512, false));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.tables_freed), 1);
	KUNIT_EXPECT_FALSE(test, mapped(test, 3));
	KUNIT_EXPECT_TRUE(test, mapped(test, 512));
	/* Nothing left to zap: nothing to flush either. */
	KUNIT_EXPECT_FALSE(test, zap(test, 0, 512, false));
	KUNIT_EXPECT_TRUE(test, zap(test, 512, 1025, false));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 0);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.sptes_zapped), 1025);
	/* Everything but the root went, the upper levels on the way back. */
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 1);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.tables_freed), 5);
}

/*
 * A zap that may block lets mmu_lock go at least once per batch of
 * entries; before each time it has flushed every leaf it removed, so the
 * flushes cover every zapped gfn even though the walk restarts from the
 * root after each yield.  One that may not block never lets go.
 */
static void zap_yields_only_when_it_may(struct kunit *test)
{
	struct walk_test *t = test->priv;
	u64 gfn;

	map_range(test, 0, WT_GFNS);
	KUNIT_EXPECT_TRUE(test, zap(test, 0, WT_GFNS / 2, false));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.lock_yields), 0);
	KUNIT_EXPECT_EQ(test, t->flush_calls, 1);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.tlb_flushes), 0);

	bitmap_zero(t->flushed, WT_GFNS);
	t->flush_calls = 0;
	zap(test, WT_GFNS / 2, WT_GFNS, true);
	/* 4096 leaves and 8 level-2 entries: at least 4 batches of 1024 */
	KUNIT_EXPECT_GE(test, stat(&t->vm->stat.lock_yields), 4);
	/* A remote flush for each yield that had zapped something. */
	KUNIT_EXPECT_GE(test, stat(&t->vm->stat.tlb_flushes), 1);
	KUNIT_EXPECT_LE(test, stat(&t->vm->stat.tlb_flushes),
			stat(&t->vm->stat.lock_yields));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 0);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 1);
	for (gfn = WT_GFNS / 2; gfn < WT_GFNS; gfn++)
		if (!test_bit(gfn, t->flushed)) {
			KUNIT_FAIL(test, "gfn %llu zapped, never flushed", gfn);
			break;
		}
}

/*
 * A yield on the way down to the start of the range, at a table entry
 * whose first gfn lies before it: the walk resumes at the start, and
 * neither zaps nor leaves unflushed anything outside the range.
 */
static void zap_yield_keeps_to_the_range(struct kunit *test)
{
	struct walk_test *t = test->priv;
	bool owed;
	u64 gfn;

	map_range(test, 0, 2048);
	/* Yield at the first chance: the level-2 entry of gfn 512. */
	set_tsk_need_resched(current);
	owed = zap(test, 700, 1900, true);
	KUNIT_EXPECT_GE(test, stat(&t->vm->stat.lock_yields), 1);
	/* The remote flush was done at a yield, or is owed by the caller. */
	KUNIT_EXPECT_TRUE(test, owed || stat(&t->vm->stat.tlb_flushes));
	for (gfn = 0; gfn < 2048; gfn++) {
		bool in = gfn >= 700 && gfn < 1900;

		if (mapped(test, gfn) == in) {
			KUNIT_FAIL(test, "gfn %llu %s", gfn,
				   in ? "not zapped" : "zapped");
			break;
		}
		if (in && !test_bit(gfn, t->flushed)) {
			KUNIT_FAIL(test, "gfn %llu zapped, never flushed", gfn);
			break;
		}
	}
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 2048 - 1200);
}

/*
 * Aging: test leaves alone, clear makes them old and flushes the range;
 * a writable leaf re-mapped read-only is flushed, a fresh one is not.
 */
static void age_and_remap(struct kunit *test)
{
	struct walk_test *t = test->priv;
	struct kvmmu_gfn_range range = { .start = 0, .end = 16 };

	map_range(test, 0, 16);
	KUNIT_EXPECT_EQ(test, t->flush_calls, 0);
	spin_lock(&t->vm->mmu_lock);
	KUNIT_EXPECT_TRUE(test, kvmmu_radix_age_gfn_range(t->vm, &range, false));
	KUNIT_EXPECT_EQ(test, t->flush_calls, 0);
	KUNIT_EXPECT_TRUE(test, kvmmu_radix_age_gfn_range(t->vm, &range, true));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.young_cleared), 16);
	KUNIT_EXPECT_EQ(test, t->flush_calls, 1);
	KUNIT_EXPECT_FALSE(test, kvmmu_radix_age_gfn_range(t->vm, &range, true));
	spin_unlock(&t->vm->mmu_lock);

	map(test, 3, false);
	KUNIT_EXPECT_EQ(test, t->flush_calls, 2);
	KUNIT_EXPECT_TRUE(test, test_bit(3, t->flushed));
	map(test, 3, true);
	KUNIT_EXPECT_EQ(test, t->flush_calls, 2);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 16);
}

/* change_pte: a host-writable page zaps, a read-only one repoints. */
static void change_pte(struct kunit *test)
{
	struct walk_test *t = test->priv;
	struct kvmmu_gfn_range range = {
		.start = 9, .end = 10, .pfn = 0x4242,
	};
	struct kvmmu_mapping m;

	map_range(test, 8, 11);
	spin_lock(&t->vm->mmu_lock);
	KUNIT_EXPECT_TRUE(test, kvmmu_radix_change_pte(t->vm, &range));
	kvmmu_radix_lookup(t->vcpu, 9 << PAGE_SHIFT, &m);
	KUNIT_EXPECT_TRUE(test, m.present);
	KUNIT_EXPECT_EQ(test, m.pfn, 0x4242);
	KUNIT_EXPECT_FALSE(test, m.writable);
	KUNIT_EXPECT_TRUE(test, test_bit(9, t->flushed));
	range.start = 10;
	range.end = 11;
	range.host_writable = true;
	KUNIT_EXPECT_TRUE(test, kvmmu_radix_change_pte(t->vm, &range));
	kvmmu_radix_lookup(t->vcpu, 10 << PAGE_SHIFT, &m);
	KUNIT_EXPECT_FALSE(test, m.present);
	/* Nothing mapped there: nothing to do. */
	range.start = 100;
	range.end = 101;
	KUNIT_EXPECT_FALSE(test, kvmmu_radix_change_pte(t->vm, &range));
	spin_unlock(&t->vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 2);
}

static struct kunit_case walk_test_cases[] = {
	KUNIT_CASE(walk_preorder),
	KUNIT_CASE(walk_range_bounds),
	KUNIT_CASE(zap_frees_emptied_tables),
	KUNIT_CASE(zap_yields_only_when_it_may),
	KUNIT_CASE(zap_yield_keeps_to_the_range),
	KUNIT_CASE(age_and_remap),
	KUNIT_CASE(change_pte),
	{}
};

static struct kunit_suite walk_test_suite = {
	.name = "kvmmu_walk",
	.init = walk_test_init,
	.exit = walk_test_exit,
	.test_cases = walk_test_cases,
};

kunit_test_suite(walk_test_suite);
