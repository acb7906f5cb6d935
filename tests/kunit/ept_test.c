// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the x86 EPT backend: building tables on map, the
 * hardware-style walk (permissions, accessed/dirty), aging, and zaps that
 * free the tables they empty.  The pfns are made up and never touched:
 * mappings are requested as not refcounted.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "kvmmu/mmu.h"

#include "fake_vm.h"

struct ept_test {
	struct kvmmu_vm *vm;
	struct kvmmu_page_cache cache;
};

static int ept_test_init(struct kunit *test)
{
	struct ept_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->vm = kvmmu_test_vm(test, &kvmmu_x86_ept_ops);
	test->priv = t;
	return 0;
}

static void ept_test_exit(struct kunit *test)
{
	struct ept_test *t = test->priv;

	kvmmu_page_cache_free(&t->cache);
}

static int map(struct kunit *test, u64 gfn, unsigned long pfn, bool writable,
	       bool exec)
{
	struct ept_test *t = test->priv;
	struct kvmmu_map_request req = {
		.gfn = gfn, .pfn = pfn, .writable = writable,
		.executable = exec,
	};
	int min = t->vm->ops->cache_pages;
	int r;

	KUNIT_ASSERT_EQ(test, kvmmu_page_cache_topup(&t->cache, min), 0);
	spin_lock(&t->vm->mmu_lock);
	r = t->vm->ops->map(t->vm, &t->cache, &req);
	spin_unlock(&t->vm->mmu_lock);
	return r;
}

static struct kvmmu_mapping lookup(struct kunit *test, u64 gfn)
{
	struct ept_test *t = test->priv;
	struct kvmmu_vcpu vcpu = { .vm = t->vm };
	struct kvmmu_mapping m;

	spin_lock(&t->vm->mmu_lock);
	t->vm->ops->lookup(&vcpu, gfn << PAGE_SHIFT, &m);
	spin_unlock(&t->vm->mmu_lock);
	return m;
}

static int access(struct kunit *test, u64 gfn, enum kvmmu_access_type type,
		  unsigned long *pfn)
{
	struct kvmmu_guest_access ga = { .addr = gfn << PAGE_SHIFT, .type = type };
	struct ept_test *t = test->priv;
	struct kvmmu_vcpu vcpu = { .vm = t->vm };
	int r;

	spin_lock(&t->vm->mmu_lock);
	r = t->vm->ops->access(&vcpu, &ga);
	spin_unlock(&t->vm->mmu_lock);
	*pfn = ga.pfn;
	return r;
}

static bool zap(struct kunit *test, u64 start, u64 end)
{
	struct ept_test *t = test->priv;
	struct kvmmu_gfn_range range = { .start = start, .end = end };
	bool r;

	spin_lock(&t->vm->mmu_lock);
	r = t->vm->ops->zap_gfn_range(t->vm, &range);
	spin_unlock(&t->vm->mmu_lock);
	return r;
}

static bool age(struct kunit *test, u64 start, u64 end, bool clear)
{
	struct ept_test *t = test->priv;
	struct kvmmu_gfn_range range = { .start = start, .end = end };
	bool r;

	spin_lock(&t->vm->mmu_lock);
	r = t->vm->ops->age_gfn_range(t->vm, &range, clear);
	spin_unlock(&t->vm->mmu_lock);
	return r;
}

static s64 stat(atomic64_t *v)
{
	return atomic64_read(v);
}

static void ept_map_builds_tables(struct kunit *test)
{
	struct ept_test *t = test->priv;
	struct kvmmu_mapping m;

	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 1);
	KUNIT_ASSERT_EQ(test, map(test, 0x1234, 0xabcde, true, true), 0);
	/* Root plus one table at each of levels 3, 2 and 1. */
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 4);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 1);

	m = lookup(test, 0x1234);
	KUNIT_EXPECT_TRUE(test, m.present);
	KUNIT_EXPECT_TRUE(test, m.readable);
	KUNIT_EXPECT_TRUE(test, m.writable);
	KUNIT_EXPECT_TRUE(test, m.executable);
	KUNIT_EXPECT_FALSE(test, m.accessed);
	KUNIT_EXPECT_FALSE(test, m.dirty);
	KUNIT_EXPECT_EQ(test, m.level, 1);
	KUNIT_EXPECT_EQ(test, m.memtype, 6);
	KUNIT_EXPECT_EQ(test, m.pfn, 0xabcdeUL);

	/* Neighbours share the tables and are not mapped. */
	KUNIT_EXPECT_FALSE(test, lookup(test, 0x1235).present);
	KUNIT_EXPECT_FALSE(test, lookup(test, 0x1233).present);
	KUNIT_ASSERT_EQ(test, map(test, 0x1235, 0xabcdf, false, true), 0);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 4);
	KUNIT_EXPECT_FALSE(test, lookup(test, 0x1235).writable);
}

static void ept_access_permissions_and_ad(struct kunit *test)
{
	unsigned long pfn = 0;

	KUNIT_EXPECT_EQ(test, access(test, 7, KVMMU_READ, &pfn), -ENOENT);
	KUNIT_ASSERT_EQ(test, map(test, 7, 0x777, false, false), 0);

	KUNIT_EXPECT_EQ(test, access(test, 7, KVMMU_WRITE, &pfn), -EACCES);
	KUNIT_EXPECT_EQ(test, access(test, 7, KVMMU_FETCH, &pfn), -EACCES);
	KUNIT_EXPECT_FALSE(test, lookup(test, 7).accessed);

	KUNIT_EXPECT_EQ(test, access(test, 7, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0x777UL);
	KUNIT_EXPECT_TRUE(test, lookup(test, 7).accessed);
	KUNIT_EXPECT_FALSE(test, lookup(test, 7).dirty);

	/* Upgrading the same pfn keeps what the guest did to it. */
	KUNIT_ASSERT_EQ(test, map(test, 7, 0x777, true, true), 0);
	KUNIT_EXPECT_TRUE(test, lookup(test, 7).accessed);
	KUNIT_EXPECT_EQ(test, access(test, 7, KVMMU_WRITE, &pfn), 0);
	KUNIT_EXPECT_TRUE(test, lookup(test, 7).dirty);
	KUNIT_EXPECT_EQ(test, access(test, 7, KVMMU_FETCH, &pfn), 0);
}

static void ept_zap_frees_emptied_tables(struct kunit *test)
{
	struct ept_test *t = test->priv;
	/* Two in one level-1 table, one in the next, one 1 GiB away. */
	static const u64 gfns[] = { 0, 1, 512, 1ULL << 18 };
	int i;

	for (i = 0; i < ARRAY_SIZE(gfns); i++)
		KUNIT_ASSERT_EQ(test, map(test, gfns[i], 0x100 + i, true,
					  true), 0);
	/* Root, 1 at level 3, 2 at level 2, 3 at level 1. */
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 7);

	/* Half a table: nothing freed. */
	KUNIT_EXPECT_TRUE(test, zap(test, 0, 1));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 7);
	KUNIT_EXPECT_TRUE(test, lookup(test, 1).present);

	/* The rest of it: its level-1 table goes. */
	KUNIT_EXPECT_TRUE(test, zap(test, 1, 2));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 6);
	KUNIT_EXPECT_TRUE(test, lookup(test, 512).present);

	/* Nothing mapped there: no flush needed. */
	KUNIT_EXPECT_FALSE(test, zap(test, 2, 512));

	/* Everything but the root goes. */
	KUNIT_EXPECT_TRUE(test, zap(test, 0, 1ULL << 36));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.table_pages), 1);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.tables_freed), 6);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 0);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.sptes_zapped), 4);
	for (i = 0; i < ARRAY_SIZE(gfns); i++)
		KUNIT_EXPECT_FALSE(test, lookup(test, gfns[i]).present);
}

static void ept_zap_range_is_exact(struct kunit *test)
{
	u64 gfn;

	for (gfn = 500; gfn < 530; gfn++)
		KUNIT_ASSERT_EQ(test, map(test, gfn, gfn, true, true), 0);
	zap(test, 510, 520);
	for (gfn = 500; gfn < 530; gfn++)
		KUNIT_EXPECT_EQ(test, lookup(test, gfn).present,
				gfn < 510 || gfn >= 520);
}

static void ept_age_clears_accessed(struct kunit *test)
{
	unsigned long pfn;

	KUNIT_ASSERT_EQ(test, map(test, 10, 1, true, true), 0);
	KUNIT_ASSERT_EQ(test, map(test, 11, 2, true, true), 0);
	KUNIT_ASSERT_EQ(test, map(test, 12, 3, true, true), 0);

	KUNIT_EXPECT_FALSE(test, age(test, 10, 13, false));
	KUNIT_ASSERT_EQ(test, access(test, 11, KVMMU_READ, &pfn), 0);

	/* Testing does not clear... */
	KUNIT_EXPECT_TRUE(test, age(test, 10, 13, false));
	KUNIT_EXPECT_TRUE(test, age(test, 11, 12, false));
	KUNIT_EXPECT_FALSE(test, age(test, 12, 13, false));
	/* ...clearing does, once. */
	KUNIT_EXPECT_TRUE(test, age(test, 10, 13, true));
	KUNIT_EXPECT_FALSE(test, age(test, 10, 13, true));
	KUNIT_EXPECT_FALSE(test, lookup(test, 11).accessed);
	KUNIT_EXPECT_TRUE(test, lookup(test, 11).present);
}

static void ept_gpa_width(struct kunit *test)
{
	u64 beyond = 1ULL << (48 - PAGE_SHIFT);
	unsigned long pfn;

	KUNIT_EXPECT_EQ(test, map(test, beyond, 1, true, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, access(test, beyond, KVMMU_READ, &pfn), -ENOENT);
	KUNIT_EXPECT_FALSE(test, lookup(test, beyond).present);
	/* The last gfn it can map, with all four levels at index 511. */
	KUNIT_EXPECT_EQ(test, map(test, beyond - 1, 1, true, true), 0);
	KUNIT_EXPECT_TRUE(test, lookup(test, beyond - 1).present);
}

static void ept_page_cache_topup(struct kunit *test)
{
	struct ept_test *t = test->priv;
	struct page *page;

	KUNIT_ASSERT_EQ(test, kvmmu_page_cache_topup(&t->cache, 1), 0);
	KUNIT_EXPECT_EQ(test, t->cache.nobjs, KVMMU_PAGE_CACHE_SIZE);
	page = kvmmu_page_cache_alloc(&t->cache);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(page_address(page), 0, PAGE_SIZE));
	__free_page(page);
	/* Still above the minimum: no refill. */
	KUNIT_ASSERT_EQ(test, kvmmu_page_cache_topup(&t->cache, 3), 0);
	KUNIT_EXPECT_EQ(test, t->cache.nobjs, KVMMU_PAGE_CACHE_SIZE - 1);
	kvmmu_page_cache_free(&t->cache);
	KUNIT_EXPECT_EQ(test, t->cache.nobjs, 0);
}

static struct kunit_case ept_test_cases[] = {
	KUNIT_CASE(ept_map_builds_tables),
	KUNIT_CASE(ept_access_permissions_and_ad),
	KUNIT_CASE(ept_zap_frees_emptied_tables),
	KUNIT_CASE(ept_zap_range_is_exact),
	KUNIT_CASE(ept_age_clears_accessed),
	KUNIT_CASE(ept_gpa_width),
	KUNIT_CASE(ept_page_cache_topup),
	{}
};

static struct kunit_suite ept_test_suite = {
	.name = "kvmmu_ept",
	.init = ept_test_init,
	.exit = ept_test_exit,
	.test_cases = ept_test_cases,
};

kunit_test_suite(ept_test_suite);
